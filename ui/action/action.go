// Package action is the console's one lifecycle for every operator action:
// the confirmation ops asks for (its dialog), the run with live progress,
// cancellation, and the summary — from which the run is resumed, undone, or
// the records of its gone targets pruned. Views start an action with a
// StartMsg holding the ops call; this package does the rest the same way for
// all of them, fed by the runner's one result type, ops.Report.
package action

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/ops"
	"wsops/ui/confirm"
	"wsops/ui/progress"
	"wsops/ui/send"
	"wsops/ui/view"
)

// Do is an action's call: it runs under ctx, tells progress its account as
// it goes, and returns how it ended.
type Do func(ctx context.Context, o *ops.Ops, progress func(ops.Progress)) (ops.Report, error)

// StartMsg asks for an action to run.
type StartMsg struct {
	Title string
	Do    Do
}

// SendMsg asks for the send dialog, to Targets.
type SendMsg struct{ Targets ops.Targets }

// LogoutMsg asks for a force logout of Targets: first the dialog that shows
// the notice they will receive (the profile's, editable), then the run.
type LogoutMsg struct{ Targets ops.Targets }

// DoneMsg tells every view that an action ended (Action is its report's).
type DoneMsg struct {
	Action string
	Err    error
}

// overlayIndent is the left margin of the dialogs and the progress view.
const overlayIndent = 2

// eventBuffer is how many progress events a run buffers; when the console
// falls behind, events are dropped (each carries the full totals).
const eventBuffer = 64

// Model is the action lifecycle of a console.
type Model struct {
	c         *view.Common
	confirmer *confirm.Confirmer
	dialog    confirm.Model
	sendDlg   send.Model
	runView   progress.Model
	run       int64 // the running action's id: older runs' messages are dropped
	cancel    context.CancelFunc
}

// New returns the lifecycle of a console whose sessions' Ops ask confirmer.
func New(c *view.Common, confirmer *confirm.Confirmer) *Model {
	if confirmer == nil {
		confirmer = confirm.NewConfirmer()
	}
	return &Model{c: c, confirmer: confirmer, dialog: confirm.New(c.Styles), sendDlg: send.New(c.Styles), runView: progress.New(c.Styles)}
}

// Listen waits for the confirmer's requests until ctx (the console's) ends.
func (m *Model) Listen(ctx context.Context) tea.Cmd {
	return confirm.WaitCmd(ctx, m.confirmer.Requests())
}

// SetCommon moves the lifecycle to another session.
func (m *Model) SetCommon(c *view.Common) { m.c = c }

// IsOpen reports whether a dialog or the progress view has the keys.
func (m *Model) IsOpen() bool { return m.dialog.IsOpen() || m.sendDlg.IsOpen() || m.runView.IsOpen() }

// OnlySummary reports whether the only thing shown is a finished run's summary.
func (m *Model) OnlySummary() bool {
	return m.runView.IsOpen() && !m.runView.Running() && !m.dialog.IsOpen() && !m.sendDlg.IsOpen()
}

// Running reports whether an action runs.
func (m *Model) Running() bool { return m.runView.Running() }

// SetSize sets the size the overlay is drawn in.
func (m *Model) SetSize(w, h int) {
	m.dialog.SetSize(w-overlayIndent, h)
	m.sendDlg.SetSize(w-overlayIndent, h)
	m.runView.SetSize(w-overlayIndent, h)
}

// KeyMap lists the keys of what is shown on top.
func (m *Model) KeyMap() []key.Binding {
	switch {
	case m.dialog.IsOpen():
		return m.dialog.KeyMap()
	case m.sendDlg.IsOpen():
		return m.sendDlg.KeyMap()
	}
	return m.runView.KeyMap()
}

// View renders the topmost of the confirm dialog, the send dialog and the
// progress view, indented.
func (m *Model) View() string {
	switch {
	case m.dialog.IsOpen():
		return indent(m.dialog.View())
	case m.sendDlg.IsOpen():
		return indent(m.sendDlg.View())
	}
	return indent(m.runView.View())
}

// Update handles keys while open, and the lifecycle's messages; it ignores
// the rest.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return m.key(msg)
	case confirm.RequestMsg:
		cmd := m.dialog.Open(msg.Request)
		if m.runView.Running() {
			m.runView.SetTotal(msg.Request.Plan.Radius.Total)
		}
		return tea.Batch(cmd, msg.Next())
	case SendMsg:
		if !m.ready(&msg.Targets) {
			return m.refusal(&msg.Targets)
		}
		return m.sendDlg.Open(msg.Targets, msg.Targets.String(), m.c.Profile.Messages)
	case LogoutMsg:
		if !m.ready(&msg.Targets) {
			return m.refusal(&msg.Targets)
		}
		return m.sendDlg.OpenLogout(msg.Targets, msg.Targets.String(), m.c.Profile.LogoutNotice)
	case send.SubmitMsg:
		if msg.Logout {
			req := ops.LogoutRequest{Targets: msg.Targets, Notice: msg.Payload}
			return m.start(StartMsg{Title: "force logout of " + msg.Targets.String(), Do: func(ctx context.Context, o *ops.Ops, p func(ops.Progress)) (ops.Report, error) {
				res, err := o.Logout(ctx, req, p)
				return res.Report(), err
			}})
		}
		req := ops.SendRequest{Targets: msg.Targets, Payload: msg.Payload}
		return m.start(StartMsg{Title: "send to " + msg.Targets.String(), Do: func(ctx context.Context, o *ops.Ops, p func(ops.Progress)) (ops.Report, error) {
			res, err := o.Send(ctx, req, p)
			return res.Report(), err
		}})
	case StartMsg:
		return m.start(msg)
	case progress.PruneGoneMsg:
		g := ops.GoneRecords{IDs: msg.IDs, Live: msg.Live}
		return m.start(StartMsg{Title: fmt.Sprintf("prune the records of %d gone connections", len(g.IDs)), Do: func(ctx context.Context, o *ops.Ops, p func(ops.Progress)) (ops.Report, error) {
			res, err := o.DeleteRecords(ctx, g, p)
			return res.Report(), err
		}})
	case progress.ResumeMsg:
		path := msg.Journal
		return m.start(StartMsg{Title: "resume " + path, Do: func(ctx context.Context, o *ops.Ops, p func(ops.Progress)) (ops.Report, error) {
			return o.ResumeJournal(ctx, path, p)
		}})
	case progress.UndoMsg:
		path := msg.Journal
		return m.start(StartMsg{Title: "undo " + path, Do: func(ctx context.Context, o *ops.Ops, p func(ops.Progress)) (ops.Report, error) {
			return o.UndoJournal(ctx, path, p)
		}})
	case progress.CancelMsg:
		if m.cancel != nil {
			m.cancel()
			return view.Status("cancelling: calls in flight finish and are journaled…", false)
		}
	case progressMsg:
		if msg.run == m.run && m.runView.Running() {
			m.runView.SetCounts(msg.counts)
			return wait(msg.events)
		}
	case doneMsg:
		return m.done(msg)
	}
	return nil
}

// key gives a key to the topmost of the confirm dialog, the send dialog
// and the progress view.
func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	var cmd tea.Cmd
	switch {
	case m.dialog.IsOpen():
		m.dialog, cmd = m.dialog.Update(k)
	case m.sendDlg.IsOpen():
		m.sendDlg, cmd = m.sendDlg.Update(k)
	default:
		m.runView, cmd = m.runView.Update(k)
	}
	return cmd
}

// ready reports whether an action can start on targets t (nil: none named).
func (m *Model) ready(t *ops.Targets) bool {
	return m.c.Ops != nil && !m.runView.Running() && (t == nil || t.Validate() == nil)
}

// refusal says why an action cannot start.
func (m *Model) refusal(t *ops.Targets) tea.Cmd {
	switch {
	case m.c.Ops == nil:
		return view.Status("operator actions are not available in this session", true)
	case m.runView.Running():
		return view.Status("an action is running: wait for it, or ctrl+c to cancel it", true)
	}
	return view.Status("no target: mark rows with space, or put the cursor on one", true)
}

// start runs an action: a context the progress view can cancel, a fresh
// run id, its event channel.
func (m *Model) start(s StartMsg) tea.Cmd {
	if !m.ready(nil) {
		return m.refusal(nil)
	}
	ctx, cancel := context.WithCancel(m.c.Ctx)
	m.run, m.cancel = view.Seq(), cancel
	m.runView.Start(s.Title)
	events := make(chan tea.Msg, eventBuffer)
	run, o, title := m.run, m.c.Ops, s.Title
	call := func() tea.Msg {
		defer close(events)
		report, err := s.Do(ctx, o, func(p ops.Progress) {
			select {
			case events <- progressMsg{run: run, counts: progress.Counts{Done: p.Done, Total: p.Total, Items: p.Counts}, events: events}:
			default:
			}
		})
		return doneMsg{run: run, title: title, summary: progress.Summary{Report: report, Err: err}}
	}
	return tea.Batch(view.Status("", false), call, wait(events))
}

// done shows how an action ended (a refusal in the status line) and tells
// every view.
func (m *Model) done(msg doneMsg) tea.Cmd {
	if msg.run != m.run {
		return nil
	}
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	err, name := msg.summary.Err, cmp.Or(msg.summary.Action, msg.title)
	status := view.Status(name+" finished", false)
	switch {
	case ops.Refused(err), errors.Is(err, ops.ErrNoMatch):
		m.runView.Close() // nothing was done: the status line says why
		status = view.Status(err.Error(), true)
	case err != nil:
		m.runView.Finish(msg.summary)
		status = view.Status(name+" ended with an error", true)
	default:
		m.runView.Finish(msg.summary)
	}
	return tea.Batch(status, view.Cmd(DoneMsg{Action: msg.summary.Action, Err: err}))
}

// Summary is the last run's summary, once it finished.
func (m *Model) Summary() (progress.Summary, bool) { return m.runView.Summary() }
