package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wsops/internal/testrig"
)

// mongoPassword is the MongoDB URI's password, which no output may show.
var mongoPassword = "Mongo-" + "pw-7c1e9b"

// mongoFixture is a this27 registry in the embedded FerretDB, written by
// the test through the driver, and a config whose profile "t27" reads it
// with a URI that carries a password (FerretDB takes any with PLAIN).
func mongoFixture(t *testing.T) (cfg, state string, docs map[string]bson.D) {
	t.Helper()
	db := testrig.MongoDatabase(t)
	uri := strings.Replace(testrig.MongoURL(t), "mongodb://", "mongodb://ops:"+mongoPassword+"@", 1)
	uri = strings.TrimSuffix(uri, "/") + "/" + db.Name() + "?authMechanism=PLAIN"
	t.Setenv("WSOPS_TEST_MONGO_URI", uri)
	state = t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("WSOPS_PROFILE", "")
	cfg = filepath.Join(t.TempDir(), "config.toml")
	body := `default_profile = "t27"
[profiles.t27]
sandbox = true
websocket_url = "ws://127.0.0.1:9/dev"
preset = "this27"
registry = "mongodb"
mongodb_uri = "${env:WSOPS_TEST_MONGO_URI}"
`
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-10 * time.Minute).Truncate(time.Millisecond)
	doc := func(id, user, app, role string, rooms ...any) bson.D {
		return bson.D{{Key: "connectionId", Value: id}, {Key: "userId", Value: user}, {Key: "role", Value: role},
			{Key: "app", Value: app}, {Key: "platform", Value: "web"}, {Key: "rooms", Value: bson.A(rooms)},
			{Key: "connectedAt", Value: at}, {Key: "lastSeenAt", Value: at}}
	}
	docs = map[string]bson.D{
		"M1": doc("M1", "mgr", "manager-web", "manager", "order:order123"),
		"C1": doc("C1", "cust", "customer-app", "customer", "order:order123", "order:7"),
		"R1": doc("R1", "ride", "rider-app", "customer", "order:order123"), // the incident: a rider as customer
		"R2": doc("R2", "ride2", "rider-app", "rider", "order:order1234"),
		"X1": {{Key: "connectionId", Value: "X1"}, {Key: "connectedAt", Value: at.Format(time.RFC3339)}, {Key: "rooms", Value: "order:order123"}},
	}
	var all []any
	for _, id := range slices.Sorted(maps.Keys(docs)) {
		all = append(all, docs[id])
	}
	if _, err := db.Collection("websocketconnections").InsertMany(context.Background(), all); err != nil {
		t.Fatal(err)
	}
	return cfg, state, docs
}

// noPassword fails the test when any output shows the URI's password.
func noPassword(t *testing.T, what string, outs ...string) {
	t.Helper()
	for _, o := range outs {
		if strings.Contains(o, mongoPassword) {
			t.Errorf("%s shows the MongoDB password: %s", what, o)
		}
	}
}

// Documents written by another client are listed once each, malformed
// ones flagged; a topic lists exactly its room; a repair writes journal
// and audit lines; the URI's password appears in none of it.
func TestMongoProfileEndToEnd(t *testing.T) {
	cfg, state, docs := mongoFixture(t)
	out, errOut, code := run(t, "--config", cfg, "conns", "-o", "jsonl")
	noPassword(t, "conns", out, errOut)
	if code != 0 {
		t.Fatalf("conns: exit %d: %s", code, errOut)
	}
	listed := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var row struct {
			ID       string         `json:"id"`
			Problems []string       `json:"problems"`
			Attrs    map[string]any `json:"attributes"`
		}
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("%v: %q", err, line)
		}
		if _, dup := listed[row.ID]; dup {
			t.Errorf("%s listed twice", row.ID)
		}
		listed[row.ID] = row.Problems
		if row.Attrs["rooms"] == nil {
			t.Errorf("%s: attributes %v lack the document's rooms", row.ID, row.Attrs)
		}
	}
	if len(listed) != len(docs) {
		t.Errorf("listed %v, want the %d documents", listed, len(docs))
	}
	if p := strings.Join(listed["R1"], "; "); !strings.Contains(p, `role "customer" but app rider-app`) {
		t.Errorf("R1's problems %q: want the incident", p)
	}
	if p := strings.Join(listed["X1"], "; "); !strings.Contains(p, "connectedAt is a string, expected a date") || !strings.Contains(p, "rooms is a string, expected an array") {
		t.Errorf("X1's problems %q: want the string date and rooms flagged", p)
	}
	if p := listed["M1"]; len(p) != 0 {
		t.Errorf("M1 flagged %q", p)
	}

	out, errOut, code = run(t, "--config", cfg, "subs", "--topic", "order:order123", "-o", "jsonl")
	noPassword(t, "subs", out, errOut)
	var members []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var row struct {
			ID  string `json:"connection_id"`
			Key string `json:"key"`
		}
		if err := json.Unmarshal([]byte(line), &row); err != nil || row.Key != "order:order123" {
			t.Fatalf("subs row %q (%v)", line, err)
		}
		members = append(members, row.ID)
	}
	slices.Sort(members)
	if code != 0 || !slices.Equal(members, []string{"C1", "M1", "R1", "X1"}) {
		t.Errorf("subs --topic order:order123: exit %d, members %v, want C1 M1 R1 X1", code, members)
	}

	out, errOut, code = run(t, "--config", cfg, "config")
	noPassword(t, "config", out, errOut)
	if code != 0 || !strings.Contains(out, "mongodb://ops:****@") || !strings.Contains(out, "mongodb") {
		t.Errorf("config: exit %d, want the URI redacted:\n%s", code, out)
	}

	out, errOut, code = run(t, "--config", cfg, "repair", "--apply", "--yes", "-o", "json")
	noPassword(t, "repair --apply", out, errOut)
	var res struct {
		Applied int    `json:"applied"`
		Journal string `json:"journal"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Applied != 1 {
		t.Fatalf("repair --apply: exit %d, %q %q; want the one rider repaired", code, out, errOut)
	}
	journal, err := os.ReadFile(res.Journal)
	if err != nil {
		t.Fatal(err)
	}
	noPassword(t, "the journal", string(journal))
	if !strings.Contains(string(journal), "mongodb://ops:****@") {
		t.Errorf("the journal does not record the registry it acted on:\n%s", journal)
	}
	_ = filepath.WalkDir(state, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			noPassword(t, path, string(b))
		}
		return nil
	})
}

// A MongoDB that does not answer fails the command; its error names the
// URI with the password redacted, and a profile with no URI is a
// configuration error naming the key.
func TestMongoProfileErrorsHideThePassword(t *testing.T) {
	cfg, _, _ := mongoFixture(t)
	t.Setenv("WSOPS_TEST_MONGO_URI", fmt.Sprintf("mongodb://ops:%s@%s/this27?serverSelectionTimeoutMS=500", mongoPassword, testrig.ClosedAddr(t)))
	out, errOut, code := run(t, "--config", cfg, "conns")
	noPassword(t, "conns against nothing", out, errOut)
	if code != ExitFailed || !strings.Contains(errOut, "reading this27.websocketconnections") {
		t.Errorf("conns against nothing: exit %d, %q", code, errOut)
	}
	t.Log(errOut)
	os.Unsetenv("WSOPS_TEST_MONGO_URI")
	out, errOut, code = run(t, "--config", cfg, "conns")
	if code != ExitUsage || !strings.Contains(errOut, `key "mongodb_uri"`) || !strings.Contains(errOut, "WSOPS_TEST_MONGO_URI is not set") {
		t.Errorf("conns with the URI unset: exit %d, %q %q", code, out, errOut)
	}
}
