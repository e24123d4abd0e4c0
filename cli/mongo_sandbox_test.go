package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"wsops/auth"
	"wsops/internal/faultproxy"
	"wsops/internal/testrig"
)

// this27World is the sandbox's this27 world on MongoDB: three live clients
// (a customer, a rider, a manager) that joined their rooms over their
// sockets, documents another client wrote beside theirs (stale ones, a
// rider written as customer, a malformed one), the collection as that
// client sees it, and a config whose profile reaches the registry through
// a wire proxy with a URI that carries a password.
type this27World struct {
	w     *testrig.SandboxWorld
	coll  *mongo.Collection
	proxy *faultproxy.Wire
	cfg   string
	state string
	live  map[string]*testrig.WorldClient // by app
	stale []string                        // the documents of no live connection
}

func startThis27World(t *testing.T) *this27World {
	t.Helper()
	apps := []auth.Claims{
		{User: "cust-1", EntityType: "customer", App: "customer-app"},
		{User: "ride-1", EntityType: "rider", App: "rider-app"},
		{User: "mgr-1", EntityType: "manager", App: "manager-web"},
	}
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{
		Preset: "this27", Registry: "mongodb", Clients: len(apps), Claims: func(n int) auth.Claims { return apps[n] },
	})
	e := w.Sandbox.Endpoints()
	u, err := url.Parse(e.MongoDBURI)
	if err != nil || e.DynamoDBURL != "" {
		t.Fatalf("the this27 sandbox's registry: mongodb %q (%v), dynamodb %q", e.MongoDBURI, err, e.DynamoDBURL)
	}
	z := &this27World{w: w, live: map[string]*testrig.WorldClient{}, state: t.TempDir()}
	z.coll = testrig.MongoClient(t).Database(strings.TrimPrefix(u.Path, "/")).Collection("websocketconnections")
	rooms := map[string][]string{"customer-app": {"o1"}, "rider-app": {"o1", "o2"}, "manager-web": {"o2"}}
	for i, id := range w.IDs {
		c := w.Client(id)
		z.live[apps[i].App] = c
		for n, o := range rooms[apps[i].App] {
			c.Send(t, fmt.Sprintf(`{"action":"subscribeToOrder","data":{"orderId":%q}}`, o))
			if f := c.WaitFrames(t, n+1); !strings.Contains(string(f[n].Data), `"room":"order:`+o+`"`) {
				t.Fatalf("%s joining order:%s: %s", apps[i].App, o, f[n].Data)
			}
		}
	}
	old := time.Now().Add(-30 * time.Minute).Truncate(time.Millisecond)
	doc := func(id, user, app, role string, rooms ...any) bson.D {
		return bson.D{{Key: "connectionId", Value: id}, {Key: "userId", Value: user}, {Key: "role", Value: role},
			{Key: "app", Value: app}, {Key: "platform", Value: "android"}, {Key: "rooms", Value: append(bson.A{}, rooms...)},
			{Key: "connectedAt", Value: old}, {Key: "lastSeenAt", Value: old}}
	}
	others := []any{
		doc("StaleRider0001=", "ride-2", "rider-app", "customer", "order:o1"), // the incident, left by a lost $disconnect
		doc("StaleRider0002=", "ride-3", "rider-app", "customer"),
		doc("StaleCust00001=", "cust-2", "customer-app", "customer", "order:o2"),
		bson.D{{Key: "connectionId", Value: "Malformed0001="}, {Key: "connectedAt", Value: old.Format(time.RFC3339)}, {Key: "rooms", Value: "order:o1"}},
	}
	z.stale = []string{"Malformed0001=", "StaleCust00001=", "StaleRider0001=", "StaleRider0002="}
	if _, err := z.coll.InsertMany(context.Background(), others); err != nil {
		t.Fatal(err)
	}
	z.proxy = faultproxy.StartWire(t, u.Host)
	t.Setenv("WSOPS_TEST_MONGO_URI", "mongodb://ops:"+mongoPassword+"@"+z.proxy.Addr()+u.Path+"?authMechanism=PLAIN")
	t.Setenv("XDG_STATE_HOME", z.state)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("WSOPS_PROFILE", "")
	t.Setenv(SandboxSecretEnv, w.Secret())
	z.cfg = filepath.Join(t.TempDir(), "config.toml")
	body := fmt.Sprintf(`default_profile = "t27"
[profiles.t27]
sandbox = true
preset = "this27"
mongodb_uri = "${env:WSOPS_TEST_MONGO_URI}"
apigateway_url = %q
cloudwatch_url = %q
logs_url = %q
`, e.APIGatewayURL, e.CloudWatchURL, e.LogsURL)
	if err := os.WriteFile(z.cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return z
}

// run runs wsops on the world's profile and wants it to succeed; no output
// shows the password.
func (z *this27World) run(t *testing.T, args ...string) (string, string) {
	t.Helper()
	return z.runExit(t, 0, args...)
}

// runExit is run wanting exit code want.
func (z *this27World) runExit(t *testing.T, want int, args ...string) (string, string) {
	t.Helper()
	out, errOut, code := run(t, append([]string{"--config", z.cfg}, args...)...)
	noPassword(t, strings.Join(args, " "), out, errOut)
	if code != want {
		t.Fatalf("wsops %v: exit %d, want %d: %s%s", args, code, want, out, errOut)
	}
	return out, errOut
}

// docs reads every document through the independent client, by id.
func (z *this27World) docs(t *testing.T) map[string]bson.M { return testrig.MongoDocs(t, z.coll) }

// roles are the documents' roles, by id.
func (z *this27World) roles(t *testing.T) map[string]any {
	out := map[string]any{}
	for id, d := range z.docs(t) {
		out[id] = d["role"]
	}
	return out
}

// jsonLines decodes JSON lines into rows.
func jsonLines[T any](t *testing.T, out string) []T {
	t.Helper()
	var rows []T
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r T
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v: %q", err, line)
		}
		rows = append(rows, r)
	}
	return rows
}

// TestThis27SandboxOnMongoDB: on the sandbox's this27 world, whose
// handlers keep the registry in MongoDB, documents another client wrote are
// listed once each with the malformed one flagged; a room lists exactly its
// members and a send to it reaches exactly the live ones; a repair changes
// exactly the riders written as customers, leaves one changed meanwhile
// alone, and its undo restores the rest; a logout and a prune remove
// exactly the documents they should; the URI's password is in no output,
// journal or audit line.
func TestThis27SandboxOnMongoDB(t *testing.T) {
	z := startThis27World(t)
	cust, ride, mgr := z.live["customer-app"], z.live["rider-app"], z.live["manager-web"]
	d := z.docs(t)
	if r := d[ride.ID]; r["role"] != "rider" || !slices.Equal(testrig.Rooms(r), []string{"order:o1", "order:o2"}) {
		t.Fatalf("the rider's document as the handlers wrote it: %v", r)
	}
	for _, f := range []string{"connectedAt", "lastSeenAt"} {
		if _, isDate := d[ride.ID][f].(bson.DateTime); !isDate {
			t.Errorf("%s %T, want a date", f, d[ride.ID][f])
		}
	}

	// Listed once each, the malformed document flagged.
	out, _ := z.run(t, "conns", "-o", "jsonl")
	listed := map[string]string{}
	for _, r := range jsonLines[struct {
		ID       string   `json:"id"`
		Problems []string `json:"problems"`
	}](t, out) {
		if _, dup := listed[r.ID]; dup {
			t.Errorf("%s listed twice", r.ID)
		}
		listed[r.ID] = strings.Join(r.Problems, "; ")
	}
	if want := append(slices.Clone(z.w.IDs), z.stale...); !sameSet(slices.Collect(maps.Keys(listed)), want) {
		t.Errorf("listed %v, want %v", slices.Sorted(maps.Keys(listed)), slices.Sorted(slices.Values(want)))
	}
	if p := listed["Malformed0001="]; !strings.Contains(p, "connectedAt is a string") || !strings.Contains(p, "rooms is a string") {
		t.Errorf("the malformed document's problems %q", p)
	}
	if p := listed["StaleRider0001="]; !strings.Contains(p, `role "customer" but app rider-app`) {
		t.Errorf("the rider written as customer: problems %q", p)
	}

	// The room lists exactly its members; a send reaches exactly the live ones.
	out, _ = z.run(t, "subs", "--topic", "order:o1", "-o", "jsonl")
	var members []string
	for _, r := range jsonLines[struct {
		ID string `json:"connection_id"`
	}](t, out) {
		members = append(members, r.ID)
	}
	if want := []string{cust.ID, ride.ID, "StaleRider0001=", "Malformed0001="}; !sameSet(members, want) || len(members) != len(want) {
		t.Errorf("order:o1 lists %v, want %v", members, want)
	}
	out, _ = z.run(t, "send", "--topic", "order:o1", "--data", `{"type":"orderUpdate","data":{"status":"ready"}}`, "--yes", "-o", "json")
	var sent struct{ Targets, Delivered, Gone, Failed int }
	if err := json.Unmarshal([]byte(out), &sent); err != nil || sent.Targets != 4 || sent.Delivered != 2 || sent.Gone != 2 || sent.Failed != 0 {
		t.Errorf("send to order:o1: %s (%v); want 4 targets, 2 delivered, 2 gone", out, err)
	}
	z.w.Settle()
	for c, want := range map[*testrig.WorldClient]int{cust: 1, ride: 1, mgr: 0} {
		got := 0
		for _, f := range c.Frames() {
			if strings.Contains(string(f.Data), `"orderUpdate"`) {
				got++
			}
		}
		if got != want {
			t.Errorf("%s got the room's message %d times, want %d", c.User, got, want)
		}
	}

	// A repair changes exactly the riders written as customers; one another
	// writer changes just before the first write is a conflict.
	before := z.roles(t)
	z.proxy.Add(faultproxy.WireRule{Command: "findAndModify", Nth: 1, Action: faultproxy.Before, Before: func() {
		if _, err := z.coll.UpdateOne(context.Background(), bson.D{{Key: "connectionId", Value: "StaleRider0002="}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "role", Value: "manager"}}}}); err != nil {
			t.Error(err)
		}
	}})
	out, _ = z.runExit(t, 1, "repair", "--apply", "--yes", "-o", "json") // 1: a conflict was left alone
	var rep struct {
		Applied, Conflicts, Failed int
		Journal                    string
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Applied != 1 || rep.Conflicts != 1 || rep.Failed != 0 {
		t.Fatalf("repair --apply: %s (%v); want 1 applied, 1 conflict", out, err)
	}
	after := z.roles(t)
	for id, role := range before {
		want := role
		switch id {
		case "StaleRider0001=":
			want = "rider"
		case "StaleRider0002=":
			want = "manager" // the other writer's
		}
		if after[id] != want {
			t.Errorf("%s: role %v after the repair, want %v", id, after[id], want)
		}
	}
	z.run(t, "repair", "--undo", rep.Journal, "--yes", "-o", "json")
	if got := z.roles(t); got["StaleRider0001="] != "customer" || got["StaleRider0002="] != "manager" || got[ride.ID] != "rider" {
		t.Errorf("roles after the undo %v", got)
	}

	// A logout removes exactly the rider's document; a prune exactly the
	// stale ones.
	out, _ = z.run(t, "logout", "--user", "ride-1", "--yes", "-o", "json")
	var lo struct{ Targets, Disconnected int }
	if err := json.Unmarshal([]byte(out), &lo); err != nil || lo.Targets != 1 || lo.Disconnected != 1 {
		t.Errorf("logout --user ride-1: %s (%v)", out, err)
	}
	ride.WaitClosed(t)
	if got := slices.Sorted(maps.Keys(z.docs(t))); !sameSet(got, append([]string{cust.ID, mgr.ID}, z.stale...)) {
		t.Errorf("after the logout: %v", got)
	}
	out, _ = z.run(t, "prune", "--grace", "0s", "--yes", "-o", "json")
	if got := slices.Sorted(maps.Keys(z.docs(t))); !sameSet(got, []string{cust.ID, mgr.ID}) {
		t.Errorf("after the prune: %v (%s), want the live customer's and manager's", got, out)
	}
	if d := z.docs(t)[mgr.ID]; !slices.Equal(testrig.Rooms(d), []string{"order:o2"}) {
		t.Errorf("the manager's rooms after it all: %v", d["rooms"])
	}
	_ = filepath.WalkDir(z.state, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			noPassword(t, path, string(b))
		}
		return nil
	})
}

// sameSet reports whether a and b hold the same strings.
func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// TestThis27ConnectVerifyOnMongoDB: `wsops connect --verify` on the this27
// sandbox finds the test client's own document in MongoDB (which keeps no
// user agent: GetConnection tells it apart), checks it and gets the test
// broadcast back; a rider written as customer fails the check.
func TestThis27ConnectVerifyOnMongoDB(t *testing.T) {
	z := startThis27World(t)
	_, errOut := z.run(t, "connect", "--as", "user=rider-v,app=rider-app", "--verify")
	for _, want := range []string{"user rider-v  app rider-app  entity rider", "registry: problems: none", "test broadcast: arrived "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("connect --verify: stderr lacks %q:\n%s", want, errOut)
		}
	}
	_, errOut = z.runExit(t, ExitFailed, "connect", "--as", "user=rider-w,app=rider-app,entity=customer", "--verify")
	if !strings.Contains(errOut, `registry says role "rider", the token says "customer"`) {
		t.Errorf("a token unlike its document: stderr\n%s", errOut)
	}
}
