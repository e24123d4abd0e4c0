package ops

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"wsops/internal/files"
	"wsops/ops/repairplan"
)

// Report is how any operator action ended, in the one shape a console
// shows: its counts in account order, a line per failed target, and what
// may follow — a resume, an undo, pruning the records of gone targets.
type Report struct {
	// Action is the journal's action: send, logout, prune, prune-undo,
	// repair, repair-undo.
	Action string
	Counts []Count
	// Failed has a line per target that failed (or whose outcome is unknown).
	Failed []string
	// Conflicts has a line per repair change left alone because the record
	// changed since it was planned (no failure: another writer's value).
	Conflicts []string
	// Gone lists a send's targets found gone, whose records may be pruned;
	// Live counts its delivered targets, the witnesses of that prune.
	Gone []string
	Live int
	// Journal is the run's journal ("": none was written).
	Journal string
	// Resumable: a resume of the journal would still act.
	Resumable bool
	// Undoable: the journal records writes an undo can reverse.
	Undoable bool
}

// Report is the send's account.
func (r SendResult) Report() Report {
	return Report{
		Action: "send",
		Counts: []Count{{"targets", r.Targets}, {"delivered", r.Delivered}, {"gone", r.Gone}, {"throttled", r.Throttled},
			{"failed", r.Failed}, {"unknown", r.Unknown}, {"not attempted", r.NotAttempted}},
		Failed: r.FailedIDs, Gone: r.GoneIDs, Live: r.Delivered, Journal: r.Journal,
		Resumable: r.Journal != "" && !r.Complete,
	}
}

// Report is the logout's account.
func (r LogoutResult) Report() Report {
	return Report{
		Action: "logout",
		Counts: []Count{{"targets", r.Targets}, {"notified", r.Notified}, {"disconnected", r.Disconnected}, {"gone", r.Gone},
			{"records deleted", r.RecordsDeleted}, {"failed", r.Failed}, {"not attempted", r.NotAttempted}},
		Failed: r.FailedIDs, Journal: r.Journal, Resumable: r.Journal != "" && !r.Complete,
	}
}

// Report is the prune's (or its undo's) account.
func (r PruneResult) Report() Report {
	action, done := "prune", "deleted"
	if r.Undo {
		action, done = "prune-undo", "restored"
	}
	return Report{
		Action: action,
		Counts: []Count{{"checked", r.Checked}, {"gone", r.Gone}, {done, r.Deleted}, {"records", r.Records}, {"failed", r.Failed},
			{"skipped (younger than the grace)", r.Skipped}, {"not attempted", r.NotAttempted}},
		Journal: r.Journal, Resumable: r.Journal != "" && !r.Complete,
		Undoable: r.Journal != "" && r.Deleted > 0 && !r.Undo, // an undo's journal is not undone in turn
	}
}

// Report is the repair's (or its undo's) account.
func (r RepairResult) Report() Report {
	action, done := "repair", "applied"
	if r.Undo {
		action, done = "repair-undo", "restored"
	}
	var failed, conflicts []string
	for _, c := range r.Conflicted {
		conflicts = append(conflicts, repairplan.KeyText(r.schema, c.Change.Subscriptions, c.Change.Key)+" "+c.Change.Attribute)
	}
	for _, f := range r.Failures {
		failed = append(failed, repairplan.KeyText(r.schema, f.Change.Subscriptions, f.Change.Key)+": "+f.Err.Error())
	}
	return Report{
		Action: action,
		Counts: []Count{{done, r.Applied}, {"already so (not ours)", r.Already}, {"conflicts (left as they are)", r.Conflicts},
			{"failed", r.Failed}, {"not attempted", r.NotAttempted}},
		Failed: failed, Conflicts: conflicts, Journal: r.Journal, Resumable: r.Journal != "" && !r.Complete,
		Undoable: r.Journal != "" && r.Applied+r.Failed > 0, // failed writes may have landed: undo covers them
	}
}

// ResumeJournal finishes the run journaled at path, whatever its action
// (a send's unknown targets are left alone, as Resume does by default).
func (o *Ops) ResumeJournal(ctx context.Context, path string, progress func(Progress)) (Report, error) {
	action, err := journalAction(path)
	if err != nil {
		return Report{Journal: path}, err
	}
	switch action {
	case "send":
		res, err := o.Resume(ctx, path, false, progress)
		return res.Report(), err
	case "logout":
		res, err := o.ResumeLogout(ctx, path, 0, progress)
		return res.Report(), err
	case "repair", "repair-undo":
		res, err := o.ResumeRepair(ctx, path, progress)
		return res.Report(), err
	case "prune", "prune-undo":
		res, err := o.ResumePrune(ctx, path, progress)
		return res.Report(), err
	}
	return Report{Journal: path}, fmt.Errorf("resume %s: a journal of %q, which no action resumes", path, action)
}

// UndoJournal reverses what the repair or prune journaled at path did,
// keeping a journal of its own at the default place.
func (o *Ops) UndoJournal(ctx context.Context, path string, progress func(Progress)) (Report, error) {
	action, err := journalAction(path)
	if err != nil {
		return Report{Journal: path}, err
	}
	switch action {
	case "repair", "repair-undo":
		res, err := o.UndoRepair(ctx, path, "", 0, progress)
		return res.Report(), err
	case "prune":
		res, err := o.UndoPrune(ctx, path, "", progress)
		return res.Report(), err
	}
	return Report{Journal: path}, fmt.Errorf("undo %s: a journal of %q, which cannot be undone", path, action)
}

// journalAction reads the action a journal's header names, without
// opening it for a run (the run checks the whole journal).
func journalAction(path string) (string, error) {
	if err := files.Regular(path); err != nil {
		return "", fmt.Errorf("journal: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(f, 1<<16).ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return "", fmt.Errorf("journal %s: no header: %w", path, err)
	}
	var h header
	if err := json.Unmarshal(line, &h); err != nil {
		return "", fmt.Errorf("journal %s line 1: %w", path, err)
	}
	return h.Action, nil
}
