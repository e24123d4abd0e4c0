package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/faultproxy"
	"wsops/internal/uitest"
	"wsops/ops"
	"wsops/ui/cmdbar"
	"wsops/ui/confirm"
	"wsops/ui/feed"
	"wsops/ui/view"
)

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

// The network stalls (the DynamoDB proxy holds every request, the
// management API never answers): every key the
// operator presses is still handled and every frame drawn at once, because
// the scans, loads and probes run in commands; once the network comes back,
// their results arrive and are shown.
func TestConsoleNeverWaitsOnTheNetwork(t *testing.T) {
	var dyn *faultproxy.Proxy
	c := confirm.NewConfirmer()
	fx := uitest.New(t, c, uitest.Options{DynamoVia: func(upstream string) string {
		dyn = faultproxy.Start(t, faultproxy.Options{Upstream: upstream, Service: faultproxy.DynamoDB})
		return dyn.URL
	}, Gateway: newStalledGateway(t)})
	dyn.Hold()
	t.Cleanup(dyn.Release)

	var r *rig
	returns(t, "New and Init", func() {
		r = &rig{Driver: uitest.Drive(t, New(t.Context(), options(fx, c)), update), t: t, fx: fx, c: c}
		r.Run(r.M.Init())
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
			r.Send(msg)
			_ = r.M.View()
		})
	}
	step("a resize", tea.WindowSizeMsg{Width: 120, Height: 30})
	for _, k := range "/driver" {
		step("typing a filter", runes(string(k)))
	}
	step("submitting the filter", enter)
	step("details (a load)", view.OpenMsg{Name: "detail", Arg: "Conn00000000001="})
	step("back", esc)
	step("a refresh (a rescan)", feed.RescanMsg{})
	for _, k := range ":subs" {
		step("typing a command", runes(string(k)))
	}
	step("switching to subscriptions (a load)", enter)
	step("help", runes("?"))
	step("help off", runes("?"))
	if err := dyn.WaitHeld(held, 3); err != nil {
		t.Fatalf("the loads did not run as commands: %v", err)
	}

	// The network comes back: the held work finishes and its results arrive.
	dyn.Release()
	r.until("the scan, once the network came back", func(m Model) bool {
		return !m.feed.Header().Scanning && strings.Contains(m.View(), "connections 9")
	})
}

// stalledGateway is a management API that answers no call until its
// caller gives up or the gateway is released (then with an error, as a
// timeout would).
type stalledGateway struct{ released chan struct{} }

// newStalledGateway returns a stalled gateway released when the test ends.
func newStalledGateway(t *testing.T) stalledGateway {
	g := stalledGateway{released: make(chan struct{})}
	t.Cleanup(g.release)
	return g
}

// release ends every call held and every call to come.
func (g stalledGateway) release() {
	select {
	case <-g.released:
	default:
		close(g.released)
	}
}

func (g stalledGateway) wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-g.released:
		return errors.New("no answer (released)")
	}
}

func (g stalledGateway) Get(ctx context.Context, _ string) (ops.ConnectionInfo, error) {
	return ops.ConnectionInfo{}, g.wait(ctx)
}
func (g stalledGateway) Post(ctx context.Context, _ string, _ []byte) error { return g.wait(ctx) }
func (g stalledGateway) Delete(ctx context.Context, _ string) error         { return g.wait(ctx) }

// CloudWatch Logs stalls (every FilterLogEvents waits): the :logs tail and
// the detail's trail wait in their commands, and every key and frame is
// handled at once in every view; once the endpoint answers, their lines
// arrive.
func TestConsoleNeverWaitsOnTheLogs(t *testing.T) {
	ctl := logsControl()
	entered, release := ctl.Logs.Hold()
	t.Cleanup(release)
	r := apiRig(t, ctl, 120, 40)
	step := func(what string, msg tea.Msg) {
		t.Helper()
		returns(t, what, func() {
			r.Send(msg)
			_ = r.M.View()
		})
	}
	step(":logs (a tail)", cmdbar.SubmitMsg{Mode: cmdbar.Command, Text: "logs"})
	r.until("the tail", func(m Model) bool { return m.logsView().Tailing() })
	receive(t, entered, "the tail's call")
	step("pause", runes(" "))
	step("resume", runes(" "))
	step("a filter", cmdbar.SubmitMsg{Mode: cmdbar.Filter, Text: "status:5xx"})
	step("details (a trail)", view.OpenMsg{Name: "detail", Arg: "Conn00000000006="})
	receive(t, entered, "the trail's call")
	step("trail keys", runes("["))
	step("back to the logs", esc)
	step("help", runes("?"))
	step("help off", runes("?"))
	step("subscriptions", cmdbar.SubmitMsg{Mode: cmdbar.Command, Text: "subs"})
	step(":logs again", cmdbar.SubmitMsg{Mode: cmdbar.Command, Text: "logs"})
	r.until("the tail again", func(m Model) bool { return m.logsView().Tailing() })
	release()
	r.until("the logs, once the endpoint answers", func(m Model) bool { held, _ := m.logsView().Lines(); return held > 0 })
}
