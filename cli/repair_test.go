package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/auth"
	"wsops/data"
	"wsops/internal/testrig"
)

// repairFixture is a wizz registry on dynalite holding the incident, and a
// sandbox profile "sb" over it (sandbox: static credentials, no STS call).
func repairFixture(t *testing.T) (registryFixture, string) {
	t.Helper()
	f := newRegistryFixture(t, "")
	cfg := fmt.Sprintf(`
default_profile = "sb"
[profiles.sb]
sandbox = true
websocket_url = "ws://127.0.0.1:9/dev"
dynamodb_url = %q
[profiles.sb.schema.connections]
table = %q
[profiles.sb.schema.subscriptions]
table = %q
[[profiles.sb.repair]]
name = "ios-to-android"
table = "connections"
where = { platform = "ios", appId = "drivers" }
set = { platform = "android" }
`, testrig.DynaliteURL(t), f.schema.Connections.Table.Name, f.schema.Subscriptions.Table.Name)
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	f.put(t, f.schema.Connections.Table.Name,
		data.Item{"connectionId": S("BADincident0001="), "userId": S("m1"), "entityType": S("customer"), "appId": S("order-receiver"), "businessId": S("b1")},
		data.Item{"connectionId": S("BADincident0002="), "userId": S("m2"), "entityType": S("customer"), "appId": S("order-receiver")},
		data.Item{"connectionId": S("GOODmerchant001="), "userId": S("m3"), "entityType": S("merchant"), "appId": S("order-receiver")},
		data.Item{"connectionId": S("GOODdriver00001="), "userId": S("d1"), "entityType": S("driver"), "appId": S("drivers"), "platform": S("android")},
	)
	f.put(t, f.schema.Subscriptions.Table.Name,
		data.Item{"connectionId": S("BADincident0001="), "subscriptionKey": S("order#1"), "entityType": S("customer")})
	return f, path
}

func TestRepairCommand(t *testing.T) {
	f, cfg := repairFixture(t)
	out, errOut, code := run(t, "--config", cfg, "repair", "-o", "json")
	var plan repairPlanJSON
	if code != 0 || json.Unmarshal([]byte(out), &plan) != nil {
		t.Fatalf("plan: exit %d, %q %q", code, out, errOut)
	}
	if plan.Count != 4 || len(plan.Changes) != 4 || plan.Changes[0].Old != "customer" || plan.Changes[0].New != "merchant" {
		t.Fatalf("plan %+v: want 3 entity-type sets and 1 business-status create", plan)
	}
	out, _, code = run(t, "--config", cfg, "repair")
	for _, want := range []string{"rule entity-type: 3 changes", "rule business-status: 1 change",
		`connectionId=BADincident0002=  entityType: "customer" → "merchant"`, "apply with: wsops repair --apply"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("plan table (exit %d) lacks %q:\n%s", code, want, out)
		}
	}

	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"--read-only", "repair", "--apply", "--yes"}, ExitRefused},
		{[]string{"repair", "--apply"}, ExitRefused}, // stdin is no terminal, no --yes
		{[]string{"repair", "--apply", "--undo", "x", "--yes"}, ExitUsage},
		{[]string{"repair", "--apply", "--rate", "-1", "--yes"}, ExitUsage},
		{[]string{"repair", "--rule", "nope"}, ExitFailed},
	} {
		out, errOut, code := run(t, append([]string{"--config", cfg}, c.args...)...)
		if code != c.code || (c.code == ExitRefused && out != "") {
			t.Errorf("%v: exit %d, out %q, err %q; want exit %d and no result", c.args, code, out, errOut, c.code)
		}
	}
	if got := entityOf(t, f, "BADincident0001="); got != "customer" {
		t.Fatalf("a refused repair changed a record: %q", got)
	}

	out, errOut, code = run(t, "--config", cfg, "repair", "--apply", "--yes", "-o", "json")
	var res struct {
		Applied, Conflicts, Failed int
		Journal                    string
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Applied != 4 || res.Journal == "" {
		t.Fatalf("apply: exit %d, %q %q", code, out, errOut)
	}
	if got := entityOf(t, f, "BADincident0001="); got != "merchant" {
		t.Fatalf("after apply: %q", got)
	}
	// The journal is complete: --resume (no --yes, stdin no terminal) exits 0
	// at once, without a prompt and without an audit line.
	before := auditLines(t)
	out, errOut, code = run(t, "--config", cfg, "repair", "--resume", res.Journal, "-o", "json")
	if code != 0 || !strings.Contains(out, `"applied":4`) || strings.Contains(errOut, "Type yes") {
		t.Errorf("resuming a complete repair: exit %d, %q %q", code, out, errOut)
	}
	if after := auditLines(t); after != before {
		t.Errorf("resuming a complete repair wrote %d audit lines", after-before)
	}
	out, errOut, code = run(t, "--config", cfg, "repair", "--undo", res.Journal, "--yes")
	if code != 0 || !strings.Contains(out, "restored 4, conflicts 0, failed 0") {
		t.Fatalf("undo: exit %d, %q %q", code, out, errOut)
	}
	if got := entityOf(t, f, "BADincident0001="); got != "customer" {
		t.Fatalf("after undo: %q", got)
	}
	out, _, code = run(t, "--config", cfg, "repair", "--rule", "ios-to-android", "-o", "json")
	if code != 0 || !strings.Contains(out, `"count":0`) {
		t.Errorf("profile rule over no ios drivers: exit %d %q", code, out)
	}
	out, _, code = run(t, "--config", cfg, "audit", "-n", "10")
	if code != 0 || strings.Count(out, "repair") < 4 {
		t.Errorf("audit (exit %d) lacks the repair lines:\n%s", code, out)
	}
}

// auditLines counts the lines of the audit log of XDG_STATE_HOME.
func auditLines(t *testing.T) int {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(os.Getenv("XDG_STATE_HOME"), "wsops", "audit.jsonl"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return bytes.Count(raw, []byte("\n"))
}

func entityOf(t *testing.T, f registryFixture, id string) string {
	t.Helper()
	c, err := data.NewRegistry(f.db, f.schema, data.Options{}).Connection(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.EntityType
}

// The business-status rule creates no subscription for a merchant whose
// connection is gone (the plan asks GetConnection, which only reads), and a
// subscription it creates expires: it carries its connection's ttl, or one
// a connection's lifetime away.
func TestBusinessStatusSkipsGoneMerchantsAndSetsATTL(t *testing.T) {
	claims := func(int) auth.Claims { return auth.Claims{User: "m-live", App: "order-receiver", BusinessID: "biz-1"} }
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{Clients: 1, Claims: claims})
	e := w.Sandbox.Endpoints()
	cfg := sandboxConfig(t, "sb", e.WebSocketURL, e.ManagementURL, e.DynamoDBURL)
	schema := data.WizzSchema()
	reg := data.NewRegistry(testrig.DynamoClient(e.DynamoDBURL), schema, data.Options{})
	live := w.IDs[0]
	subs, err := reg.SubscriptionsOf(t.Context(), live)
	if err != nil {
		t.Fatal(err)
	}
	var keys []data.Item
	for _, s := range subs {
		keys = append(keys, reg.KeyOf(true, s.Item))
	}
	if err := reg.DeleteRecords(t.Context(), nil, keys); err != nil { // the live merchant lacks its subscription now
		t.Fatal(err)
	}
	// …and has been connected long enough to owe it (a merchant connected
	// seconds ago may not have subscribed yet).
	_, err = testrig.DynamoClient(e.DynamoDBURL).UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName:                 aws.String(schema.Connections.Table.Name),
		Key:                       data.Item{"connectionId": &types.AttributeValueMemberS{Value: live}},
		UpdateExpression:          aws.String("SET connectedAt = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberN{Value: fmt.Sprint(time.Now().Add(-time.Minute).UnixMilli())}},
	})
	if err != nil {
		t.Fatal(err)
	}
	stale := schema.EncodeConnection(data.Connection{ID: "StaleMerchant01=", User: "m-gone", App: "order-receiver",
		EntityType: "merchant", BusinessID: "biz-2", ConnectedAt: time.Now().Add(-time.Hour)})
	if _, err := testrig.DynamoClient(e.DynamoDBURL).PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(schema.Connections.Table.Name), Item: stale}); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "--config", cfg, "repair", "--rule", "business-status", "-o", "json")
	var plan repairPlanJSON
	if code != 0 || json.Unmarshal([]byte(out), &plan) != nil {
		t.Fatalf("plan: exit %d, %q %q", code, out, errOut)
	}
	if plan.Count != 1 || len(plan.SkippedGone) != 1 || plan.SkippedGone[0] != "StaleMerchant01=" {
		t.Fatalf("plan %+v: want the live merchant's create alone, the gone one left out", plan)
	}
	created, _ := plan.Changes[0].New.(map[string]any)
	if created["connectionId"] != live || created["ttl"] == nil {
		t.Errorf("the create %v: want the live merchant's subscription, with a ttl", created)
	}
}
