package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/data"
	"wsops/ops"
	"wsops/ui/cmdbar"
	"wsops/ui/confirm"
	"wsops/ui/conns"
	"wsops/ui/progress"
	"wsops/ui/send"
)

var (
	esc   = tea.KeyMsg{Type: tea.KeyEsc}
	ctrlS = tea.KeyMsg{Type: tea.KeyCtrlS}
	ctrlC = tea.KeyMsg{Type: tea.KeyCtrlC}
	tab   = tea.KeyMsg{Type: tea.KeyTab}
)

// press sends k and returns the model and the message its command yields
// (nil without a command). Only for keys whose command is a single message.
func press(t *testing.T, m Model, k tea.Msg) (Model, tea.Msg) {
	t.Helper()
	next, cmd := m.Update(k)
	if cmd == nil {
		return next.(Model), nil
	}
	return next.(Model), cmd()
}

// batch runs cmd and returns the commands of the batch it yields.
func batch(t *testing.T, cmd tea.Cmd) []tea.Cmd {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command")
	}
	b, ok := cmd().(tea.BatchMsg)
	if !ok {
		t.Fatal("the command is not a batch")
	}
	return b
}

// openSendDialog marks the first two rows and presses x.
func openSendDialog(t *testing.T) (Model, []string) {
	t.Helper()
	m := keys(t, model(t), "  ")
	marked := m.conns.Marked()
	m, msg := press(t, m, runes("x"))
	if _, ok := msg.(conns.SendMsg); !ok {
		t.Fatalf("x yields %T, want conns.SendMsg", msg)
	}
	return update(t, m, msg), marked
}

func TestSendKeyOpensTheDialogWithTheMarkedTargets(t *testing.T) {
	m, marked := openSendDialog(t)
	if len(marked) != 2 {
		t.Fatalf("marked %v, want 2 rows", marked)
	}
	if !m.sendDlg.IsOpen() || !slices.Equal(m.sendDlg.Targets().Conns, marked) {
		t.Fatalf("send dialog open %v with targets %+v, want %v", m.sendDlg.IsOpen(), m.sendDlg.Targets(), marked)
	}
	if v := m.View(); !strings.Contains(v, "Send to 2 connection ids") || !strings.Contains(v, "ping") {
		t.Errorf("the dialog does not show its targets and the saved messages:\n%s", v)
	}
}

func TestSendWithoutMarksTargetsTheCursorRowAndAllTheFilter(t *testing.T) {
	m := keys(t, model(t), "j")
	id, _ := m.conns.Selected()
	m, msg := press(t, m, runes("x"))
	m = update(t, m, msg)
	if got := m.sendDlg.Targets().Conns; !slices.Equal(got, []string{id}) {
		t.Errorf("targets %v, want the cursor row %s", got, id)
	}
	m = update(t, m, esc)
	m.pushed = data.Select{App: "drivers"}
	m = update(t, m, runCommand(":send all"))
	if got := m.sendDlg.Targets(); got.Select.App != "drivers" || got.All || len(got.Conns) > 0 {
		t.Errorf(":send all with a filter targets %+v, want app drivers", got)
	}
	m = update(t, m, esc)
	m.pushed = data.Select{}
	m = update(t, m, runCommand(":send all"))
	if got := m.sendDlg.Targets(); !got.All {
		t.Errorf(":send all without a filter targets %+v, want all", got)
	}
}

// runCommand is the submitted `:` command text (without the colon).
func runCommand(text string) tea.Msg {
	return cmdbar.SubmitMsg{Mode: cmdbar.Command, Text: strings.TrimPrefix(text, ":")}
}

func TestInvalidJSONCannotBeSubmitted(t *testing.T) {
	m, _ := openSendDialog(t)
	m = update(t, m, tab) // from the saved messages to the editor, holding {"type":"ping"}
	m = keys(t, m, "}")
	if m.sendDlg.Valid() == "" || !strings.Contains(m.View(), "not valid JSON") {
		t.Fatalf("payload %q is accepted", m.sendDlg.Payload())
	}
	m, msg := press(t, m, ctrlS)
	if msg != nil || !m.sendDlg.IsOpen() {
		t.Fatalf("invalid JSON was submitted: %v", msg)
	}
	m = update(t, m, tea.KeyMsg{Type: tea.KeyBackspace})
	m, msg = press(t, m, ctrlS)
	sub, ok := msg.(send.SubmitMsg)
	if !ok || string(sub.Payload) != `{"type":"ping"}` || len(sub.Targets.Conns) != 2 {
		t.Fatalf("valid JSON submits %#v", msg)
	}
	if m.sendDlg.IsOpen() {
		t.Error("the dialog stays open after submitting")
	}
}

func TestOversizedPayloadCannotBeSubmitted(t *testing.T) {
	m, _ := openSendDialog(t)
	m = update(t, m, tab)
	big := fmt.Sprintf(`{"pad":"%s"}`, strings.Repeat("x", 130*1024))
	m = update(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(big), Paste: true})
	if why := m.sendDlg.Valid(); !strings.Contains(why, "too large") {
		t.Fatalf("a %d-byte payload: %q", len(m.sendDlg.Payload()), why)
	}
	if _, msg := press(t, m, ctrlS); msg != nil {
		t.Fatalf("oversized payload submitted")
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
	m := model(t)
	req, answer := confirmRequest(ops.Policy{Profile: "sandbox"})
	m = update(t, m, req)
	if v := m.View(); !m.dialog.IsOpen() || !strings.Contains(v, "Confirm send") || !strings.Contains(v, "drivers × driver") {
		t.Fatalf("the dialog does not show the plan:\n%s", v)
	}
	m = update(t, keys(t, m, "no"), enter)
	if !m.dialog.IsOpen() || len(answer) != 0 {
		t.Fatal("a wrong answer closed the dialog")
	}
	m = update(t, m, tea.KeyMsg{Type: tea.KeyBackspace})
	m = update(t, m, tea.KeyMsg{Type: tea.KeyBackspace})
	m = update(t, keys(t, m, "yes"), enter)
	if err := answered(t, answer); err != nil || m.dialog.IsOpen() {
		t.Fatalf("yes answered %v, dialog open %v", err, m.dialog.IsOpen())
	}

	req, answer = confirmRequest(ops.Policy{Profile: "sandbox"})
	m = update(t, update(t, m, req), esc)
	if err := answered(t, answer); !errors.Is(err, ops.ErrNotConfirmed) || m.dialog.IsOpen() {
		t.Fatalf("esc answered %v", err)
	}
}

func TestProductionConfirmNeedsTheProfileName(t *testing.T) {
	m := model(t)
	req, answer := confirmRequest(ops.Policy{Profile: "prod-eu", Production: true})
	m = update(t, m, req)
	if v := m.View(); !strings.Contains(v, "PRODUCTION") {
		t.Fatalf("no production marker:\n%s", v)
	}
	m = update(t, keys(t, m, "yes"), enter)
	if !m.dialog.IsOpen() || len(answer) != 0 {
		t.Fatal("yes confirmed a production action")
	}
	for range 3 {
		m = update(t, m, tea.KeyMsg{Type: tea.KeyBackspace})
	}
	m = update(t, keys(t, m, "prod-eu"), enter)
	if err := answered(t, answer); err != nil {
		t.Fatalf("the profile name answered %v", err)
	}
	req, answer = confirmRequest(ops.Policy{Profile: "prod-eu", Production: true})
	update(t, update(t, m, req), esc)
	if err := answered(t, answer); !errors.Is(err, ops.ErrProductionGuard) {
		t.Fatalf("esc on production answered %v", err)
	}
}

// startedSend is the model with a send submitted (its commands not run).
func startedSend(t *testing.T, mod ...func(*ops.Deps)) (Model, tea.Cmd) {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	m := model(t)
	if len(mod) > 0 {
		m.sess.Ops = testOps(t, m.sess.Registry, m.sess.Mgmt, m.sess.Profile.Name, m.confirmer, mod...)
	}
	next, cmd := m.Update(send.SubmitMsg{Targets: ops.Targets{Conns: []string{"Conn00000000001="}}, Payload: []byte(`{}`)})
	m = next.(Model)
	if !m.runView.Running() {
		t.Fatal("no run started")
	}
	return m, cmd
}

func TestProgressMessageUpdatesCounts(t *testing.T) {
	m, _ := startedSend(t)
	m = update(t, m, actionProgressMsg{run: m.action.run, counts: progress.Counts{Done: 3, Total: 4,
		Items: []progress.Count{{Label: "delivered", N: 2}, {Label: "gone", N: 1}}}})
	if c := m.runView.Counts(); c.Done != 3 || c.Total != 4 {
		t.Errorf("counts %+v", c)
	}
	if v := m.View(); !strings.Contains(v, "3 / 4") || !strings.Contains(v, "delivered 2") {
		t.Errorf("the progress view lacks the counts:\n%s", v)
	}
	m = update(t, m, actionProgressMsg{run: m.action.run - 1, counts: progress.Counts{Done: 9}})
	if m.runView.Counts().Done != 3 {
		t.Error("an old run's progress was applied")
	}
}

func TestCtrlCDuringARunCancelsItNotTheConsole(t *testing.T) {
	m, _ := startedSend(t)
	m, msg := press(t, m, ctrlC)
	if _, ok := msg.(progress.CancelMsg); !ok {
		t.Fatalf("ctrl+c yields %T, want progress.CancelMsg", msg)
	}
	m = update(t, m, msg)
	if !strings.Contains(m.status, "cancelling") {
		t.Errorf("status %q", m.status)
	}
}

func TestResultMessageShowsTheSummaryAndRescans(t *testing.T) {
	m, _ := startedSend(t)
	scan := m.refresh.scan
	m = update(t, m, actionDoneMsg{run: m.action.run, title: "send", summary: progress.Summary{
		Items: []progress.Count{{Label: "delivered", N: 1}, {Label: "gone", N: 1}},
		Gone:  []string{"gone-1\x1b[2J"}, Journal: "/state/send.jsonl", Resumable: true,
	}})
	v := m.View()
	for _, want := range []string{"delivered 1", `gone-1\x1b[2J`, "/state/send.jsonl", "p prune the gone", "r resume"} {
		if !strings.Contains(v, want) {
			t.Errorf("the summary lacks %q:\n%s", want, v)
		}
	}
	if m.refresh.scan != scan+1 {
		t.Error("no rescan after the action")
	}
	if _, msg := press(t, m, runes("p")); !slices.Equal(msg.(progress.PruneGoneMsg).IDs, []string{"gone-1\x1b[2J"}) {
		t.Errorf("p yields %#v", msg)
	}
	if _, msg := press(t, m, runes("r")); msg.(progress.ResumeMsg).Journal != "/state/send.jsonl" {
		t.Errorf("r yields %#v", msg)
	}
	if m, _ = press(t, m, esc); m.overlay() {
		t.Error("esc did not close the summary")
	}
}

func TestReadOnlyRefusalShowsInTheStatusLine(t *testing.T) {
	m, cmd := startedSend(t, func(d *ops.Deps) { d.Policy.ReadOnly = true })
	cmds := batch(t, cmd)
	m = update(t, m, cmds[0]()) // the send: refused before any call
	if m.overlay() || !strings.Contains(m.status, "read-only") || !m.statusErr {
		t.Fatalf("status %q, overlay %v", m.status, m.overlay())
	}
	entries, _, err := auditOf(t, m.sess.Ops).Tail(0)
	if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Error, "read-only") {
		t.Errorf("audit %+v, %v", entries, err)
	}
}

func TestActionsWithoutOpsSayWhy(t *testing.T) {
	m := model(t)
	m.sess.Ops = nil
	for _, c := range []string{":send", ":logout", ":prune"} {
		m = update(t, m, runCommand(c))
		if m.overlay() || !strings.Contains(m.status, "not available") {
			t.Errorf("%s: status %q, overlay %v", c, m.status, m.overlay())
		}
	}
}
