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
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/auth"
	"wsops/client"
	"wsops/data"
	"wsops/internal/testrig"
)

// fleetRig is a sandbox world with an Ops over it, built as the console
// builds one for a sandbox profile: the registry on the sandbox's DynamoDB,
// the management API through the world's recording SDK client. The sandbox
// loses every $disconnect, so records outlive their connections and only the
// action under test deletes them.
type fleetRig struct {
	w       *testrig.SandboxWorld
	db      *dynamodb.Client
	schema  data.Schema
	reg     *data.Registry
	audit   *AuditLog
	confirm *recordingConfirmer
	api     *faultyAPI
	ops     *Ops
}

func startFleetRig(t *testing.T, opts testrig.WorldOptions) *fleetRig {
	t.Helper()
	opts.DropDisconnects = 1
	w := testrig.StartSandboxWorld(t, opts)
	db := testrig.DynamoClient(w.Sandbox.Endpoints().DynamoDBURL)
	schema := data.WizzSchema()
	reg := data.NewRegistry(db, schema, data.Options{})
	f := &fleetRig{w: w, db: db, schema: schema, reg: reg,
		audit:   NewAuditLog(filepath.Join(t.TempDir(), "audit.jsonl")),
		confirm: &recordingConfirmer{},
		api:     &faultyAPI{ManagementAPI: w.API, calls: map[string]int{}},
	}
	f.ops = &Ops{Registry: reg, Mgmt: client.NewManagement(f.api), Policy: Policy{Profile: "sandbox"},
		Confirm: f.confirm, Audit: f.audit, Caller: "sandbox"}
	return f
}

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

// auditLines returns the audit log's lines.
func (f *fleetRig) auditLines(t *testing.T) []AuditEntry {
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

// faultyAPI stands in front of the world's SDK client: it counts every call
// by "METHOD id" and, where fail returns an error, fails that call without
// sending it.
type faultyAPI struct {
	client.ManagementAPI
	mu    sync.Mutex
	calls map[string]int
	fail  func(method, id string, call int) error
}

func (a *faultyAPI) check(method, id string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	key := method + " " + id
	a.calls[key]++
	if a.fail == nil {
		return nil
	}
	return a.fail(method, id, a.calls[key])
}

func (a *faultyAPI) count(method, id string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[method+" "+id]
}

func (a *faultyAPI) PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	if err := a.check("POST", aws.ToString(in.ConnectionId)); err != nil {
		return nil, err
	}
	return a.ManagementAPI.PostToConnection(ctx, in, opts...)
}

func (a *faultyAPI) GetConnection(ctx context.Context, in *apigatewaymanagementapi.GetConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.GetConnectionOutput, error) {
	if err := a.check("GET", aws.ToString(in.ConnectionId)); err != nil {
		return nil, err
	}
	return a.ManagementAPI.GetConnection(ctx, in, opts...)
}

func (a *faultyAPI) DeleteConnection(ctx context.Context, in *apigatewaymanagementapi.DeleteConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error) {
	if err := a.check("DELETE", aws.ToString(in.ConnectionId)); err != nil {
		return nil, err
	}
	return a.ManagementAPI.DeleteConnection(ctx, in, opts...)
}

// journalIn is a fresh path for a logout's journal.
func journalIn(t *testing.T) string { return filepath.Join(t.TempDir(), "logout.jsonl") }
