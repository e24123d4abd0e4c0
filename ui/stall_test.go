package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/data"
	"wsops/internal/faultproxy"
	"wsops/internal/testrig"
	"wsops/mgmt"
)

// asyncRunner runs commands as bubbletea does, each in its own goroutine
// (batches expanded), and collects their messages.
type asyncRunner struct {
	msgs    chan tea.Msg
	running sync.WaitGroup
}

func newAsyncRunner() *asyncRunner { return &asyncRunner{msgs: make(chan tea.Msg, 256)} }

func (r *asyncRunner) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	r.running.Go(func() {
		msg := cmd()
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				r.run(c)
			}
			return
		}
		if msg != nil {
			r.msgs <- msg
		}
	})
}

// returns fails t if f does not return: f is an Update or View, which must
// never wait on the network. The limit is a deadline against a hang, not a
// measure of speed.
func returns(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not return while the network is stalled: the UI goroutine waits on the network", what)
	}
}

// The network stalls (both proxies hold every request): every key the
// operator presses is still handled and every frame drawn at once, because
// the scans, loads and probes run in commands; once the network comes back,
// their results arrive and are shown.
func TestConsoleNeverWaitsOnTheNetwork(t *testing.T) {
	upstream := testrig.MinidynURL(t)
	db := testrig.DynamoClient(upstream)
	schema := data.WizzSchema()
	if err := data.EnsureTables(context.Background(), db, schema); err != nil {
		t.Fatal(err)
	}
	for _, c := range fixtureConns() {
		put(t, db, schema.Connections.Table.Name, schema.EncodeConnection(c))
	}
	dyn := faultproxy.Start(t, faultproxy.Options{Upstream: upstream, Service: faultproxy.DynamoDB})
	proxy := faultproxy.Start(t, faultproxy.Options{Upstream: upstream, Service: faultproxy.Management})
	dyn.Hold()
	proxy.Hold()

	opts := fixtureOptions(t)
	opts.Session.Registry = data.NewRegistry(testrig.DynamoClient(dyn.URL), schema, data.Options{Now: func() time.Time { return fixedNow }})
	opts.Session.Mgmt = mgmt.New(apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(proxy.URL + "/dev"), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""),
	}))
	opts.Session.Ops = testOps(t, opts.Session.Registry, opts.Session.Mgmt, opts.Session.Profile.Name, opts.Confirmer)

	ctx, cancel := context.WithCancel(t.Context())
	runner := newAsyncRunner()
	// The stream of the fake page below: it yields nothing more until the end.
	fakePages := make(chan data.Page[data.Connection])
	t.Cleanup(func() {
		cancel()
		close(fakePages)
		dyn.Release()
		proxy.Release()
		runner.running.Wait()
	})
	var m Model
	returns(t, "New and Init", func() {
		m = New(ctx, opts)
		runner.run(m.Init())
	})
	held, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	if err := dyn.WaitHeld(held, 1); err != nil {
		t.Fatalf("the first scan never reached the network: %v", err)
	}

	// The operator works on while the scan hangs.
	step := func(what string, msg tea.Msg) {
		t.Helper()
		returns(t, what, func() {
			next, cmd := m.Update(msg)
			m = next.(Model)
			runner.run(cmd)
			_ = m.View()
		})
	}
	step("a resize", tea.WindowSizeMsg{Width: 120, Height: 30})
	// Rows from an earlier scan, so that there is something to act on.
	step("a scan page", scanPageMsg{scan: m.refresh.scan, page: data.Page[data.Connection]{Items: decodedFixture(schema)}, pages: fakePages})
	for _, r := range "/driver" {
		step("typing a filter", tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	step("submitting the filter (a rescan)", tea.KeyMsg{Type: tea.KeyEnter})
	step("details (a load)", tea.KeyMsg{Type: tea.KeyEnter})
	step("back", tea.KeyMsg{Type: tea.KeyEsc})
	step("a refresh tick", tickMsg{scan: m.refresh.scan})
	for _, r := range ":subs" {
		step("typing a command", tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	step("switching to subscriptions (a load)", tea.KeyMsg{Type: tea.KeyEnter})
	step("help", tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("?")})
	step("help off", tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("?")})
	if err := dyn.WaitHeld(held, 2); err != nil {
		t.Fatalf("the loads did not run as commands: %v", err)
	}

	// The network comes back: the held work finishes and its results arrive.
	dyn.Release()
	proxy.Release()
	deadline := time.After(30 * time.Second)
	for scanned := false; !scanned; {
		select {
		case msg := <-runner.msgs:
			if done, ok := msg.(scanDoneMsg); ok && done.scan == m.refresh.scan && done.Err == nil {
				scanned = true
			}
			step("a result", msg)
		case <-deadline:
			t.Fatalf("the scan never finished once the network came back:\n%s", m.View())
		}
	}
	if m.refresh.scanning || !strings.Contains(m.View(), "connections 9") {
		t.Errorf("after the scan:\n%s", m.View())
	}
}

// decodedFixture is the fixture fleet decoded as a scan would deliver it.
func decodedFixture(s data.Schema) []data.Connection {
	var out []data.Connection
	for _, c := range fixtureConns() {
		out = append(out, s.DecodeConnection(s.EncodeConnection(c), fixedNow))
	}
	return out
}
