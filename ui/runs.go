package ui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/ops"
	"wsops/ui/progress"
)

// The operator actions run in commands: each captures the session's Ops and
// its arguments, calls ops (which asks the console's confirmer, and blocks
// until the dialog answers), offers its progress on a channel the console
// waits on (re-armed after every event), and returns how it ended.

// eventBuffer is how many progress events a run buffers; when the console
// falls behind, events are dropped (each carries the full totals).
const eventBuffer = 64

// actionProgressMsg is a running action's totals so far.
type actionProgressMsg struct {
	run    int
	counts progress.Counts
	events <-chan tea.Msg
}

// actionDoneMsg ends an action; summary.Err is set when it failed or was refused.
type actionDoneMsg struct {
	run     int
	title   string
	summary progress.Summary
}

// waitAction waits for a run's next progress event (nil once it ended).
func waitAction(events <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-events
		if !ok {
			return nil
		}
		return msg
	}
}

// offer queues a progress event unless the buffer is full.
func offer(events chan tea.Msg, run int, c progress.Counts) {
	select {
	case events <- actionProgressMsg{run: run, counts: c, events: events}:
	default:
	}
}

func sendCmd(ctx context.Context, o *ops.Ops, run int, req ops.SendRequest, events chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		defer close(events)
		res, err := o.Send(ctx, req, actionProgress(run, events))
		return actionDoneMsg{run: run, title: "send", summary: sendSummary(res, err)}
	}
}

// resumeCmd finishes the run journaled at journal, of its action.
func resumeCmd(ctx context.Context, o *ops.Ops, run int, action, journal string, events chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		defer close(events)
		progress := actionProgress(run, events)
		switch action {
		case "logout":
			res, err := o.ResumeLogout(ctx, journal, 0, progress)
			return actionDoneMsg{run: run, title: "resume", summary: logoutSummary(res, err)}
		case "repair":
			res, err := o.ResumeRepair(ctx, journal, progress)
			return actionDoneMsg{run: run, title: "repair", summary: repairSummary(o, "applied", res, err)}
		case "prune":
			res, err := o.ResumePrune(ctx, journal, progress)
			return actionDoneMsg{run: run, title: "prune", summary: pruneSummary(res, "deleted", err)}
		}
		res, err := o.Resume(ctx, journal, false, progress)
		return actionDoneMsg{run: run, title: "resume", summary: sendSummary(res, err)}
	}
}

// actionProgress offers a run's account as it goes.
func actionProgress(run int, events chan tea.Msg) func(ops.Progress) {
	return func(p ops.Progress) {
		c := progress.Counts{Done: p.Done, Total: p.Total}
		for _, n := range p.Counts {
			c.Items = append(c.Items, progress.Count{Label: n.Label, N: n.N})
		}
		offer(events, run, c)
	}
}

func sendSummary(res ops.SendResult, err error) progress.Summary {
	return progress.Summary{
		Items: []progress.Count{
			{Label: "targets", N: res.Targets}, {Label: "delivered", N: res.Delivered}, {Label: "gone", N: res.Gone},
			{Label: "throttled", N: res.Throttled}, {Label: "failed", N: res.Failed}, {Label: "unknown", N: res.Unknown},
			{Label: "not attempted", N: res.NotAttempted},
		},
		Gone: res.GoneIDs, Live: res.Delivered, Failed: res.FailedIDs, Journal: res.Journal, Action: "send",
		Resumable: res.Journal != "" && !res.Complete, Err: err,
	}
}

func logoutCmd(ctx context.Context, o *ops.Ops, run int, req ops.LogoutRequest, events chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		defer close(events)
		res, err := o.Logout(ctx, req, actionProgress(run, events))
		return actionDoneMsg{run: run, title: "logout", summary: logoutSummary(res, err)}
	}
}

func logoutSummary(res ops.LogoutResult, err error) progress.Summary {
	return progress.Summary{
		Items: []progress.Count{
			{Label: "targets", N: res.Targets}, {Label: "notified", N: res.Notified},
			{Label: "disconnected", N: res.Disconnected}, {Label: "gone", N: res.Gone},
			{Label: "records deleted", N: res.RecordsDeleted}, {Label: "failed", N: res.Failed},
			{Label: "not attempted", N: res.NotAttempted},
		},
		Failed: res.FailedIDs, Journal: res.Journal, Action: "logout",
		Resumable: res.Journal != "" && !res.Complete, Err: err,
	}
}

func pruneCmd(ctx context.Context, o *ops.Ops, run int, req ops.PruneRequest, events chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		defer close(events)
		res, err := o.Prune(ctx, req, actionProgress(run, events))
		return actionDoneMsg{run: run, title: "prune", summary: pruneSummary(res, "deleted", err)}
	}
}

func deleteRecordsCmd(ctx context.Context, o *ops.Ops, run int, g ops.GoneRecords, events chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		defer close(events)
		res, err := o.DeleteRecords(ctx, g, actionProgress(run, events))
		return actionDoneMsg{run: run, title: "prune", summary: pruneSummary(res, "deleted", err)}
	}
}

// pruneSummary is how a prune (done: "deleted") or its undo ("restored") ended.
func pruneSummary(res ops.PruneResult, done string, err error) progress.Summary {
	return progress.Summary{
		Items: []progress.Count{
			{Label: "checked", N: res.Checked}, {Label: "gone", N: res.Gone}, {Label: done, N: res.Deleted},
			{Label: "records", N: res.Records}, {Label: "failed", N: res.Failed},
			{Label: "skipped (younger than the grace)", N: res.Skipped}, {Label: "not attempted", N: res.NotAttempted},
		},
		Journal: res.Journal, Action: "prune", Err: err,
		Resumable: res.Journal != "" && !res.Complete,
		Undoable:  res.Journal != "" && res.Deleted > 0 && res.Checked+res.Gone > 0, // a prune's, not its undo's
	}
}
