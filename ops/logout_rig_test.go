package ops

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/auth"
	"wsops/data"
	"wsops/internal/testrig"
	"wsops/mgmt"
	"wsops/ops/auditlog"
)

// fleetRig is a sandbox world with an Ops over it, built as the console
// builds one for a sandbox profile: the registry on the sandbox's DynamoDB,
// the management API through the world's recording SDK client behind a
// testrig.FaultyAPI. The sandbox loses every $disconnect, so records outlive
// their connections and only the action under test deletes them.
type fleetRig struct {
	w       *testrig.SandboxWorld
	db      *dynamodb.Client
	schema  data.Schema
	reg     *data.Registry
	audit   *auditlog.Log
	confirm *recordingConfirmer
	api     *testrig.FaultyAPI
	deps    Deps
	ops     *Ops
}

func startFleetRig(t *testing.T, opts testrig.WorldOptions) *fleetRig {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir()) // default journals go there
	opts.DropDisconnects = 1
	w := testrig.StartSandboxWorld(t, opts)
	dynamoURL := w.Sandbox.Endpoints().DynamoDBURL
	db := testrig.DynamoClient(dynamoURL)
	schema := data.WizzSchema()
	reg := data.NewRegistry(db, schema, data.Options{})
	f := &fleetRig{w: w, db: db, schema: schema, reg: reg,
		audit:   auditlog.New(filepath.Join(t.TempDir(), "audit.jsonl")),
		confirm: &recordingConfirmer{},
		api:     testrig.NewFaultyAPI(w.API),
	}
	f.deps = Deps{Registry: reg, Gateway: mgmt.New(f.api), Confirm: f.confirm, Audit: f.audit,
		Caller: sandboxCaller, Policy: Policy{Profile: "sandbox"},
		Place: Place{Management: w.ManagementURL, Registry: dynamoURL,
			Tables: []string{schema.Connections.Table.Name, schema.Subscriptions.Table.Name}}}
	f.ops = f.with(t, nil)
	return f
}

// with is an Ops over the rig's world with deps changed by change (nil: as they are).
func (f *fleetRig) with(t *testing.T, change func(*Deps)) *Ops {
	t.Helper()
	return testOps(t, f.deps, change)
}

// sandboxCaller is the caller of every test's Ops.
func sandboxCaller(context.Context) (string, error) { return "sandbox", nil }

// usersOf connects client n as the user users[n] names (app and entity type
// by the wizz rule: "drivers" → driver), and as testrig's default otherwise.
func usersOf(users map[int][2]string) func(n int) auth.Claims {
	entity := data.WizzSchema().AppEntity
	return func(n int) auth.Claims {
		if u, ok := users[n]; ok {
			return auth.Claims{User: u[0], App: u[1], EntityType: entity[u[1]]}
		}
		return auth.Claims{User: fmt.Sprintf("testrig-user-%d", n), EntityType: "customer", App: "customers"}
	}
}

// put writes records straight into the sandbox's tables.
func (f *fleetRig) put(t *testing.T, conns []data.Connection, subs []data.Subscription) {
	t.Helper()
	put := func(table string, item data.Item) {
		if _, err := f.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			t.Fatalf("seeding %s: %v", table, err)
		}
	}
	for _, c := range conns {
		put(f.schema.Connections.Table.Name, f.schema.EncodeConnection(c))
	}
	for _, s := range subs {
		put(f.schema.Subscriptions.Table.Name, f.schema.EncodeSubscription(s))
	}
}

// subscribe seeds one active subscription for each connection id.
func (f *fleetRig) subscribe(t *testing.T, user string, ids ...string) {
	t.Helper()
	var subs []data.Subscription
	for i, id := range ids {
		subs = append(subs, data.Subscription{ConnectionID: id, Key: fmt.Sprintf("order#%d", i), User: user, EntityType: "customer", Active: true})
	}
	f.put(t, nil, subs)
}

// records returns the ids of the connection records and of the connections
// with subscription records sel picks, sorted.
func (f *fleetRig) records(t *testing.T, sel data.Select) (conns, subs []string) {
	t.Helper()
	ctx := context.Background()
	cs, err := data.Collect(ctx, f.reg.Connections(ctx, sel))
	if err != nil {
		t.Fatal(err)
	}
	ss, err := data.Collect(ctx, f.reg.Subscriptions(ctx, sel))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		conns = append(conns, c.ID)
	}
	for _, s := range ss {
		subs = append(subs, s.ConnectionID)
	}
	slices.Sort(conns)
	slices.Sort(subs)
	return conns, subs
}

// methods lists the methods of the requests sent for id, in order.
func (f *fleetRig) methods(id string) []string {
	var ms []string
	for _, r := range f.w.Requests() {
		if r.ID == id {
			ms = append(ms, r.Method)
		}
	}
	return ms
}

// auditLines returns the audit log's entries as Tail shows them: one per
// finished run.
func (f *fleetRig) auditLines(t *testing.T) []auditlog.Entry {
	t.Helper()
	entries, skipped, err := f.audit.Tail(0)
	if err != nil || skipped != 0 {
		t.Fatalf("audit log: %v (%d lines skipped)", err, skipped)
	}
	return entries
}

// staleID is a deterministic id in AWS's shape that no sandbox connection has.
func staleID(n int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "ops-stale-%d", n))
	return base64.URLEncoding.EncodeToString(sum[:11])
}

// recordingConfirmer answers every confirmation with err and remembers the plans it was shown.
type recordingConfirmer struct {
	err   error
	mu    sync.Mutex
	plans []Plan
}

func (c *recordingConfirmer) Confirm(_ context.Context, p Plan, _ Policy) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.plans = append(c.plans, p)
	return c.err
}

func (c *recordingConfirmer) asked() []Plan {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.plans)
}

// journalIn is a fresh path for a logout's journal.
func journalIn(t *testing.T) string { return filepath.Join(t.TempDir(), "logout.jsonl") }

// progressLog records the progress an action reports as [done, total].
type progressLog struct {
	mu    sync.Mutex
	steps [][2]int
}

func (p *progressLog) report(pr Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.steps = append(p.steps, [2]int{pr.Done, pr.Total})
}

func (p *progressLog) get() [][2]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.steps)
}
