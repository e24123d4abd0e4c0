package action

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/uitest"
	"wsops/ops"
	"wsops/ui/confirm"
	"wsops/ui/view"
)

// harness drives the lifecycle as the root does, keeping every message.
type harness struct {
	m    *Model
	seen []tea.Msg
}

func drive(t *testing.T) *uitest.Driver[*harness] {
	cf := confirm.NewConfirmer()
	c := uitest.New(t, cf, uitest.Options{}).Common(t)
	m := New(c, cf)
	m.SetSize(100, 30)
	return uitest.Drive(t, &harness{m: m}, func(h *harness, msg tea.Msg) (*harness, tea.Cmd) {
		h.seen = append(h.seen, msg)
		return h, h.m.Update(msg)
	})
}

// done is the DoneMsg the lifecycle broadcast, if any.
func (h *harness) done() (DoneMsg, bool) {
	for _, msg := range h.seen {
		if d, ok := msg.(DoneMsg); ok {
			return d, true
		}
	}
	return DoneMsg{}, false
}

func (h *harness) status(err bool, text string) bool {
	return slices.ContainsFunc(h.seen, func(msg tea.Msg) bool {
		st, ok := msg.(view.StatusMsg)
		return ok && st.Err == err && strings.Contains(st.Text, text)
	})
}

func ended(h *harness) bool { _, ok := h.done(); return ok }

// shown is the overlay, for failures.
func shown(h *harness) string { return h.m.View() }

func TestStartRunsAndShowsTheSummary(t *testing.T) {
	d := drive(t)
	var got *ops.Ops
	d.Send(StartMsg{Title: "test run", Do: func(_ context.Context, o *ops.Ops, p func(ops.Progress)) (ops.Report, error) {
		got = o
		p(ops.Progress{Done: 1, Total: 2})
		return ops.Report{Action: "send", Counts: []ops.Count{{Label: "delivered", N: 2}}}, nil
	}})
	if !d.M.m.Running() || !strings.Contains(d.M.m.View(), "test run") {
		t.Errorf("the run is not shown as running:\n%s", d.M.m.View())
	}
	d.Until("the run's end and its status", func(h *harness) bool { return ended(h) && h.status(false, "send finished") }, shown)
	h := d.M
	if dm, _ := h.done(); dm.Action != "send" || dm.Err != nil {
		t.Errorf("broadcast %#v, want the send's end with no error", dm)
	}
	if got == nil || got != h.m.c.Ops {
		t.Error("Do did not get the session's Ops")
	}
	if !h.m.IsOpen() || !h.m.OnlySummary() || h.m.Running() {
		t.Errorf("after the run: open %v, only the summary %v, running %v", h.m.IsOpen(), h.m.OnlySummary(), h.m.Running())
	}
	if v := h.m.View(); !strings.Contains(v, "delivered 2") {
		t.Errorf("the summary lacks the counts:\n%s", v)
	}
}

func TestRefusalClosesTheOverlay(t *testing.T) {
	d := drive(t)
	d.Send(StartMsg{Title: "refused run", Do: func(context.Context, *ops.Ops, func(ops.Progress)) (ops.Report, error) {
		return ops.Report{Action: "logout"}, fmt.Errorf("logout: %w", ops.ErrNotConfirmed)
	}})
	d.Until("the run's end and its status", func(h *harness) bool { return ended(h) && h.status(true, "refused: not confirmed") }, shown)
	h := d.M
	if h.m.IsOpen() {
		t.Errorf("the overlay is still open after a refusal:\n%s", h.m.View())
	}
	if dm, _ := h.done(); !errors.Is(dm.Err, ops.ErrNotConfirmed) {
		t.Errorf("broadcast %#v, want the refusal", dm)
	}
}

func TestSecondStartWhileOneRuns(t *testing.T) {
	d := drive(t)
	release := make(chan struct{})
	d.Send(StartMsg{Title: "first", Do: func(ctx context.Context, _ *ops.Ops, _ func(ops.Progress)) (ops.Report, error) {
		<-release
		return ops.Report{Action: "send"}, nil
	}})
	var ran atomic.Bool
	d.Send(StartMsg{Title: "second", Do: func(context.Context, *ops.Ops, func(ops.Progress)) (ops.Report, error) {
		ran.Store(true)
		return ops.Report{}, nil
	}})
	d.Until("the second action's refusal", func(h *harness) bool { return h.status(true, "an action is running") }, shown)
	if v := d.M.m.View(); !strings.Contains(v, "first") || strings.Contains(v, "second") {
		t.Errorf("the overlay does not show the first run only:\n%s", v)
	}
	close(release)
	d.Until("the first run's end", ended, shown)
	if ran.Load() {
		t.Error("the second action ran")
	}
}

func TestSendNeedsTargets(t *testing.T) {
	d := drive(t)
	d.Send(SendMsg{})
	d.Until("the refusal of a send to nobody", func(h *harness) bool { return h.status(true, "no target") }, shown)
	if d.M.m.IsOpen() {
		t.Errorf("a send to nobody opened:\n%s", d.M.m.View())
	}
	d.Send(SendMsg{Targets: ops.Targets{Conns: []string{"Conn00000000001="}}})
	if !d.M.m.IsOpen() || d.M.m.OnlySummary() {
		t.Error("a send to a connection did not open the send dialog")
	}
}
