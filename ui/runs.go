package ui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/client"
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
		res, err := o.Send(ctx, req, sendProgress(run, events))
		return actionDoneMsg{run: run, title: "send", summary: sendSummary(res, err)}
	}
}

func resumeCmd(ctx context.Context, o *ops.Ops, run int, journal string, events chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		defer close(events)
		res, err := o.Resume(ctx, journal, sendProgress(run, events))
		return actionDoneMsg{run: run, title: "resume", summary: sendSummary(res, err)}
	}
}

func sendProgress(run int, events chan tea.Msg) func(client.Progress) {
	return func(p client.Progress) {
		offer(events, run, progress.Counts{Done: p.Done, Items: []progress.Count{
			{Label: "delivered", N: p.Delivered}, {Label: "gone", N: p.Gone},
			{Label: "throttled", N: p.Throttled}, {Label: "failed", N: p.Failed},
		}})
	}
}

func sendSummary(res ops.SendResult, err error) progress.Summary {
	return progress.Summary{
		Items: []progress.Count{
			{Label: "targets", N: res.Targets}, {Label: "delivered", N: res.Delivered}, {Label: "gone", N: res.Summary.Gone},
			{Label: "throttled", N: res.Throttled}, {Label: "failed", N: res.Summary.Failed}, {Label: "not attempted", N: res.NotAttempted},
		},
		Gone: res.Gone, Failed: res.Failed, Journal: res.Journal, Action: "send",
		Resumable: res.Journal != "" && !res.Complete, Err: err,
	}
}

func logoutCmd(ctx context.Context, o *ops.Ops, run int, req ops.LogoutRequest, events chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		defer close(events)
		res, err := o.Logout(ctx, req, stepProgress(run, events))
		return actionDoneMsg{run: run, title: "logout", summary: logoutSummary(res, err)}
	}
}

func resumeLogoutCmd(ctx context.Context, o *ops.Ops, run int, journal string, events chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		defer close(events)
		res, err := o.ResumeLogout(ctx, journal, 0, stepProgress(run, events))
		return actionDoneMsg{run: run, title: "resume", summary: logoutSummary(res, err)}
	}
}

// stepProgress offers a run's progress counted in steps (targets, changes).
func stepProgress(run int, events chan tea.Msg) func(done, total int) {
	return func(done, total int) { offer(events, run, progress.Counts{Done: done, Total: total}) }
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
		res, err := o.Prune(ctx, req, stepProgress(run, events))
		return actionDoneMsg{run: run, title: "prune", summary: progress.Summary{
			Items: []progress.Count{
				{Label: "checked", N: res.Checked}, {Label: "gone", N: res.Gone}, {Label: "deleted", N: res.Deleted},
				{Label: "failed", N: res.Failed}, {Label: "skipped (younger than the grace)", N: res.Skipped},
			},
			Err: err,
		}}
	}
}

func deleteRecordsCmd(ctx context.Context, o *ops.Ops, run int, ids []string, events chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		defer close(events)
		res, err := o.DeleteRecords(ctx, ids)
		return actionDoneMsg{run: run, title: "prune", summary: progress.Summary{
			Items: []progress.Count{
				{Label: "records deleted", N: res.Connections}, {Label: "subscriptions deleted", N: res.Subscriptions},
				{Label: "left unprocessed", N: len(res.Failed)},
			},
			Err: err,
		}}
	}
}
