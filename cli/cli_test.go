package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
	"wsops/internal/testrig"
)

// run executes wsops with args and returns its stdout, stderr and exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Execute(context.Background(), args, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return out.String(), errOut.String(), code
}

// registryFixture is a wizz-schema registry on dynalite with a config file
// whose profile "dl" points at it, as an operator would set it up.
type registryFixture struct {
	db     *dynamodb.Client
	schema data.Schema
	config string
}

func newRegistryFixture(t *testing.T, managementURL string) registryFixture {
	url := testrig.DynaliteURL(t)
	db := testrig.DynamoClient(url)
	s := testrig.UniqueSchema(t, db, data.WizzSchema())
	// Static credentials from the environment, as against any local endpoint.
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("WSOPS_PROFILE", "")
	if managementURL == "" {
		managementURL = "http://127.0.0.1:9/dev"
	}
	cfg := fmt.Sprintf(`
default_profile = "dl"
[profiles.dl]
region = "us-east-1"
websocket_url = "wss://example.execute-api.us-east-1.amazonaws.com/dev"
management_url = %q
dynamodb_url = %q
scan_segments = 4
[profiles.dl.schema.connections]
table = %q
[profiles.dl.schema.subscriptions]
table = %q
`, managementURL, url, s.Connections.Table.Name, s.Subscriptions.Table.Name)
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return registryFixture{db: db, schema: s, config: path}
}

func (f registryFixture) put(t *testing.T, table string, items ...data.Item) {
	t.Helper()
	for _, it := range items {
		if _, err := f.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &table, Item: it}); err != nil {
			t.Fatal(err)
		}
	}
}

func S(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func N(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// seed writes n well-formed connections plus the malformed ones, and returns
// the malformed ids with the problem each must show.
func (f registryFixture) seed(t *testing.T, n int) map[string]string {
	t.Helper()
	ms := fmt.Sprint(time.Now().UnixMilli())
	var items []data.Item
	for i := range n {
		items = append(items, data.Item{"connectionId": S(fmt.Sprintf("GOOD%011d=", i)), "userId": S(fmt.Sprintf("u%d", i%7)),
			"entityType": S("driver"), "appId": S("drivers"), "platform": S("ios"), "connectedAt": N(ms)})
	}
	items = append(items,
		data.Item{"connectionId": S("BADmissinguser="), "entityType": S("driver"), "appId": S("drivers"), "connectedAt": N(ms)},
		data.Item{"connectionId": S("BADincident0000="), "userId": S("m1"), "entityType": S("customer"), "appId": S("order-receiver"), "connectedAt": N(ms)},
		data.Item{"connectionId": S("BADmsasstring00="), "userId": S("u"), "entityType": S("driver"), "appId": S("drivers"), "connectedAt": S(ms)},
		data.Item{"connectionId": S("BADescape000000="), "userId": S("\x1b]52;c;ZXZpbA==\x07\x1b[2J"), "entityType": S("wizard"), "appId": S("drivers"), "connectedAt": N(ms)},
	)
	f.put(t, f.schema.Connections.Table.Name, items...)
	return map[string]string{
		"BADmissinguser=":  "missing userId",
		"BADincident0000=": `entityType "customer" but appId order-receiver`,
		"BADmsasstring00=": "connectedAt is a string, expected a number",
		"BADescape000000=": `entityType "wizard" but appId drivers`,
	}
}

func TestConnsJSONLPrintsEveryItemOnceWithProblems(t *testing.T) {
	f := newRegistryFixture(t, "")
	bad := f.seed(t, 500)
	out, errOut, code := run(t, "--config", f.config, "conns", "-o", "jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	seen := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var row map[string]any
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		for _, k := range []string{"id", "user", "entity_type", "app", "platform", "connected_at", "problems", "attributes"} {
			if _, ok := row[k]; !ok {
				t.Fatalf("row lacks %q: %s", k, line)
			}
		}
		if _, ok := row["live"]; ok {
			t.Fatalf("live present without --live: %s", line)
		}
		id := row["id"].(string)
		seen[id]++
		if want, isBad := bad[id]; isBad {
			problems := fmt.Sprint(row["problems"])
			if !strings.Contains(problems, want) {
				t.Errorf("%s: problems %s, want %q", id, problems, want)
			}
		} else if len(row["problems"].([]any)) != 0 {
			t.Errorf("%s: well-formed row flagged %v", id, row["problems"])
		}
	}
	if len(seen) != 504 {
		t.Fatalf("%d distinct ids, want 504", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s printed %d times", id, n)
		}
	}
}

func TestConnsTableNeverPrintsRawEscapes(t *testing.T) {
	f := newRegistryFixture(t, "")
	f.seed(t, 3)
	out, errOut, code := run(t, "--config", f.config, "conns", "--problem")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.ContainsAny(out, "\x1b\x07") {
		t.Fatalf("raw escape reached the terminal: %q", out)
	}
	if !strings.Contains(out, `\x1b]52;c;`) {
		t.Errorf("escaped user missing from the table:\n%s", out)
	}
	if lines := strings.Count(out, "\n"); lines != 5 { // header + the 4 malformed rows
		t.Errorf("--problem printed %d lines, want 5:\n%s", lines, out)
	}
}

func TestConnsFiltersAndJSONArray(t *testing.T) {
	f := newRegistryFixture(t, "")
	f.seed(t, 20)
	out, errOut, code := run(t, "--config", f.config, "conns", "--app", "order-receiver", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rows []connJSON
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("-o json is not one array: %v\n%s", err, out)
	}
	if len(rows) != 1 || rows[0].ID != "BADincident0000=" {
		t.Fatalf("--app order-receiver gave %+v", rows)
	}
	out, _, _ = run(t, "--config", f.config, "conns", "--user", "nobody", "-o", "json")
	if strings.TrimSpace(out) != "[\n]" {
		t.Errorf("empty result is %q, want an empty array", out)
	}
}

// managementStub answers GetConnection for live ids and 410 GoneException for
// the rest, as the management API does. (The sandbox will replace it.)
func managementStub(t *testing.T, live map[string]bool) string {
	mux := http.NewServeMux()
	mux.HandleFunc("/dev/@connections/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !live[r.PathValue("id")] {
			w.Header().Set("X-Amzn-ErrorType", "GoneException")
			w.WriteHeader(http.StatusGone)
			fmt.Fprint(w, `{"__type":"GoneException","message":"gone"}`)
			return
		}
		fmt.Fprint(w, `{"connectedAt":"2026-11-22T10:00:00.000Z","lastActiveAt":"2026-11-22T10:01:00.000Z","identity":{"sourceIp":"203.0.113.7","userAgent":"okhttp"}}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/dev"
}

func TestConnsLiveAndStale(t *testing.T) {
	f := newRegistryFixture(t, managementStub(t, map[string]bool{"GOOD00000000000=": true, "GOOD00000000001=": true}))
	f.seed(t, 3)
	out, errOut, code := run(t, "--config", f.config, "conns", "--live", "-o", "jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	status := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var row connJSON
		if err := json.Unmarshal([]byte(line), &row); err != nil || row.Live == nil {
			t.Fatalf("row without live status: %q", line)
		}
		status[row.ID] = row.Live.Status
		if row.Live.Status == "connected" && (row.Live.SourceIP != "203.0.113.7" || row.Live.LastActiveAt == nil) {
			t.Errorf("live details missing: %+v", row.Live)
		}
	}
	if len(status) != 7 || status["GOOD00000000000="] != "connected" || status["GOOD00000000002="] != "gone" {
		t.Fatalf("statuses %v", status)
	}
	out, _, code = run(t, "--config", f.config, "conns", "--stale", "-o", "jsonl")
	if n := strings.Count(out, "\n"); code != 0 || n != 5 {
		t.Fatalf("--stale: exit %d, %d rows, want the 5 gone ones:\n%s", code, n, out)
	}
}

func TestSubsListsAndJoinsByApp(t *testing.T) {
	f := newRegistryFixture(t, "")
	f.seed(t, 2)
	f.put(t, f.schema.Subscriptions.Table.Name,
		data.Item{"connectionId": S("BADincident0000="), "subscriptionKey": S("business_status#b1"), "userId": S("m1"),
			"entityType": S("customer"), "isActive": &types.AttributeValueMemberBOOL{Value: false}, "createdAt": N("1700000000000")},
		data.Item{"connectionId": S("GOOD00000000000="), "subscriptionKey": S("order#9"), "userId": S("u0"),
			"entityType": S("driver"), "isActive": &types.AttributeValueMemberBOOL{Value: true}})
	out, errOut, code := run(t, "--config", f.config, "subs", "--app", "order-receiver", "--inactive", "-o", "jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var row map[string]any
	if err := json.Unmarshal([]byte(out), &row); err != nil {
		t.Fatalf("want exactly one row: %v\n%s", err, out)
	}
	for _, k := range []string{"connection_id", "key", "user", "entity_type", "active", "created_at", "problems", "attributes"} {
		if _, ok := row[k]; !ok {
			t.Errorf("subs row lacks %q", k)
		}
	}
	if row["key"] != "business_status#b1" || row["active"] != false {
		t.Errorf("row %v", row)
	}
}

func TestExitCodes(t *testing.T) {
	f := newRegistryFixture(t, "")
	cases := []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"--config", f.config, "conns", "--bogus"}, ExitUsage, "unknown flag"},
		{[]string{"--config", f.config, "conns", "-o", "xml"}, ExitUsage, `-o "xml"`},
		{[]string{"--config", f.config, "--profile", "nope", "conns"}, ExitUsage, "nope"},
		{[]string{"--config", filepath.Join(t.TempDir(), "missing.toml"), "conns"}, ExitUsage, "missing.toml"},
		{[]string{"nosuchcommand"}, ExitUsage, "unknown command"},
		{[]string{"version"}, ExitOK, ""},
	}
	for _, c := range cases {
		_, errOut, code := run(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.say) {
			t.Errorf("wsops %v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, errOut, c.code, c.say)
		}
	}
}

func TestListingErrorExitsOne(t *testing.T) {
	f := newRegistryFixture(t, "")
	cfg, _ := os.ReadFile(f.config)
	broken := strings.Replace(string(cfg), f.schema.Connections.Table.Name, "no_such_table", 1)
	if err := os.WriteFile(f.config, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := run(t, "--config", f.config, "conns")
	if code != ExitFailed || !strings.Contains(errOut, "no_such_table") {
		t.Fatalf("exit %d, stderr %q; want 1 naming the table", code, errOut)
	}
}

// A token in the config never appears in full in any output or error.
func TestTokenNeverPrintedInFull(t *testing.T) {
	const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEyMyIsImVudGl0eVR5cGUiOiJkcml2ZXIifQ.c2lnbmF0dXJlc2lnbmF0dXJlc2ln"
	t.Setenv("WSOPS_TEST_TOKEN", token)
	f := newRegistryFixture(t, "")
	cfg, _ := os.ReadFile(f.config)
	withToken := string(cfg) + "[profiles.dl.token]\nvalue = \"${env:WSOPS_TEST_TOKEN}\"\n"
	if err := os.WriteFile(f.config, []byte(withToken), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"config"}, {"config", "-o", "json"}, {"conns", "-o", "jsonl"}, {"conns", "--bogus"}, {"subs"},
	} {
		out, errOut, _ := run(t, append([]string{"--config", f.config}, args...)...)
		if strings.Contains(out+errOut, token[:20]) {
			t.Errorf("wsops %v printed the token:\n%s%s", args, out, errOut)
		}
	}
	out, _, _ := run(t, "--config", f.config, "config")
	if !strings.Contains(out, "eyJh…(") {
		t.Errorf("config does not show the redacted token:\n%s", out)
	}
}

// With nothing listening at a profile's endpoints, conns fails at once (no
// retries of the refusal) and says what to do.
func TestUnreachableEndpointSaysWhatToDo(t *testing.T) {
	addr := testrig.ClosedAddr(t)
	cfg := sandboxConfig(t, "down", "ws://"+addr+"/dev", "http://"+addr+"/dev", "http://"+addr)
	_, errOut, code := run(t, "--config", cfg, "conns")
	if code != ExitFailed || !strings.Contains(errOut, "nothing answers at that endpoint") || !strings.Contains(errOut, "wsops sandbox") {
		t.Fatalf("conns on a stopped sandbox: exit %d, %q", code, errOut)
	}
	if strings.Contains(errOut, "maximum number of attempts") {
		t.Errorf("the refusal was retried: %q", errOut)
	}
}

// The listings flag what repair fixes, with the plan's rules: a subscription
// typed against its connection's app, a merchant without its business-status
// subscription; --business finds a merchant's connections.
func TestListingsFlagWhatRepairFixesAndFindByBusiness(t *testing.T) {
	f := newRegistryFixture(t, "")
	ms := fmt.Sprint(time.Now().Add(-time.Minute).UnixMilli()) // connected long enough to owe the subscription
	f.put(t, f.schema.Connections.Table.Name,
		data.Item{"connectionId": S("MERCHANTnosub00="), "userId": S("m1"), "entityType": S("merchant"), "appId": S("order-receiver"),
			"platform": S("web"), "connectedAt": N(ms), "businessId": S("biz-091")},
		data.Item{"connectionId": S("MERCHANTsub0000="), "userId": S("m2"), "entityType": S("merchant"), "appId": S("order-receiver"),
			"platform": S("web"), "connectedAt": N(ms), "businessId": S("biz-091")},
		data.Item{"connectionId": S("OTHERbusiness0="), "userId": S("m3"), "entityType": S("merchant"), "appId": S("order-receiver"),
			"platform": S("web"), "connectedAt": N(ms), "businessId": S("biz-007")})
	f.put(t, f.schema.Subscriptions.Table.Name,
		data.Item{"connectionId": S("MERCHANTsub0000="), "subscriptionKey": S("business_status#biz-091"), "userId": S("m2"),
			"entityType": S("merchant"), "isActive": &types.AttributeValueMemberBOOL{Value: true}, "createdAt": N(ms)},
		data.Item{"connectionId": S("MERCHANTsub0000="), "subscriptionKey": S("order#1"), "userId": S("m2"),
			"entityType": S("customer"), "isActive": &types.AttributeValueMemberBOOL{Value: true}, "createdAt": N(ms)},
		data.Item{"connectionId": S("OTHERbusiness0="), "subscriptionKey": S("business_status#biz-007"), "userId": S("m3"),
			"entityType": S("merchant"), "isActive": &types.AttributeValueMemberBOOL{Value: true}, "createdAt": N(ms)})

	out, errOut, code := run(t, "--config", f.config, "subs", "--app", "order-receiver", "--problem", "-o", "jsonl")
	if code != 0 {
		t.Fatalf("subs: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"key":"order#1"`) || !strings.Contains(out, `entityType \"customer\" but connection's appId order-receiver`) ||
		strings.Count(out, "\n") != 1 {
		t.Errorf("subs --app order-receiver --problem: want only the customer-typed order#1 flagged:\n%s", out)
	}
	out, errOut, code = run(t, "--config", f.config, "conns", "--problem=business_status", "-o", "jsonl")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"id":"MERCHANTnosub00="`) ||
		!strings.Contains(out, "no business_status#biz-091 subscription") {
		t.Errorf("conns --problem=business_status: exit %d %s\n%s", code, errOut, out)
	}
	out, errOut, code = run(t, "--config", f.config, "conns", "--business", "biz-091", "-o", "jsonl")
	if code != 0 || strings.Count(out, "\n") != 2 || strings.Contains(out, "OTHERbusiness0=") {
		t.Errorf("conns --business biz-091: exit %d %s, want the two connections of biz-091:\n%s", code, errOut, out)
	}
}
