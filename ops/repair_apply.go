package ops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/config"
	"wsops/data"
	"wsops/ops/repairplan"
)

// DefaultRepairRPS is the write rate of a repair when neither the request
// nor the profile names one.
const DefaultRepairRPS = config.DefaultRepairRPS

// RepairApply is a planned repair to carry out.
type RepairApply struct {
	Plan repairplan.Plan
	// Selected are the indexes of the plan's changes to apply (nil: all).
	Selected []int
	// RPS is writes per second (0: the profile's repair_rps; +Inf: no limit).
	RPS float64
	// Journal is where the journal goes ("": $XDG_STATE_HOME/wsops/journals/
	// <action>-<time>.jsonl); it must not exist yet.
	Journal string
}

// RepairResult is what an apply (or an undo, or a resume) did, over its
// whole journal; its JSON is design.md's repair --apply output plus
// already and not_attempted.
type RepairResult struct {
	Applied int `json:"applied"`
	// Already counts changes whose record held the planned value already:
	// someone else's work, which this journal never undoes.
	Already      int    `json:"already"`
	Conflicts    int    `json:"conflicts"`
	Failed       int    `json:"failed"`
	NotAttempted int    `json:"not_attempted"`
	Journal      string `json:"journal"`
	// Conflicted lists the changes left untouched because the record no
	// longer held the planned value, with what it held instead.
	Conflicted []RepairConflict `json:"-"`
	// Failures lists the changes whose write failed (or whose outcome a
	// crash hid), with the error.
	Failures []RepairFailure `json:"-"`
	// Complete: a resume would write nothing.
	Complete bool `json:"complete"`
	// Undo is set when the run restored what a repair wrote.
	Undo bool `json:"-"`
	// schema names the changed records' keys in Report.
	schema data.Schema
}

// RepairConflict is a change refused by its condition.
type RepairConflict struct {
	Change repairplan.Change
	// Current is the record as found after the refusal (nil: no record,
	// or Err says why it could not be read).
	Current data.Item
	Err     error
}

// RepairFailure is a change whose write failed.
type RepairFailure struct {
	Change repairplan.Change
	Err    error
}

// The steps of a repair change.
const (
	repairApplied  = "applied"
	repairAlready  = "already"
	repairConflict = "conflict"
	repairFailed   = stepFailed
)

// repairPlanJSON is a repair journal's plan.
type repairPlanJSON struct {
	Rules   []string            `json:"rules,omitempty"`
	Changes []repairplan.Change `json:"changes"`
}

// repairData is what a repair outcome line carries: the record's images
// around the write, or what a conflict found (null: no record).
type repairData struct {
	Before  item `json:"before,omitempty"`
	After   item `json:"after,omitempty"`
	Current item `json:"current,omitempty"`
}

// repair is the journaled repair action, and its undo.
type repairAction struct {
	reg  Registry
	plan repairPlanJSON
}

func (a *repairAction) kind() callKind { return callWrite }
func (a *repairAction) outcomes() []string {
	return []string{repairApplied, repairAlready, repairConflict, repairFailed}
}
func (a *repairAction) radius(ts []int) Radius { return radiusOf(pick(a.plan.Changes, ts)) }
func (a *repairAction) intents() []string      { return []string{"write"} }
func (a *repairAction) data() any              { return &repairData{} }

func (a *repairAction) keys() []string {
	keys := make([]string, len(a.plan.Changes))
	for i, c := range a.plan.Changes {
		keys[i] = c.Ident()
	}
	return keys
}

func (a *repairAction) pending(l *ledger, t int) bool {
	step := l.last[t].Step
	return l.open[t] != "" || step == "" || step == repairFailed
}

// step makes one conditional write. A refused condition is looked into: a
// record already in the planned state is someone else's work ("already"),
// unless this write may have been made before the refusal: an earlier run
// intended it and a crash hid its outcome, an earlier run's write failed
// in a way that may hide it (a cut answer, a timeout: UndoRepair reverses
// failed writes for that reason), or the refusal came on the SDK's retry
// of an attempt whose answer was lost (data.ErrRetried). Then the write is
// presumed this journal's own ("applied"), so that an undo reverses it.
func (a *repairAction) step(ctx context.Context, t int, l *ledger, w intents) (entry, error) {
	ours := l.open[t] != "" || l.last[t].Step == repairFailed
	if err := w.intent("write"); err != nil {
		return entry{}, err
	}
	c := a.plan.Changes[t]
	before, after, err := a.write(ctx, c)
	switch {
	case err == nil:
		return outcome(repairApplied, nil).with(repairData{Before: item(before), After: item(after)}), nil
	case !errors.Is(err, data.ErrConflict):
		return outcome(repairFailed, err), err
	}
	mine := ours || errors.Is(err, data.ErrRetried) // this journal's write may have made the record what it is
	current, rerr := a.reg.Record(ctx, c.Subscriptions, c.Key)
	switch {
	case rerr != nil && !errors.Is(rerr, data.ErrNotFound) && mine:
		// It may be ours: failed, so that a resume looks again and an undo covers it.
		err = fmt.Errorf("refused after an attempt that may have made it; reading it back failed: %w", rerr)
		return outcome(repairFailed, err), err
	case rerr != nil && !errors.Is(rerr, data.ErrNotFound):
		// Refused, so left as it was; what it holds now is unknown.
		return outcome(repairConflict, fmt.Errorf("record changed; reading it back failed: %w", rerr)), nil
	case !inPlannedState(c, current):
		return outcome(repairConflict, nil).with(repairData{Current: item(current)}), nil
	case mine:
		return outcome(repairApplied, nil).with(repairData{After: item(current)}), nil
	}
	return outcome(repairAlready, nil), nil
}

// write makes change c's conditional write.
func (a *repairAction) write(ctx context.Context, c repairplan.Change) (before, after data.Item, err error) {
	switch c.Op {
	case repairplan.OpSet:
		before, err = a.reg.Update(ctx, data.Change{Subscriptions: c.Subscriptions, Key: c.Key, Attribute: c.Attribute, Old: c.Old, New: c.New})
		return before, withAttribute(before, c.Attribute, c.New), err
	case repairplan.OpCreate:
		return nil, c.Record, a.reg.Create(ctx, c.Subscriptions, c.Record)
	case repairplan.OpDelete:
		return c.Record, nil, a.reg.DeleteUnchanged(ctx, c.Subscriptions, c.Record)
	}
	return nil, nil, fmt.Errorf("unknown operation %q", c.Op)
}

// result is the journal's account.
func (a *repairAction) result(r *journaled) RepairResult {
	res := RepairResult{Journal: r.path, Complete: len(r.todo()) == 0, Undo: r.h.Action == "repair-undo", schema: a.reg.Schema()}
	for _, t := range r.l.targets() {
		e, c := r.l.last[t], a.plan.Changes[t]
		switch {
		case r.l.open[t] != "":
			res.Failed++
			res.Failures = append(res.Failures, RepairFailure{Change: c, Err: errors.New("its outcome is unknown (the run was cut off): resume to find out")})
		case e.Step == repairApplied:
			res.Applied++
		case e.Step == repairAlready:
			res.Already++
		case e.Step == repairConflict:
			res.Conflicts++
			var d repairData
			_ = dataOf(e, &d)
			conflict := RepairConflict{Change: c, Current: data.Item(d.Current)}
			if e.Error != "" {
				conflict.Err = errors.New(e.Error)
			}
			res.Conflicted = append(res.Conflicted, conflict)
		case e.Step == repairFailed:
			res.Failed++
			res.Failures = append(res.Failures, RepairFailure{Change: c, Err: errors.New(e.Error)})
		default:
			res.NotAttempted++
		}
	}
	return res
}

// Repair applies the selected changes of a plan with conditional writes at
// the request's rate, as a journaled action: each change's intent is
// durable before its write, its outcome (with the record's images) after.
// A record that no longer holds the planned value is a conflict, left as
// it is. When ctx is cancelled no further write starts, writes in flight
// finish, and ResumeRepair finishes the run.
func (o *Ops) Repair(ctx context.Context, a RepairApply, progress func(Progress)) (RepairResult, error) {
	filter := "rules " + strings.Join(a.Plan.Rules, ", ")
	if err := o.writable(ctx, "repair", filter); err != nil {
		return RepairResult{}, err
	}
	changes := a.Plan.Changes
	if a.Selected != nil {
		changes = nil
		for _, i := range slices.Compact(slices.Sorted(slices.Values(a.Selected))) {
			if i < 0 || i >= len(a.Plan.Changes) {
				return RepairResult{}, fmt.Errorf("repair: change %d of a plan of %d", i, len(a.Plan.Changes))
			}
			changes = append(changes, a.Plan.Changes[i])
		}
	}
	return o.applyNew(ctx, "repair", "", filter, a.Journal, a.RPS, repairPlanJSON{Rules: a.Plan.Rules, Changes: changes}, progress)
}

// ResumeRepair finishes an interrupted repair (or undo) from its journal:
// the changes with no outcome, a failed one, or one a crash hid (whose
// record is read back: see step), at the journal's rate; nothing is
// re-planned.
func (o *Ops) ResumeRepair(ctx context.Context, path string, progress func(Progress)) (RepairResult, error) {
	act := &repairAction{reg: o.reg}
	r, err := o.resume(ctx, path, []string{"repair", "repair-undo"}, 0, func(h header) (action, error) {
		return act, unmarshalPlan(h, &act.plan)
	}, progress)
	if r == nil {
		return RepairResult{Journal: path}, err
	}
	return act.result(r), err
}

// UndoRepair reverses every change a repair (or undo) journal may have
// applied — applied ones, and those whose write failed or whose outcome a
// crash hid — last first, with the same conditional discipline: an
// attribute is restored only if it still holds the value the repair wrote,
// a created record is deleted only if it is unchanged. Changes that were
// someone else's work (already) or conflicts are never touched. The undo
// keeps a journal of its own (journal: "" for the default path), which can
// be resumed, or undone in turn.
func (o *Ops) UndoRepair(ctx context.Context, path, journal string, rps float64, progress func(Progress)) (RepairResult, error) {
	filter := "undo of " + path
	if err := o.writable(ctx, "repair-undo", filter); err != nil {
		return RepairResult{}, err
	}
	done := &repairAction{reg: o.reg}
	l, err := o.load(ctx, path, []string{"repair", "repair-undo"}, func(h header) (action, error) {
		return done, unmarshalPlan(h, &done.plan)
	})
	if err != nil {
		return RepairResult{}, fmt.Errorf("undo: %w", err)
	}
	ts := l.targets()
	var inverse []repairplan.Change
	for i := len(ts) - 1; i >= 0; i-- { // last planned, first undone
		t := ts[i]
		if step := l.last[t].Step; l.open[t] != "" || step == repairApplied || step == repairFailed {
			inverse = append(inverse, done.plan.Changes[t].Inverse())
		}
	}
	if len(inverse) == 0 {
		return RepairResult{Complete: true}, nil // nothing was applied
	}
	return o.applyNew(ctx, "repair-undo", path, filter, journal, rps, repairPlanJSON{Changes: inverse}, progress)
}

// applyNew authorizes plan's changes, journals and applies them.
func (o *Ops) applyNew(ctx context.Context, action, of, filter, path string, rps float64, plan repairPlanJSON, progress func(Progress)) (RepairResult, error) {
	if err := checkRate(action, rps, "writes"); err != nil {
		return RepairResult{}, err
	}
	act := &repairAction{reg: o.reg, plan: plan}
	r, err := o.fresh(act, path, action, filter, o.writeRate(rps), plan)
	if err != nil {
		return RepairResult{}, err
	}
	r.h.Of, r.progress, r.undoes = of, progress, of
	err = r.start(ctx, Plan{Action: action, Filter: filter, Radius: radiusOf(plan.Changes)}, nil)
	return act.result(r), err
}

// RepairPlan reads both tables once and plans every change the rules call
// for, then asks GetConnection about the connections it would create
// records for and leaves out those that are gone (Plan.SkippedGone). It
// only reads, so it runs on read-only profiles too.
func (o *Ops) RepairPlan(ctx context.Context, req repairplan.Request) (repairplan.Plan, error) {
	plan, err := repairplan.Build(ctx, o.reg, req, o.now())
	if err != nil {
		return plan, err
	}
	var ids []string
	for _, c := range plan.Changes {
		if c.Op == repairplan.OpCreate && c.ConnectionID != "" {
			ids = append(ids, c.ConnectionID)
		}
	}
	if len(ids) == 0 {
		return plan, nil
	}
	gone := map[string]bool{}
	for l := range o.Probe(ctx, StreamIDs(ids), 0, false) {
		if l.Status == LiveGone {
			gone[l.ID] = true
		}
	}
	return plan.WithoutCreatesFor(gone), ctx.Err()
}

// PlanRadius is a plan's blast radius: the records it changes by app ×
// entity type (the entity type each holds before the change).
func PlanRadius(p repairplan.Plan) Radius { return radiusOf(p.Changes) }

// radiusOf counts the records changes touch by app × entity type.
func radiusOf(changes []repairplan.Change) Radius {
	r := Radius{Cells: map[data.AppEntity]int{}, Noun: "records"}
	seen := map[string]bool{}
	for _, c := range changes {
		raw, _ := data.MarshalItem(c.Key)
		rec := c.Table() + string(raw)
		if seen[rec] {
			continue
		}
		seen[rec] = true
		r.Total++
		r.Cells[data.AppEntity{App: c.App, EntityType: c.EntityType}]++
	}
	return r
}

// inPlannedState reports whether a record (nil: absent) already is what the
// change would make it.
func inPlannedState(c repairplan.Change, current data.Item) bool {
	switch c.Op {
	case repairplan.OpSet:
		if current == nil {
			return false
		}
		v, ok := current[c.Attribute]
		return (c.New == nil && !ok) || (c.New != nil && ok && data.EqualValues(v, c.New))
	case repairplan.OpCreate:
		return current != nil && holds(current, c.Record)
	case repairplan.OpDelete:
		return current == nil
	}
	return false
}

// holds reports whether item holds every attribute of want with its value.
func holds(item, want data.Item) bool {
	for k, v := range want {
		if !data.EqualValues(item[k], v) {
			return false
		}
	}
	return true
}

// withAttribute is a copy of item with one attribute set (nil: removed).
func withAttribute(item data.Item, attr string, v types.AttributeValue) data.Item {
	out := make(data.Item, len(item)+1)
	for k, x := range item {
		out[k] = x
	}
	if v == nil {
		delete(out, attr)
	} else {
		out[attr] = v
	}
	return out
}
