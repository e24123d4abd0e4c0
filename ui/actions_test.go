package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/uitest"
	"wsops/ops"
	"wsops/ui/confirm"
)

// openSendDialog marks the first two rows and presses x.
func openSendDialog(t *testing.T, opt uitest.Options) *rig {
	t.Helper()
	r := newRig(t, opt)
	r.Keys("  ")
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

// confirmRequest is a request as the confirmer sends it, and its answer channel.
func confirmRequest(pol ops.Policy) (confirm.RequestMsg, chan error) {
	answer := make(chan error, 1)
	targets := []ops.Target{{ID: "a", App: "drivers", EntityType: "driver"}, {ID: "b", App: "customers", EntityType: "customer"}}
	return confirm.RequestMsg{Request: confirm.Request{
		Plan:   ops.Plan{Action: "send", Filter: "2 connection ids", Radius: ops.RadiusOf(targets), PayloadSize: 15},
		Policy: pol, Answer: answer,
	}}, answer
}

// answered returns the answer on ch, failing when there is none yet.
func answered(t *testing.T, ch chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	default:
		t.Fatal("no answer on the request's channel")
		return nil
	}
}

func TestConfirmDialogYesGoesAheadEscDeclines(t *testing.T) {
	r := newRig(t, uitest.Options{})
	req, answer := confirmRequest(ops.Policy{Profile: "sandbox"})
	r.Send(req)
	if v := r.M.View(); !strings.Contains(v, "Confirm send") || !strings.Contains(v, "drivers × driver") {
		t.Fatalf("the dialog does not show the plan:\n%s", v)
	}
	r.Keys("no")
	r.Send(enter)
	if !r.M.actions.IsOpen() || len(answer) != 0 {
		t.Fatal("a wrong answer closed the dialog")
	}
	r.Send(tea.KeyMsg{Type: tea.KeyBackspace})
	r.Send(tea.KeyMsg{Type: tea.KeyBackspace})
	r.Keys("yes")
	r.Send(enter)
	if err := answered(t, answer); err != nil || r.M.actions.IsOpen() {
		t.Fatalf("yes answered %v, dialog open %v", err, r.M.actions.IsOpen())
	}

	req, answer = confirmRequest(ops.Policy{Profile: "sandbox"})
	r.Send(req)
	r.Send(esc)
	if err := answered(t, answer); !errors.Is(err, ops.ErrNotConfirmed) || r.M.actions.IsOpen() {
		t.Fatalf("esc answered %v", err)
	}
}

func TestProductionConfirmNeedsTheProfileName(t *testing.T) {
	r := newRig(t, uitest.Options{})
	req, answer := confirmRequest(ops.Policy{Profile: "prod-eu", Production: true})
	r.Send(req)
	if v := r.M.View(); !strings.Contains(v, "PRODUCTION") {
		t.Fatalf("no production marker:\n%s", v)
	}
	r.Keys("yes")
	r.Send(enter)
	if !r.M.actions.IsOpen() || len(answer) != 0 {
		t.Fatal("yes confirmed a production action")
	}
	for range 3 {
		r.Send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	r.Keys("prod-eu")
	r.Send(enter)
	if err := answered(t, answer); err != nil {
		t.Fatalf("the profile name answered %v", err)
	}
	req, answer = confirmRequest(ops.Policy{Profile: "prod-eu", Production: true})
	r.Send(req)
	r.Send(esc)
	if err := answered(t, answer); !errors.Is(err, ops.ErrProductionGuard) {
		t.Fatalf("esc on production answered %v", err)
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
