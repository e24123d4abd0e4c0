package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"wsops/internal/faultproxy"
	"wsops/internal/testrig"
)

// apiWarning is a warning of `wsops api -o json`.
type apiWarning struct{ Code, Message, Fix string }

// apiWarnings decodes the warnings of `wsops api -o json`.
func apiWarnings(t *testing.T, out string) []apiWarning {
	t.Helper()
	var r struct{ Warnings []apiWarning }
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return r.Warnings
}

// TestAPIWarnsOfAnIndexTheMongoDBRegistryLacks: on the sandbox's this27
// world in MongoDB, an index dropped through the driver is the one
// warning of `wsops api`, with the lookup it slows and the mongosh line
// that creates it; indexes that cannot be listed leave a warning saying
// so, and the report is still made.
func TestAPIWarnsOfAnIndexTheMongoDBRegistryLacks(t *testing.T) {
	z := startThis27World(t)
	out, _ := z.run(t, "api", "-o", "json")
	if ws := apiWarnings(t, out); len(ws) != 0 {
		t.Fatalf("the sandbox's registry has every index, yet: %+v", ws)
	}

	if err := z.coll.Indexes().DropOne(t.Context(), "rooms_1"); err != nil {
		t.Fatal(err)
	}
	out, _ = z.run(t, "api", "-o", "json")
	db := z.coll.Database().Name()
	want := apiWarning{Code: "missing-index",
		Message: "the registry's collection " + db + ".websocketconnections lacks the index rooms_1 (rooms): looking up a topic's subscribers (a room's members) scans the whole collection",
		Fix:     fmt.Sprintf("db.getSiblingDB(%q).websocketconnections.createIndex({rooms: 1})", db)}
	if ws := apiWarnings(t, out); len(ws) != 1 || ws[0] != want {
		t.Errorf("warnings %+v\nwant only %+v", ws, want)
	}
	table, _ := z.run(t, "api")
	if !strings.Contains(table, "WARNINGS (1)\n  ! "+want.Message+"\n    fix: "+want.Fix+"\n") {
		t.Errorf("the table output lacks the warning:\n%s", table)
	}

	// listIndexes unanswered (and not retried: with a deadline the driver
	// retries a read until it runs out): the report comes, saying why the
	// indexes went unchecked.
	t.Setenv("WSOPS_TEST_MONGO_URI", os.Getenv("WSOPS_TEST_MONGO_URI")+"&retryReads=false")
	z.proxy.Add(faultproxy.WireRule{Command: "listIndexes", Nth: 1, Action: faultproxy.Drop})
	out, _ = z.run(t, "api", "-o", "json")
	ws := apiWarnings(t, out)
	if len(ws) != 1 || ws[0].Code != "indexes-unchecked" ||
		!strings.Contains(ws[0].Message, "the registry's indexes could not be checked") ||
		!strings.Contains(ws[0].Message, "listing the indexes of "+db+".websocketconnections (MongoDB's listIndexes action)") {
		t.Errorf("listIndexes unanswered: warnings %+v", ws)
	}
	if fired := z.proxy.Fired(); len(fired) != 1 {
		t.Errorf("rules fired: %v", fired)
	}
}

// TestAPIWarnsOfAnIndexTheDynamoDBRegistryLacks: on the sandbox's wizz
// world, a GSI deleted with the aws CLI is the one warning of `wsops
// api`, and its fix, run with the aws CLI, clears it.
func TestAPIWarnsOfAnIndexTheDynamoDBRegistryLacks(t *testing.T) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{Preset: "wizz"})
	cfg := sandboxDiscoveryConfig(t, w, "wizz")
	url := w.Sandbox.Endpoints().DynamoDBURL
	const table = "WizzUser_websocket_connections_dev"
	awsRun := func(line string) {
		t.Helper()
		cmd := exec.Command("sh", "-c", line+" --endpoint-url "+url)
		cmd.Env = testrig.AWSEnv(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", line, err, out)
		}
	}
	api := func() []apiWarning {
		t.Helper()
		out, errOut, code := run(t, "--config", cfg, "api", "-o", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		return apiWarnings(t, out)
	}

	awsRun(`aws dynamodb update-table --table-name ` + table + ` --global-secondary-index-updates '[{"Delete":{"IndexName":"userId-index"}}]'`)
	ws := api()
	want := `aws dynamodb update-table --table-name ` + table + ` --attribute-definitions '[{"AttributeName":"userId","AttributeType":"S"}]' ` +
		`--global-secondary-index-updates '[{"Create":{"IndexName":"userId-index","KeySchema":[{"AttributeName":"userId","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}}]'`
	if len(ws) != 1 || ws[0].Code != "missing-index" || ws[0].Fix != want ||
		!strings.HasPrefix(ws[0].Message, "the registry's table "+table+" lacks the index userId-index (userId): looking up a user's connections fails") {
		t.Fatalf("warnings %+v\nwant one with the fix %s", ws, want)
	}
	awsRun(ws[0].Fix)
	if ws := api(); len(ws) != 0 {
		t.Errorf("after the fix ran: %+v", ws)
	}
}
