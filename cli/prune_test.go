package cli

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/data"
	"wsops/internal/testrig"
)

// A profile whose management_url points at another sandbox: every probe
// answers gone, as it would for another stage, API or account. prune
// deletes nothing and says why; --force deletes, and --undo puts back every
// record as it was.
func TestPruneGuardsAgainstAWrongManagementURL(t *testing.T) {
	here := testrig.StartSandboxWorld(t, testrig.WorldOptions{Clients: 12})
	elsewhere := testrig.StartSandboxWorld(t, testrig.WorldOptions{})
	e := here.Sandbox.Endpoints()
	path := sandboxConfig(t, "wrong", e.WebSocketURL, elsewhere.ManagementURL, e.DynamoDBURL)
	reg := data.NewRegistry(testrig.DynamoClient(e.DynamoDBURL), data.WizzSchema(), data.Options{})
	records := func() int {
		conns, err := data.Collect(t.Context(), reg.Connections(t.Context(), data.Select{}))
		if err != nil {
			t.Fatal(err)
		}
		return len(conns)
	}
	if n := records(); n != 12 {
		t.Fatalf("%d records before the prune, want 12", n)
	}

	out, errOut, code := run(t, "--config", path, "prune", "--grace", "0s", "--yes", "-o", "json")
	if code != ExitRefused || !strings.Contains(errOut, "12 of 12 probed connections answer gone") || !strings.Contains(errOut, "management_url") {
		t.Fatalf("prune through the wrong management URL: exit %d, %q %q; want a refusal naming management_url", code, out, errOut)
	}
	if n := records(); n != 12 {
		t.Fatalf("the refused prune deleted %d records of live connections", 12-n)
	}

	out, errOut, code = run(t, "--config", path, "prune", "--grace", "0s", "--yes", "--force", "-o", "json")
	var res struct {
		Deleted, Records int
		Journal          string
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Deleted != 12 || res.Journal == "" {
		t.Fatalf("--force: exit %d, %q %q", code, out, errOut)
	}
	if n := records(); n != 0 {
		t.Fatalf("--force left %d records", n)
	}
	out, errOut, code = run(t, "--config", path, "prune", "--undo", res.Journal, "--yes")
	if code != 0 || !strings.Contains(out, "restored the records of 12 connections") {
		t.Fatalf("--undo: exit %d, %q %q", code, out, errOut)
	}
	if n := records(); n != 12 {
		t.Fatalf("the undo left %d of 12 records", n)
	}
}

// prune --dry-run probes (GetConnection only reads) and reports exactly the
// records a following prune --yes deletes, by app × entity type; --grace 0s
// is no grace: a record just written is checked too.
func TestPruneDryRunReportsWhatPruneDeletes(t *testing.T) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{Clients: 4})
	e := w.Sandbox.Endpoints()
	path := sandboxConfig(t, "sb", e.WebSocketURL, e.ManagementURL, e.DynamoDBURL)
	schema := data.WizzSchema()
	db := testrig.DynamoClient(e.DynamoDBURL)
	for i, app := range []string{"drivers", "drivers", "customers"} {
		c := data.Connection{ID: fmt.Sprintf("StaleConn%05d=", i), User: fmt.Sprintf("u-stale-%d", i), App: app,
			EntityType: schema.AppEntity[app], ConnectedAt: time.Now()}
		if _, err := db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(schema.Connections.Table.Name), Item: schema.EncodeConnection(c)}); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, code := run(t, "--config", path, "prune", "--grace", "0s", "--dry-run", "-o", "json")
	var plan struct {
		Targets int
		Radius  map[string]int
	}
	if code != 0 || json.Unmarshal([]byte(out), &plan) != nil {
		t.Fatalf("dry run: exit %d, %q %q", code, out, errOut)
	}
	want := map[string]int{"drivers × driver": 2, "customers × customer": 1}
	if plan.Targets != 3 || !maps.Equal(plan.Radius, want) {
		t.Fatalf("dry run reports %d: %v; want the 3 stale records, %v", plan.Targets, plan.Radius, want)
	}
	out, errOut, code = run(t, "--config", path, "prune", "--grace", "0s", "--yes", "-o", "json")
	var res struct{ Checked, Gone, Deleted int }
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Deleted != plan.Targets || res.Checked != 7 {
		t.Fatalf("prune after the dry run: exit %d, %q %q; want %d deleted of 7 checked", code, out, errOut, plan.Targets)
	}
}
