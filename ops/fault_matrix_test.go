package ops_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/logging"
	"github.com/coder/websocket"

	"wsops/auth"
	"wsops/client"
	"wsops/cloud"
	"wsops/config"
	"wsops/data"
	"wsops/internal/faultproxy"
	"wsops/internal/testrig"
	"wsops/ops"
)

// The fault matrix: every operation of the console, run against a sandbox
// world through two fault proxies (one before DynamoDB, one before the
// management API) built into the SDK clients exactly as the console builds
// them (cloud.New: 8 DynamoDB attempts, one management attempt). Each cell
// injects one fault at faultRate on both proxies and checks that the
// operation completes, or stops with an exact account of what was done, that
// running it again (a resume for a send) finishes the job, that no target
// got a message twice and that no record was lost or clobbered.
//
// Set WSOPS_FAULT_REPORT=FILE to have the outcome table written there as
// markdown (docs/reliability.md carries it).

// faultRate is the share of requests that meet the cell's fault.
const faultRate = 0.2

// maxRounds bounds the re-runs of one cell; reaching it fails the cell.
const maxRounds = 12

// matrixOp is one row of the matrix.
type matrixOp struct {
	name string
	// run does the operation in world m under the proxies' current fault and
	// returns the cell's outcome text; it fails t when an invariant breaks.
	// nil means the operation is not built yet.
	run func(t *testing.T, m *matrixWorld) string
}

// matrixOps are the rows. Add repair here once it exists.
var matrixOps = []matrixOp{
	{name: "list connections", run: listConnectionsCell},
	{name: "list subscriptions", run: listSubscriptionsCell},
	{name: "send to all (+ resume)", run: sendCell},
	{name: "logout a user (+ re-run)", run: logoutCell},
	{name: "prune (+ re-run)", run: pruneCell},
	{name: "repair", run: nil},
}

// matrixFaults are the columns: "none" is the baseline, "mixed" every fault
// at once (each at faultRate/4).
var matrixFaults = append(append([]faultproxy.Fault{"none"}, faultproxy.Faults...), "mixed")

func TestFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault matrix starts 40 sandboxes; -short leaves it out")
	}
	outcomes := map[string]map[faultproxy.Fault]string{}
	var mu sync.Mutex
	// The cells mostly wait out SDK and engine backoffs: they run side by
	// side, a few at a time.
	slots := make(chan struct{}, 6)
	t.Cleanup(func() {
		report := matrixReport(outcomes)
		t.Log("\n" + report)
		if path := os.Getenv("WSOPS_FAULT_REPORT"); path != "" {
			if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
				t.Error(err)
			}
		}
	})
	for _, op := range matrixOps {
		outcomes[op.name] = map[faultproxy.Fault]string{}
		for i, fault := range matrixFaults {
			t.Run(op.name+"/"+string(fault), func(t *testing.T) {
				t.Parallel()
				slots <- struct{}{}
				defer func() { <-slots }()
				if op.run == nil {
					mu.Lock()
					outcomes[op.name][fault] = "not yet built"
					mu.Unlock()
					return
				}
				m := startMatrixWorld(t, uint64(i+1))
				m.inject(t, fault)
				out := op.run(t, m)
				if fault != "none" {
					out += " · injected: " + m.injected()
				}
				if t.Failed() {
					out = "**FAILED** " + out
				}
				mu.Lock()
				outcomes[op.name][fault] = out
				mu.Unlock()
			})
		}
	}
}

// matrixReport is the outcomes as a markdown table, one row per fault.
func matrixReport(outcomes map[string]map[faultproxy.Fault]string) string {
	var b strings.Builder
	b.WriteString("| operation | fault | outcome |\n|---|---|---|\n")
	for _, op := range matrixOps {
		for _, f := range matrixFaults {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", op.name, f, outcomes[op.name][f])
		}
	}
	return b.String()
}

// matrix world sizes.
const (
	matrixClients = 24 // live clients: users u-0..u-3, six connections each
	matrixStale   = 30 // stale records (no live connection), more than a batch
)

// matrixWorld is a sandbox world with Ops whose clients go through proxies.
type matrixWorld struct {
	w       *testrig.SandboxWorld
	dynamo  *faultproxy.Proxy
	mgmt    *faultproxy.Proxy
	direct  *dynamodb.Client // straight to the sandbox's DynamoDB: the ground truth
	schema  data.Schema
	reg     *data.Registry // through the DynamoDB proxy
	o       *ops.Ops
	dir     string
	stale   []string
	proxied *cloud.Clients
}

func startMatrixWorld(t *testing.T, seed uint64) *matrixWorld {
	t.Helper()
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{Clients: matrixClients, Claims: func(n int) auth.Claims {
		return auth.Claims{User: fmt.Sprintf("u-%d", n%4), App: "drivers", EntityType: "driver"}
	}})
	m := &matrixWorld{w: w, direct: testrig.DynamoClient(w.Sandbox.Endpoints().DynamoDBURL), schema: data.WizzSchema(), dir: t.TempDir()}
	m.dynamo = faultproxy.Start(t, faultproxy.Options{Upstream: w.Sandbox.Endpoints().DynamoDBURL, Service: faultproxy.DynamoDB, Seed: seed, Latency: 20 * time.Millisecond})
	m.mgmt = faultproxy.Start(t, faultproxy.Options{Upstream: w.ManagementURL, Service: faultproxy.Management, Seed: seed + 100, Latency: 20 * time.Millisecond})
	clients, err := cloud.New(context.Background(), &config.Profile{
		Name: "matrix", Sandbox: true, Region: "us-east-1",
		ManagementURL: m.mgmt.URL + "/dev", DynamoDBURL: m.dynamo.URL,
	}, cloud.WithLogger(logging.Nop{}))
	if err != nil {
		t.Fatal(err)
	}
	m.proxied = clients
	m.reg = data.NewRegistry(clients.DynamoDB, m.schema, data.Options{CallTimeout: 10 * time.Second})
	m.o = &ops.Ops{
		Registry: m.reg, Mgmt: client.NewManagement(clients.Management).WithCallTimeout(5 * time.Second),
		Policy: ops.Policy{Profile: "matrix"}, Confirm: sendConfirm(nil),
		Audit: ops.NewAuditLog(filepath.Join(m.dir, "audit.jsonl")), Caller: "sandbox",
		// Live records are past prune's grace: the console's clock runs ahead.
		Now: func() time.Time { return time.Now().Add(10 * time.Minute) },
	}
	for n := range matrixStale {
		id := fmt.Sprintf("StaleMatrix%04d=", n)
		m.stale = append(m.stale, id)
		m.put(t, m.schema.Connections.Table.Name, m.schema.EncodeConnection(data.Connection{
			ID: id, User: "u-stale", App: "drivers", EntityType: "driver", Platform: "ios",
		}))
	}
	// Every connection, live or stale, watches one order.
	for _, id := range append(slices.Clone(w.IDs), m.stale...) {
		m.put(t, m.schema.Subscriptions.Table.Name, m.schema.EncodeSubscription(data.Subscription{
			ConnectionID: id, Key: "order#" + id, User: "u", EntityType: "driver", Active: true,
		}))
	}
	return m
}

func (m *matrixWorld) put(t *testing.T, table string, item data.Item) {
	t.Helper()
	if _, err := m.direct.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
}

// inject sets the cell's fault on both proxies.
func (m *matrixWorld) inject(t *testing.T, fault faultproxy.Fault) {
	t.Helper()
	var rates map[faultproxy.Fault]float64
	switch fault {
	case "none":
	case "mixed":
		rates = map[faultproxy.Fault]float64{}
		for _, f := range faultproxy.Faults {
			rates[f] = faultRate / 4
		}
	default:
		rates = map[faultproxy.Fault]float64{fault: faultRate}
	}
	if err := errors.Join(m.dynamo.SetRates(rates), m.mgmt.SetRates(rates)); err != nil {
		t.Fatal(err)
	}
}

func (m *matrixWorld) injected() string {
	return fmt.Sprintf("DynamoDB %s; management %s", m.dynamo.Summary(), m.mgmt.Summary())
}

// truth reads every connection record straight from DynamoDB.
func (m *matrixWorld) truth(t *testing.T) map[string]data.Connection {
	t.Helper()
	conns, err := data.Collect(context.Background(), data.NewRegistry(m.direct, m.schema, data.Options{}).Connections(context.Background(), data.Select{}))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]data.Connection{}
	for _, c := range conns {
		out[c.ID] = c
	}
	return out
}

// retried runs f until it returns no error, at most maxRounds times, and
// says how many rounds it took and the first error.
func retried(t *testing.T, what string, f func() error) (rounds int, first error) {
	t.Helper()
	for rounds = 1; rounds <= maxRounds; rounds++ {
		err := f()
		if err == nil {
			return rounds, first
		}
		if first == nil {
			first = err
		}
	}
	t.Fatalf("%s: still failing after %d rounds, first error: %v", what, maxRounds, first)
	return rounds, first
}

// ctxFor bounds one operation: a hang fails the cell instead of the suite.
func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// shortErr keeps the part of an error an operator reads first.
func shortErr(err error) string {
	s := err.Error()
	for _, marker := range []string{"ProvisionedThroughputExceeded", "ThrottlingException", "LimitExceeded", "TooManyRequests",
		"StatusCode: 500", "StatusCode: 503", "connection reset", "EOF", "unexpected EOF", "deadline exceeded", "retry quota exceeded"} {
		if strings.Contains(s, marker) {
			return marker
		}
	}
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return strings.ReplaceAll(s, "|", "/")
}

// listings is how many times a listing cell lists: the registry is one page
// (minidyn never paginates), so one listing is one or two calls.
const listings = 30

func listConnectionsCell(t *testing.T, m *matrixWorld) string {
	want := m.truth(t)
	var firstErr error
	failures := 0
	for range listings {
		var got []data.Connection
		rounds, first := retried(t, "listing connections", func() error {
			var err error
			got, err = data.Collect(ctxFor(t), m.reg.Connections(ctxFor(t), data.Select{}))
			return err
		})
		failures += rounds - 1
		if firstErr == nil {
			firstErr = first
		}
		if len(got) != len(want) {
			t.Errorf("listed %d connections, want %d", len(got), len(want))
		}
		for _, c := range got {
			if w, ok := want[c.ID]; !ok || w.User != c.User {
				t.Errorf("listed %s (%q), not in the table as such", c.ID, c.User)
			}
		}
	}
	return listingText(failures, firstErr, len(want))
}

func listingText(failures int, first error, rows int) string {
	out := fmt.Sprintf("%d/%d listings complete with all %d rows", listings, listings, rows)
	if failures > 0 {
		out += fmt.Sprintf("; %d attempt(s) ended in a clear error (%s) and the retry completed", failures, shortErr(first))
	}
	return out
}

func listSubscriptionsCell(t *testing.T, m *matrixWorld) string {
	want := len(m.w.IDs) + len(m.stale)
	var firstErr error
	failures := 0
	for range listings {
		var got []data.Subscription
		rounds, first := retried(t, "listing subscriptions", func() error {
			var err error
			got, err = data.Collect(ctxFor(t), m.reg.Subscriptions(ctxFor(t), data.Select{}))
			return err
		})
		failures += rounds - 1
		if firstErr == nil {
			firstErr = first
		}
		keys := map[string]bool{}
		for _, s := range got {
			keys[s.ConnectionID+"/"+s.Key] = true
		}
		if len(got) != want || len(keys) != want {
			t.Errorf("listed %d subscriptions (%d distinct), want %d", len(got), len(keys), want)
		}
	}
	return listingText(failures, firstErr, want)
}

// sendCell broadcasts to every record (live and stale), then resumes the
// journal until it is complete. Every live target receives the message at
// most once; those reported delivered exactly once; the account covers
// every target.
func sendCell(t *testing.T, m *matrixWorld) string {
	payload := []byte(`{"type":"matrix"}`)
	journal := filepath.Join(m.dir, "send.jsonl")
	var res ops.SendResult
	var planErr error
	// Resolving reads the registry: if it fails, nothing was sent and no
	// journal exists; the operator runs the send again.
	planRounds, _ := retried(t, "send (plan)", func() error {
		var err error
		res, err = m.o.Send(ctxFor(t), ops.SendRequest{Targets: ops.Targets{All: true}, Payload: payload, Journal: journal}, nil)
		if err != nil && res.Journal == "" {
			if _, statErr := os.Stat(journal); statErr == nil {
				t.Fatalf("a send that failed before sending left a journal: %v", err)
			}
			planErr = err
			return err
		}
		return nil
	})
	first := res
	resumes := 0
	for !res.Complete {
		resumes++
		if resumes > maxRounds {
			t.Fatalf("journal still incomplete after %d resumes: %+v", maxRounds, res)
		}
		var err error
		res, err = m.o.Resume(ctxFor(t), journal, nil)
		if err != nil && !res.Complete && res.Targets == 0 {
			t.Logf("resume %d: %v", resumes, err)
		}
	}
	m.w.Settle()
	total := len(m.w.IDs) + len(m.stale)
	if res.Targets != total || res.Delivered+res.Summary.Gone+res.Summary.Failed+res.Throttled != total || res.NotAttempted != 0 {
		t.Errorf("final account %+v does not cover the %d targets", res.Summary, total)
	}
	failed := map[string]bool{}
	for _, id := range res.Failed {
		failed[id] = true
	}
	twice, lostDelivered, unseenFailed := 0, 0, 0
	for _, id := range m.w.IDs {
		n := len(m.w.Client(id).Frames())
		switch {
		case n > 1:
			twice++
			t.Errorf("client %s received the broadcast %d times", id, n)
		case n == 0 && !failed[id]:
			lostDelivered++
			t.Errorf("client %s received nothing but is not reported failed", id)
		case n == 0:
			unseenFailed++
		}
	}
	staleFailed := 0
	for _, id := range m.stale {
		if failed[id] {
			staleFailed++
		}
	}
	if res.Summary.Gone+staleFailed != len(m.stale) {
		t.Errorf("%d gone and %d failed of the %d stale records", res.Summary.Gone, staleFailed, len(m.stale))
	}
	if got := len(m.truth(t)); got != total {
		t.Errorf("%d records after the send, want %d (nothing pruned)", got, total)
	}
	out := fmt.Sprintf("first run: %d delivered, %d gone, %d failed, %d throttled, %d not attempted", first.Delivered, first.Summary.Gone, first.Summary.Failed, first.Throttled, first.NotAttempted)
	if planRounds > 1 {
		out = fmt.Sprintf("plan failed %d× (%s), nothing sent; ", planRounds-1, shortErr(planErr)) + out
	}
	return out + fmt.Sprintf("; %d resumes → complete: %d delivered, %d gone, %d failed (listed by id, %d of them never arrived: not resent, a 5xx or reset may hide a delivery); 0 sent twice",
		resumes, res.Delivered, res.Summary.Gone, res.Summary.Failed, unseenFailed)
}

// logoutCell logs out user u-1 (six live connections) and re-runs the
// logout until the user has no record left. No other client is touched;
// every one of u-1's sockets ends closed with 1000 after its notice.
func logoutCell(t *testing.T, m *matrixWorld) string {
	var victims, others []string
	for _, id := range m.w.IDs {
		if m.w.Client(id).User == "u-1" {
			victims = append(victims, id)
		} else {
			others = append(others, id)
		}
	}
	var runs []ops.LogoutResult
	var firstErr error
	rounds := 0
	for {
		rounds++
		if rounds > maxRounds {
			t.Fatalf("u-1 still has records after %d logouts: %+v", maxRounds, runs)
		}
		res, err := m.o.Logout(ctxFor(t), ops.LogoutRequest{Targets: ops.Targets{Select: data.Select{User: "u-1"}}, Rate: 1000}, nil)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if err == nil && res.Targets == 0 {
			break
		}
		runs = append(runs, res)
		if res.Disconnected+res.Gone > res.Targets || res.Failed > 2*res.Targets {
			t.Errorf("logout %d account %+v is inconsistent", rounds, res)
		}
	}
	disconnected, notices := 0, 0
	for _, r := range runs {
		disconnected += r.Disconnected
	}
	for _, id := range victims {
		c := m.w.Client(id)
		if status := c.WaitClosed(t); status != websocket.StatusNormalClosure {
			t.Errorf("victim %s closed with %v, want 1000", id, status)
		}
		frames := c.Frames()
		notices += len(frames)
		if len(frames) == 0 {
			t.Errorf("victim %s was cut without its notice", id)
		}
	}
	if disconnected != len(victims) {
		t.Errorf("logouts reported %d disconnects, %d sockets were closed", disconnected, len(victims))
	}
	m.w.Settle()
	for _, id := range others {
		if n := len(m.w.Client(id).Frames()); n != 0 {
			t.Errorf("bystander %s received %d frames", id, n)
		}
	}
	truth := m.truth(t)
	for _, id := range others {
		if _, ok := truth[id]; !ok {
			t.Errorf("bystander %s lost its record", id)
		}
	}
	out := fmt.Sprintf("%d run(s)", len(runs))
	if len(runs) > 0 {
		r := runs[0]
		out = fmt.Sprintf("first run: %d targets, %d disconnected, %d gone, %d failed, %d records deleted", r.Targets, r.Disconnected, r.Gone, r.Failed, r.RecordsDeleted)
		if firstErr != nil {
			out += " (" + shortErr(firstErr) + ")"
		}
		out += fmt.Sprintf("; done after %d run(s): all %d sockets closed 1000 after a notice, records gone, bystanders untouched", len(runs), len(victims))
	}
	if extra := notices - len(victims); extra > 0 {
		out += fmt.Sprintf("; %d notice(s) repeated by a re-run (a notice whose cut failed is sent again)", extra)
	}
	return out
}

// pruneCell prunes every record (grace passed for all) and re-runs until the
// stale ones are gone: live records are never deleted.
func pruneCell(t *testing.T, m *matrixWorld) string {
	var runs []ops.PruneResult
	var firstErr error
	rounds := 0
	for {
		rounds++
		if rounds > maxRounds {
			t.Fatalf("stale records left after %d prunes: %+v", maxRounds, runs)
		}
		res, err := m.o.Prune(ctxFor(t), ops.PruneRequest{RPS: 1000}, nil)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		runs = append(runs, res)
		if res.Deleted > res.Gone || res.Gone > res.Checked || (err == nil) != (res.Failed == 0) {
			t.Errorf("prune %d account %+v is inconsistent with its error %v", rounds, res, err)
		}
		if m.staleLeft(t) == 0 {
			break
		}
	}
	truth := m.truth(t)
	for _, id := range m.w.IDs {
		if _, ok := truth[id]; !ok {
			t.Errorf("live connection %s lost its record", id)
		}
	}
	for _, id := range m.stale {
		if _, ok := truth[id]; ok {
			t.Errorf("stale record %s survived", id)
		}
	}
	if len(truth) != len(m.w.IDs) {
		t.Errorf("%d records left, want the %d live ones", len(truth), len(m.w.IDs))
	}
	r := runs[0]
	out := fmt.Sprintf("first run: %d checked, %d gone, %d deleted, %d failed", r.Checked, r.Gone, r.Deleted, r.Failed)
	if firstErr != nil {
		out += " (" + shortErr(firstErr) + ")"
	}
	return out + fmt.Sprintf("; clean after %d run(s): %d stale deleted, %d live kept", len(runs), len(m.stale), len(m.w.IDs))
}

// staleLeft counts the stale records still in the table.
func (m *matrixWorld) staleLeft(t *testing.T) int {
	truth, n := m.truth(t), 0
	for _, id := range m.stale {
		if _, ok := truth[id]; ok {
			n++
		}
	}
	return n
}
