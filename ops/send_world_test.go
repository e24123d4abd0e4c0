package ops_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/coder/websocket"

	"wsops/auth"
	"wsops/data"
	"wsops/internal/testrig"
	"wsops/mgmt"
	"wsops/ops"
	"wsops/ops/auditlog"
)

// The send tests run against the sandbox: live WebSocket clients behind an
// emulated API Gateway stage, reached through the real SDK client (behind
// testrig.FaultyAPI, which counts every call and fails those a test asks
// it to), with the registry the sandbox's $connect wrote.

// sendProfile is the profile name the fixtures' Ops run on.
const sendProfile = "sandbox-test"

// sendFixture is a sandbox world with an Ops over it.
type sendFixture struct {
	w       *testrig.SandboxWorld
	o       *ops.Ops
	db      *dynamodb.Client
	schema  data.Schema
	reg     *data.Registry
	api     *testrig.FaultyAPI
	confirm *planRecorder
	audit   *auditlog.Log
	deps    ops.Deps
	dir     string // the test's temporary directory: journals and the audit log
}

// newSendFixture starts a world with opts and an Ops for it that confirms
// everything, writing its audit log to the test's temporary directory.
func newSendFixture(tb testing.TB, opts testrig.WorldOptions) *sendFixture {
	tb.Helper()
	w := testrig.StartSandboxWorld(tb, opts)
	db := testrig.DynamoClient(w.Sandbox.Endpoints().DynamoDBURL)
	schema := data.WizzSchema()
	dir := tb.TempDir()
	f := &sendFixture{
		w: w, db: db, schema: schema, dir: dir,
		reg:     data.NewRegistry(db, schema, data.Options{}),
		api:     testrig.NewFaultyAPI(w.API),
		confirm: sendConfirm(nil),
		audit:   auditlog.New(filepath.Join(dir, "audit.jsonl")),
	}
	f.deps = ops.Deps{
		Registry: f.reg, Gateway: mgmt.New(f.api), Confirm: f.confirm, Audit: f.audit,
		Caller: func(context.Context) (string, error) { return "sandbox", nil },
		Policy: ops.Policy{Profile: sendProfile},
		Place: ops.Place{Management: w.ManagementURL, Registry: w.Sandbox.Endpoints().DynamoDBURL,
			Tables: []string{schema.Connections.Table.Name, schema.Subscriptions.Table.Name}},
	}
	f.o = f.ops(tb, nil)
	return f
}

// ops builds another Ops over the fixture's world, its deps changed by
// change (nil: as they are).
func (f *sendFixture) ops(tb testing.TB, change func(*ops.Deps)) *ops.Ops {
	tb.Helper()
	deps := f.deps
	if change != nil {
		change(&deps)
	}
	o, err := ops.New(deps)
	if err != nil {
		tb.Fatal(err)
	}
	return o
}

// journal is a fresh journal path in the test's directory.
func (f *sendFixture) journal(name string) string { return filepath.Join(f.dir, name+".jsonl") }

// auditEntries returns every audit entry written so far (a run's start
// line folded into its end line).
func (f *sendFixture) auditEntries(t *testing.T) []auditlog.Entry {
	t.Helper()
	entries, skipped, err := f.audit.Tail(0)
	if err != nil || skipped > 0 {
		t.Fatalf("audit log: %v (%d lines skipped)", err, skipped)
	}
	return entries
}

// auditLines counts the audit log's raw lines.
func (f *sendFixture) auditLines(t *testing.T) int {
	t.Helper()
	raw, err := os.ReadFile(f.audit.Path())
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(raw, []byte("\n"))
}

// putStale writes a connection record (and subscriptions to topics) for an
// id with no live connection: what a lost $disconnect leaves behind.
func (f *sendFixture) putStale(t *testing.T, id, user string, topics ...string) {
	t.Helper()
	ctx := context.Background()
	put := func(table string, item data.Item) {
		if _, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			t.Fatalf("seeding %s: %v", table, err)
		}
	}
	put(f.schema.Connections.Table.Name, f.schema.EncodeConnection(data.Connection{
		ID: id, User: user, App: "drivers", EntityType: "driver", Platform: "ios",
	}))
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
	mu     sync.Mutex
	answer error
	then   func() // called after answering, when set
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

// setThen has every later confirmation call then (nil: nothing).
func (r *planRecorder) setThen(then func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.then = then
}

// asked returns the plans shown so far.
func (r *planRecorder) asked() []ops.Plan {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ops.Plan(nil), r.plans...)
}

// sendNothing starts a send to everyone and cancels it as soon as it is
// confirmed: its journal holds the plan and no intent or outcome.
func (f *sendFixture) sendNothing(t *testing.T, name string) ops.SendResult {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.confirm.setThen(cancel)
	defer f.confirm.setThen(nil)
	res, err := f.o.Send(ctx, ops.SendRequest{Targets: ops.Targets{All: true}, Payload: []byte(`{}`), Journal: f.journal(name)}, nil)
	if !errors.Is(err, context.Canceled) || res.NotAttempted != len(f.w.IDs) || res.Attempted != 0 || res.Journal == "" {
		t.Fatalf("send cancelled once confirmed: %+v, %v", res, err)
	}
	return res
}

// errConnectionReset is a post whose connection broke after the request
// went out: it may hide a delivery.
var errConnectionReset = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}

// errConnectionRefused is a post whose connection was never made: it
// certainly did not deliver.
var errConnectionRefused = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}

// journalView is a journal read back line by line, as a test sees it.
type journalView struct {
	header map[string]any
	// ids are the plan's targets' connection ids, by position.
	ids   []string
	lines []map[string]any
}

// readJournal parses every complete line of a journal: the header, then
// the rest. A last line left incomplete is reported (torn) and left out.
func readJournal(t *testing.T, path string) (v journalView, torn bool) {
	t.Helper()
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if cut := bytes.LastIndexByte(content, '\n') + 1; cut < len(content) {
		content, torn = content[:cut], true
	}
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("journal %s line %d: %v: %q", path, len(v.lines)+2, err, sc.Bytes())
		}
		if v.header == nil {
			v.header = line
			continue
		}
		v.lines = append(v.lines, line)
	}
	plan, _ := v.header["plan"].(map[string]any)
	targets, _ := plan["targets"].([]any)
	for _, target := range targets {
		v.ids = append(v.ids, target.(map[string]any)["id"].(string))
	}
	return v, torn
}

// journalLines reads a journal that must end with a complete line.
func journalLines(t *testing.T, path string) journalView {
	t.Helper()
	v, torn := readJournal(t, path)
	if torn {
		t.Errorf("journal %s does not end with a complete line", path)
	}
	return v
}

// target is the connection id a target line is about ("" for an event).
func (v journalView) target(l map[string]any) string {
	t, ok := l["t"].(float64)
	if !ok || int(t) < 0 || int(t) >= len(v.ids) {
		return ""
	}
	return v.ids[int(t)]
}

// count counts, per connection id, the lines that have key (intent or step).
func (v journalView) count(key string) map[string]int {
	n := map[string]int{}
	for _, l := range v.lines {
		if _, ok := l[key]; ok {
			n[v.target(l)]++
		}
	}
	return n
}

// outcomes counts the journal's outcome lines per target id.
func (v journalView) outcomes() map[string]int { return v.count("step") }

// intents counts the journal's intent lines per target id.
func (v journalView) intents() map[string]int { return v.count("intent") }

// events returns the journal's event names in order.
func (v journalView) events() []string {
	var names []string
	for _, l := range v.lines {
		if e, ok := l["event"].(string); ok {
			names = append(names, e)
		}
	}
	return names
}

// rewriteHeader changes a journal's header with change and writes it back,
// the rest of the journal as it was: a tampered or foreign journal.
func rewriteHeader(t *testing.T, from, to string, change func(h map[string]any)) {
	t.Helper()
	content, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	first, rest, _ := bytes.Cut(content, []byte("\n"))
	var h map[string]any
	if err := json.Unmarshal(first, &h); err != nil {
		t.Fatal(err)
	}
	change(h)
	line, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, append(append(line, '\n'), rest...), 0o600); err != nil {
		t.Fatal(err)
	}
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

// countOf is the Count labelled label in p (0 when absent).
func countOf(p ops.Progress, label string) int {
	for _, c := range p.Counts {
		if c.Label == label {
			return c.N
		}
	}
	return 0
}
