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

	"wsops/auth"
	"wsops/cloud"
	"wsops/config"
	"wsops/data"
	"wsops/internal/faultproxy"
	"wsops/internal/testrig"
	"wsops/mgmt"
	"wsops/ops"
	"wsops/ops/auditlog"
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

// matrixOps are the rows.
var matrixOps = []matrixOp{
	{name: "list connections", run: listConnectionsCell},
	{name: "list subscriptions", run: listSubscriptionsCell},
	{name: "send to all (+ resume)", run: sendCell},
	{name: "logout a user (+ resume)", run: logoutCell},
	{name: "prune (+ resume, re-run)", run: pruneCell},
	{name: "repair (+ resume, undo)", run: repairCell},
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
	})
	if err != nil {
		t.Fatal(err)
	}
	m.proxied = clients
	m.reg = data.NewRegistry(clients.DynamoDB, m.schema, data.Options{CallTimeout: 10 * time.Second})
	m.o, err = ops.New(ops.Deps{
		Registry: m.reg, Gateway: mgmt.New(clients.Management).WithCallTimeout(5 * time.Second),
		Confirm: sendConfirm(nil), Audit: auditlog.New(filepath.Join(m.dir, "audit.jsonl")),
		Caller: func(context.Context) (string, error) { return "sandbox", nil },
		Policy: ops.Policy{Profile: "matrix"},
		Place: ops.Place{Management: m.mgmt.URL + "/dev", Registry: m.dynamo.URL,
			Tables: []string{m.schema.Connections.Table.Name, m.schema.Subscriptions.Table.Name}},
		// Live records are past prune's grace: the console's clock runs ahead.
		Now: func() time.Time { return time.Now().Add(10 * time.Minute) },
	})
	if err != nil {
		t.Fatal(err)
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
