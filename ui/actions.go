package ui

import (
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/ops"
	"wsops/ui/confirm"
	"wsops/ui/conns"
	"wsops/ui/progress"
	"wsops/ui/send"
	"wsops/ui/styles"
)

// actionUI is the console's part in operator actions: the confirmer ops
// asks, its dialog, the send dialog, the view of the running action and its
// summary, and the running action.
type actionUI struct {
	confirmer *confirm.Confirmer
	dialog    confirm.Model
	sendDlg   send.Model
	runView   progress.Model
	action    actionState
}

func newActionUI(st styles.Styles, c *confirm.Confirmer) actionUI {
	if c == nil {
		c = confirm.NewConfirmer()
	}
	return actionUI{confirmer: c, dialog: confirm.New(st), sendDlg: send.New(st), runView: progress.New(st)}
}

// actionState is the operator action in progress, if any: its id (messages
// of older runs are dropped) and how to cancel it.
type actionState struct {
	run    int
	cancel context.CancelFunc
}

// overlay reports whether a dialog or the action view has the keys.
func (m Model) overlay() bool {
	return m.dialog.IsOpen() || m.sendDlg.IsOpen() || m.runView.IsOpen()
}

// onlySummary reports whether the only overlay is a finished action's summary.
func (m Model) onlySummary() bool {
	return m.runView.IsOpen() && !m.runView.Running() && !m.dialog.IsOpen() && !m.sendDlg.IsOpen()
}

// overlayKey gives a key to the topmost of the confirm dialog, the send
// dialog and the action view.
func (m Model) overlayKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch {
	case m.dialog.IsOpen():
		m.dialog, cmd = m.dialog.Update(k)
	case m.sendDlg.IsOpen():
		m.sendDlg, cmd = m.sendDlg.Update(k)
	default:
		m.runView, cmd = m.runView.Update(k)
	}
	m.layout()
	return m, cmd
}

// handleAction handles the messages of the operator actions.
func (m Model) handleAction(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case confirm.RequestMsg:
		cmd := m.dialog.Open(msg.Request)
		if m.runView.Running() {
			m.runView.SetTotal(msg.Request.Plan.Radius.Total)
		}
		m.layout()
		return m, tea.Batch(cmd, msg.Next())
	case conns.SendMsg:
		return m.openSend(ops.Targets{Conns: msg.IDs})
	case conns.LogoutMsg:
		return m.startLogout(msg.IDs)
	case send.SubmitMsg:
		return m.startSend(msg)
	case progress.PruneGoneMsg:
		return m.startDeleteRecords(ops.GoneRecords{IDs: msg.IDs, Live: msg.Live})
	case progress.ResumeMsg:
		return m.startResume(msg)
	case progress.UndoMsg:
		return m.startUndo(msg)
	case progress.CancelMsg:
		if m.action.cancel != nil {
			m.action.cancel()
			m.setStatus("cancelling: calls in flight finish and are journaled…", false)
		}
		return m, nil
	case actionProgressMsg:
		if msg.run != m.action.run || !m.runView.Running() {
			return m, nil
		}
		m.runView.SetCounts(msg.counts)
		return m, waitAction(msg.events)
	case actionDoneMsg:
		return m.actionDone(msg)
	}
	return m, nil
}

// actionCommand runs :send [all], :logout and :prune.
func (m Model) actionCommand(name, arg string) (tea.Model, tea.Cmd) {
	if name == "send" && arg == "all" {
		t := ops.Targets{Select: m.pushed}
		if t.Validate() != nil {
			t = ops.Targets{All: true}
		}
		return m.openSend(t)
	}
	if arg != "" {
		m.setStatus(fmt.Sprintf(":%s takes no argument (:send all sends to the filter's selection)", name), true)
		return m, nil
	}
	switch name {
	case "prune":
		return m.startPrune()
	case "send":
		return m.openSend(ops.Targets{Conns: m.conns.Targets()})
	}
	return m.startLogout(m.conns.Targets())
}

// ready reports whether an action can start, saying why not in the status line.
func (m *Model) ready(t *ops.Targets) bool {
	switch {
	case m.sess.Ops == nil:
		m.setStatus("operator actions are not available in this session", true)
	case m.runView.Running():
		m.setStatus("an action is running: wait for it, or ctrl+c to cancel it", true)
	case t != nil && t.Validate() != nil:
		m.setStatus("no target: mark rows with space, or put the cursor on one", true)
	default:
		return true
	}
	return false
}

func (m Model) openSend(t ops.Targets) (tea.Model, tea.Cmd) {
	if !m.ready(&t) {
		return m, nil
	}
	m.setStatus("", false)
	cmd := m.sendDlg.Open(t, t.String(), m.sess.Profile.Messages)
	m.layout()
	return m, cmd
}

// begin starts an action's run: a context the action view can cancel, a
// fresh run id and its event channel.
func (m *Model) begin(title string) (context.Context, int, chan tea.Msg) {
	ctx, cancel := context.WithCancel(m.sessCtx)
	m.action.run++
	m.action.cancel = cancel
	m.runView.Start(title)
	m.setStatus("", false)
	m.layout()
	return ctx, m.action.run, make(chan tea.Msg, eventBuffer)
}

func (m Model) startSend(msg send.SubmitMsg) (tea.Model, tea.Cmd) {
	if !m.ready(&msg.Targets) {
		return m, nil
	}
	ctx, run, events := m.begin("send to " + msg.Targets.String())
	req := ops.SendRequest{Targets: msg.Targets, Payload: msg.Payload}
	return m, tea.Batch(sendCmd(ctx, m.sess.Ops, run, req, events), waitAction(events))
}

func (m Model) startResume(msg progress.ResumeMsg) (tea.Model, tea.Cmd) {
	if !m.ready(nil) {
		return m, nil
	}
	ctx, run, events := m.begin("resume " + msg.Journal)
	return m, tea.Batch(resumeCmd(ctx, m.sess.Ops, run, msg.Action, msg.Journal, events), waitAction(events))
}

// startUndo undoes what the repair or prune journaled at msg.Journal did.
func (m Model) startUndo(msg progress.UndoMsg) (tea.Model, tea.Cmd) {
	if !m.ready(nil) {
		return m, nil
	}
	ctx, run, events := m.begin("undo " + msg.Journal)
	return m, tea.Batch(undoCmd(ctx, m.sess.Ops, run, msg.Action, msg.Journal, events), waitAction(events))
}

func (m Model) startLogout(ids []string) (tea.Model, tea.Cmd) {
	t := ops.Targets{Conns: ids}
	if !m.ready(&t) {
		return m, nil
	}
	ctx, run, events := m.begin("force logout of " + t.String())
	req := ops.LogoutRequest{Targets: t}
	return m, tea.Batch(logoutCmd(ctx, m.sess.Ops, run, req, events), waitAction(events))
}

func (m Model) startPrune() (tea.Model, tea.Cmd) {
	if !m.ready(nil) {
		return m, nil
	}
	ctx, run, events := m.begin("prune stale records")
	return m, tea.Batch(pruneCmd(ctx, m.sess.Ops, run, ops.PruneRequest{Select: m.pushed, Grace: ops.DefaultPruneGrace}, events), waitAction(events))
}

func (m Model) startDeleteRecords(g ops.GoneRecords) (tea.Model, tea.Cmd) {
	if !m.ready(nil) {
		return m, nil
	}
	ctx, run, events := m.begin(fmt.Sprintf("prune the records of %d gone connections", len(g.IDs)))
	return m, tea.Batch(deleteRecordsCmd(ctx, m.sess.Ops, run, g, events), waitAction(events))
}

// actionDone shows how an action ended (a refusal in the status line) and
// rescans the fleet, so that the view shows what changed.
func (m Model) actionDone(msg actionDoneMsg) (tea.Model, tea.Cmd) {
	if msg.run != m.action.run {
		return m, nil
	}
	if m.action.cancel != nil {
		m.action.cancel()
		m.action.cancel = nil
	}
	if err := msg.summary.Err; ops.Refused(err) {
		m.runView.Close()
		m.setStatus(err.Error(), true)
	} else {
		m.runView.Finish(msg.summary)
		m.setStatus(msg.title+" finished", err != nil)
		if err != nil {
			m.setStatus(msg.title+" ended with an error", true)
		}
	}
	m.layout()
	cmds := []tea.Cmd{m.startScan(), m.requery()}
	if m.top() == viewRepair && msg.title == "repair" {
		cmds = append(cmds, m.planRepair()) // show what is left to repair
	}
	return m, tea.Batch(cmds...)
}
