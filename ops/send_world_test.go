package ops_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/coder/websocket"

	"wsops/auth"
	"wsops/client"
	"wsops/data"
	"wsops/internal/testrig"
	"wsops/ops"
)

// The send tests run against the sandbox: live WebSocket clients behind an
// emulated API Gateway stage, reached through the real SDK client, with the
// registry the sandbox's $connect wrote.

// sendProfile is the profile name the fixtures' Ops run on.
const sendProfile = "sandbox-test"

// sendFixture is a sandbox world with an Ops over it.
type sendFixture struct {
	w      *testrig.SandboxWorld
	o      *ops.Ops
	db     *dynamodb.Client
	schema data.Schema
	api    *faultyAPI
	dir    string // the test's temporary directory: journals and the audit log
}

// newSendFixture starts a world with opts and an Ops for it that confirms
// everything, writing its audit log to the test's temporary directory.
func newSendFixture(tb testing.TB, opts testrig.WorldOptions) *sendFixture {
	tb.Helper()
	w := testrig.StartSandboxWorld(tb, opts)
	db := testrig.DynamoClient(w.Sandbox.Endpoints().DynamoDBURL)
	schema := data.WizzSchema()
	api := &faultyAPI{ManagementAPI: w.API}
	dir := tb.TempDir()
	return &sendFixture{
		w: w, db: db, schema: schema, api: api, dir: dir,
		o: &ops.Ops{
			Registry: data.NewRegistry(db, schema, data.Options{}),
			Mgmt:     client.NewManagement(api),
			Policy:   ops.Policy{Profile: sendProfile},
			Confirm:  sendConfirm(nil),
			Audit:    ops.NewAuditLog(filepath.Join(dir, "audit.jsonl")),
			Caller:   "sandbox",
		},
	}
}

// journal is a fresh journal path in the test's directory.
func (f *sendFixture) journal(name string) string { return filepath.Join(f.dir, name+".jsonl") }

// auditEntries returns every audit line written so far.
func (f *sendFixture) auditEntries(t *testing.T) []ops.AuditEntry {
	t.Helper()
	entries, skipped, err := f.o.Audit.Tail(0)
	if err != nil || skipped > 0 {
		t.Fatalf("audit log: %v (%d lines skipped)", err, skipped)
	}
	return entries
}

// putStale writes a connection record (and subscriptions to topics) for an
// id with no live connection: what a lost $disconnect leaves behind.
func (f *sendFixture) putStale(t *testing.T, id, user string, topics ...string) {
	t.Helper()
	ctx := context.Background()
	items := map[string]data.Item{f.schema.Connections.Table.Name: f.schema.EncodeConnection(data.Connection{
		ID: id, User: user, App: "drivers", EntityType: "driver", Platform: "ios",
	})}
	put := func(table string, item data.Item) {
		if _, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			t.Fatalf("seeding %s: %v", table, err)
		}
	}
	for table, item := range items {
		put(table, item)
	}
	for _, topic := range topics {
		put(f.schema.Subscriptions.Table.Name, f.schema.EncodeSubscription(data.Subscription{
			ConnectionID: id, Key: topic, User: user, EntityType: "driver", Active: true,
		}))
	}
}

// sendConfirm is a Confirmer that answers err (nil: go ahead) and records
// the plans it was shown.
func sendConfirm(err error) *planRecorder { return &planRecorder{answer: err} }

type planRecorder struct {
	answer error
	then   func() // called after answering, when set
	mu     sync.Mutex
	plans  []ops.Plan
}

func (r *planRecorder) Confirm(_ context.Context, p ops.Plan, _ ops.Policy) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.plans = append(r.plans, p)
	if r.then != nil {
		r.then()
	}
	return r.answer
}

// sendNothing starts a send to everyone and cancels it as soon as it is
// confirmed: its journal holds the plan and no outcome.
func (f *sendFixture) sendNothing(t *testing.T, name string) ops.SendResult {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	confirm := f.o.Confirm
	defer func() { f.o.Confirm = confirm }()
	f.o.Confirm = &planRecorder{then: cancel}
	res, err := f.o.Send(ctx, ops.SendRequest{Targets: ops.Targets{All: true}, Payload: []byte(`{}`), Journal: f.journal(name)}, nil)
	if !errors.Is(err, context.Canceled) || res.NotAttempted != len(f.w.IDs) || res.Attempted != 0 {
		t.Fatalf("send cancelled once confirmed: %+v, %v", res, err)
	}
	return res
}

// faultyAPI passes calls to the world's SDK client, except posts to the ids
// given a fault, which fail with it without reaching the sandbox.
type faultyAPI struct {
	client.ManagementAPI
	mu     sync.Mutex
	faults map[string]error
}

func (a *faultyAPI) fail(id string, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.faults == nil {
		a.faults = map[string]error{}
	}
	a.faults[id] = err
}

func (a *faultyAPI) heal() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.faults = nil
}

func (a *faultyAPI) PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	a.mu.Lock()
	err := a.faults[aws.ToString(in.ConnectionId)]
	a.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return a.ManagementAPI.PostToConnection(ctx, in, opts...)
}

// errConnectionReset stands in for a failure that may hide a delivery.
var errConnectionReset = errors.New("read tcp 127.0.0.1:50000: connection reset by peer")

// journalLines parses every line of a journal: the header, then the rest.
func journalLines(t *testing.T, path string) (header map[string]any, lines []map[string]any) {
	t.Helper()
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(content, []byte("\n")) {
		t.Errorf("journal %s does not end with a complete line", path)
	}
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("journal %s line %d: %v: %q", path, len(lines)+2, err, sc.Bytes())
		}
		if header == nil {
			header = line
			continue
		}
		lines = append(lines, line)
	}
	return header, lines
}

// outcomeLines counts the journal's outcome lines per target id.
func outcomeLines(lines []map[string]any) map[string]int {
	n := map[string]int{}
	for _, l := range lines {
		if id, ok := l["id"].(string); ok {
			n[id]++
		}
	}
	return n
}

// events returns the journal's event names in order.
func events(lines []map[string]any) []string {
	var names []string
	for _, l := range lines {
		if e, ok := l["event"].(string); ok {
			names = append(names, e)
		}
	}
	return names
}

// assertFrames checks, after Settle, that each client in ids received
// exactly want as text frames.
func assertFrames(t *testing.T, w *testrig.SandboxWorld, ids []string, want ...[]byte) {
	t.Helper()
	for _, id := range ids {
		frames := w.Client(id).Frames()
		if len(frames) != len(want) {
			t.Errorf("client %s (%s) received %d frames, want %d", id, w.Client(id).User, len(frames), len(want))
			continue
		}
		for i, fr := range frames {
			if fr.Type != websocket.MessageText || !bytes.Equal(fr.Data, want[i]) {
				t.Errorf("client %s frame %d: %v %.40q, want text %.40q", id, i, fr.Type, fr.Data, want[i])
			}
		}
	}
}

// appClaims makes client n user users[n%len(users)], on the apps in turn
// (each user gets every app once len(users) clients later), with the entity
// type the app rule gives.
func appClaims(users ...string) func(n int) auth.Claims {
	apps := []struct{ app, entity string }{{"drivers", "driver"}, {"customers", "customer"}, {"order-receiver", "merchant"}}
	return func(n int) auth.Claims {
		a := apps[(n/len(users))%len(apps)]
		return auth.Claims{User: users[n%len(users)], App: a.app, EntityType: a.entity, BusinessID: fmt.Sprintf("b-%d", n)}
	}
}
