package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/uitest"
	"wsops/ops"
)

// openSendDialog marks the first two rows and presses x.
func openSendDialog(t *testing.T, opt uitest.Options) *rig {
	t.Helper()
	r := newRig(t, opt)
	r.Keys(" j ")
	r.Send(runes("x"))
	r.until("the send dialog", func(m Model) bool { return strings.Contains(m.View(), "Send to 2 connection ids") })
	return r
}

func TestSendKeyOpensTheDialogWithTheMarkedTargets(t *testing.T) {
	r := openSendDialog(t, uitest.Options{})
	if v := r.M.View(); !strings.Contains(v, "ping") || !strings.Contains(v, "maintenance") {
		t.Errorf("the dialog does not show the saved messages:\n%s", v)
	}
	// The marked rows (two drivers) are the targets: the confirmation's
	// radius counts them.
	r.Send(ctrlS)
	r.until("the confirmation", func(m Model) bool {
		v := m.View()
		return strings.Contains(v, "targets   2 connection ids") && strings.Contains(v, "2  drivers × driver")
	})
	r.Send(esc) // declined: the refusal is audited before the test's directories go
	r.until("the refusal", func(m Model) bool { return strings.Contains(m.status, "not confirmed") })
}

func TestSendWithoutMarksTargetsTheCursorRowAndAllTheFilter(t *testing.T) {
	r := newRig(t, uitest.Options{})
	r.Keys("j")
	id, _ := r.M.conns().Selected()
	r.Send(runes("x"))
	r.until("the dialog for the cursor row", func(m Model) bool { return strings.Contains(m.View(), "Send to connection "+id) })
	r.Send(esc)
	r.filter("app:drivers")
	r.command(":send all")
	r.until("the dialog for the filter", func(m Model) bool { return strings.Contains(m.View(), "Send to app drivers") })
	r.Send(esc)
	r.filter("")
	r.command(":send all")
	r.until("the dialog for everyone", func(m Model) bool { return strings.Contains(m.View(), "Send to all connections") })
}

func TestInvalidJSONCannotBeSubmitted(t *testing.T) {
	r := openSendDialog(t, uitest.Options{})
	r.Send(tab) // from the saved messages to the editor, holding {"type":"ping"}
	r.Keys("}")
	if !strings.Contains(r.M.View(), "not valid JSON") {
		t.Fatalf("the payload is accepted:\n%s", r.M.View())
	}
	r.Send(ctrlS)
	if !strings.Contains(r.M.View(), "Send to 2 connection ids") || r.M.actions.Running() {
		t.Fatalf("invalid JSON was submitted:\n%s", r.M.View())
	}
	r.Send(tea.KeyMsg{Type: tea.KeyBackspace})
	r.Send(ctrlS)
	r.until("the confirmation of the valid payload", func(m Model) bool { return strings.Contains(m.View(), "Confirm send") })
	r.Send(esc) // declined: the refusal is audited before the test's directories go
	r.until("the refusal", func(m Model) bool { return strings.Contains(m.status, "not confirmed") })
}

func TestOversizedPayloadCannotBeSubmitted(t *testing.T) {
	r := openSendDialog(t, uitest.Options{})
	r.Send(tab)
	big := fmt.Sprintf(`{"pad":"%s"}`, strings.Repeat("x", 130*1024))
	r.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(big), Paste: true})
	if !strings.Contains(r.M.View(), "too large") {
		t.Fatalf("a %d-byte payload is accepted", len(big))
	}
	r.Send(ctrlS)
	if r.M.actions.Running() {
		t.Fatal("an oversized payload was submitted")
	}
}

// A send whose posts hang runs until cancelled: q does not quit it, ctrl+c
// cancels the run (not the console), the posts in flight finish, and the
// run's summary then quits.
func TestCtrlCCancelsARunAndQuitWaitsForTheSummary(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	gw := newStalledGateway(t)
	r := openSendDialog(t, uitest.Options{Gateway: gw})
	r.Send(ctrlS)
	r.until("the confirmation", func(m Model) bool { return strings.Contains(m.View(), "Type yes") })
	r.Keys("yes")
	r.Send(enter)
	r.until("the running send", func(m Model) bool { return m.actions.Running() && strings.Contains(m.View(), "ctrl+c cancels") })
	if _, cmd := r.M.Update(runes("q")); cmd != nil {
		if _, quits := cmd().(tea.QuitMsg); quits {
			t.Fatal("q quit while an action runs")
		}
	}
	r.Send(ctrlC)
	r.until("the cancelling status", func(m Model) bool { return strings.Contains(m.status, "cancelling") })
	gw.release() // the posts in flight end (as a timeout would), and are journaled
	r.until("the cancelled run's summary", func(m Model) bool { return m.actions.OnlySummary() })
	sum, _ := r.M.actions.Summary()
	if sum.Journal == "" || !sum.Resumable || !strings.Contains(r.M.View(), "r resume") {
		t.Errorf("the cancelled send's summary %+v offers no resume:\n%s", sum, r.M.View())
	}
	_, cmd := r.M.Update(runes("q"))
	if cmd == nil {
		t.Fatal("q on the summary returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q on the summary does not quit")
	}
}

func TestReadOnlyRefusalShowsInTheStatusLine(t *testing.T) {
	r := openSendDialog(t, uitest.Options{Deps: func(d *ops.Deps) { d.Policy.ReadOnly = true }})
	r.Send(ctrlS)
	r.until("the refusal", func(m Model) bool { return m.statusErr && strings.Contains(m.status, "read-only") })
	if r.M.actions.IsOpen() {
		t.Fatalf("the overlay stays open after a refusal:\n%s", r.M.View())
	}
	entries, _, err := r.fx.Audit.Tail(0)
	if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Error, "read-only") {
		t.Errorf("audit %+v, %v", entries, err)
	}
}

// A send to a selection that matches nobody says so in the status line: no
// confirmation, no summary.
func TestSendToAnEmptySelectionSaysSo(t *testing.T) {
	r := newRig(t, uitest.Options{})
	r.filter("user:nobody")
	r.command(":send all")
	r.until("the send dialog", func(m Model) bool { return strings.Contains(m.View(), "Send to user nobody") })
	r.Send(ctrlS)
	r.until("the status", func(m Model) bool {
		return m.statusErr && strings.Contains(m.status, "no connection matches user nobody")
	})
	if r.M.actions.IsOpen() {
		t.Errorf("an overlay stays open:\n%s", r.M.View())
	}
}
