package ops

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"wsops/config"
	"wsops/data"
)

// DefaultRepairRPS is the write rate of a repair when neither the request
// nor the Ops names one.
const DefaultRepairRPS = config.DefaultRepairRPS

// repairWorkers bounds the writes in flight.
const repairWorkers = 16

// RepairApply is a planned repair to carry out.
type RepairApply struct {
	Plan RepairPlan
	// Selected are the indexes of the plan's changes to apply (nil: all).
	Selected []int
	// RPS is writes per second (0: the Ops' WriteRPS; +Inf: no limit).
	RPS float64
	// Journal is where the journal goes ("": DefaultJournalPath).
	Journal string
}

// RepairResult is what an apply (or an undo, or a resume) did; its JSON is
// design.md's repair --apply output plus not_attempted.
type RepairResult struct {
	Applied      int    `json:"applied"`
	Conflicts    int    `json:"conflicts"`
	Failed       int    `json:"failed"`
	NotAttempted int    `json:"not_attempted"`
	Journal      string `json:"journal"`
	// Conflicted lists the changes left untouched because the record no
	// longer held the planned value, with what it held instead.
	Conflicted []RepairConflict `json:"-"`
	// Failures lists the changes whose write failed, with the error.
	Failures []RepairFailure `json:"-"`
}

// RepairConflict is a change refused by its condition.
type RepairConflict struct {
	Change RepairChange
	// Current is the record as found after the refusal (nil: no record,
	// or Err says why it could not be read).
	Current data.Item
	Err     error
}

// RepairFailure is a change whose write failed.
type RepairFailure struct {
	Change RepairChange
	Err    error
}

// counts is the result for the audit line.
func (r RepairResult) counts() map[string]int {
	return map[string]int{"applied": r.Applied, "conflicts": r.Conflicts, "failed": r.Failed, "not_attempted": r.NotAttempted}
}

// Repair applies the selected changes of a plan with conditional writes at
// the request's rate, journaling every outcome. A record that no longer
// holds the planned value is a conflict, left as it is. When ctx is
// cancelled no further write starts, writes in flight finish, and the
// result and journal say what was not attempted (ResumeRepair finishes the
// run). Safety as every action: read-only refuses before any call, the
// confirmer sees the plan's radius, one audit line is written.
func (o *Ops) Repair(ctx context.Context, a RepairApply, progress func(done, total int)) (RepairResult, error) {
	filter := "rules " + strings.Join(a.Plan.Rules, ", ")
	if o.Policy.ReadOnly {
		return RepairResult{}, o.run(ctx, Plan{Action: "repair", Filter: filter}, nil)
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
	rps, err := o.repairRate(a.RPS)
	if err != nil {
		return RepairResult{}, err
	}
	h := repairHeader{Format: repairJournalFormat, Action: "repair", Profile: o.Policy.Profile, Time: o.now().UTC(),
		Rules: a.Plan.Rules, RPS: journalRate(rps)}
	return o.applyNew(ctx, h, a.Journal, filter, changes, progress)
}

// ResumeRepair finishes an interrupted repair (or undo) from its journal:
// the changes with no applied or conflict outcome are applied, at the
// journal's rate; nothing is re-read or re-planned.
func (o *Ops) ResumeRepair(ctx context.Context, path string, progress func(done, total int)) (RepairResult, error) {
	filter := "resume of " + path
	if o.Policy.ReadOnly {
		return RepairResult{}, o.run(ctx, Plan{Action: "repair", Filter: filter}, nil)
	}
	j, r, err := resumeJournal(path, o.Policy.Profile, readRepairJournal, (*repairJournal).profile)
	if err != nil {
		return RepairResult{}, fmt.Errorf("resume: %w", err)
	}
	defer j.close()
	h, changes, outcomes := r.header, r.changes, r.outcomes
	var todo []int
	for i := range changes {
		if e, ok := outcomes[i]; !ok || e.Outcome == outcomeFailed {
			todo = append(todo, i)
		}
	}
	plan := Plan{Action: h.Action, Filter: filter, Radius: radiusOf(pick(changes, todo))}
	res := RepairResult{Journal: path}
	err = o.run(ctx, plan, func(ctx context.Context) (Outcome, error) {
		now := o.now().UTC()
		if err := j.append(repairEntry{Event: "resume", Time: &now}); err != nil {
			return Outcome{Journal: path}, err
		}
		err := o.applyChanges(ctx, j, changes, todo, h.rate(), &res, progress)
		return Outcome{Result: res.counts(), Journal: path}, err
	})
	return res, err
}

// UndoRepair reverses every applied change of a repair journal with the
// same conditional discipline: an attribute is restored only if it still
// holds the value the repair wrote, a created record is deleted only if it
// is unchanged. The undo keeps a journal of its own (journal: "" for the
// default path), which can be resumed — or undone — in turn.
func (o *Ops) UndoRepair(ctx context.Context, path, journal string, rps float64, progress func(done, total int)) (RepairResult, error) {
	filter := "undo of " + path
	if o.Policy.ReadOnly {
		return RepairResult{}, o.run(ctx, Plan{Action: "repair-undo", Filter: filter}, nil)
	}
	j, r, err := resumeJournal(path, o.Policy.Profile, readRepairJournal, (*repairJournal).profile)
	if err != nil {
		return RepairResult{}, fmt.Errorf("undo: %w", err)
	}
	j.close()
	changes, outcomes := r.changes, r.outcomes
	var inverse []RepairChange
	for i := len(changes) - 1; i >= 0; i-- { // last applied, first undone
		if outcomes[i].Outcome == outcomeApplied {
			inverse = append(inverse, changes[i].inverse())
		}
	}
	if rps, err = o.repairRate(rps); err != nil {
		return RepairResult{}, err
	}
	h := repairHeader{Format: repairJournalFormat, Action: "repair-undo", Profile: o.Policy.Profile, Time: o.now().UTC(),
		UndoOf: path, RPS: journalRate(rps)}
	return o.applyNew(ctx, h, journal, filter, inverse, progress)
}

// applyNew authorizes changes, creates their journal and applies them.
func (o *Ops) applyNew(ctx context.Context, h repairHeader, path, filter string, changes []RepairChange, progress func(done, total int)) (RepairResult, error) {
	if o.Registry == nil {
		return RepairResult{}, errors.New(h.Action + ": no registry")
	}
	if path == "" {
		var err error
		if path, err = DefaultJournalPath(h.Action, o.now()); err != nil {
			return RepairResult{}, err
		}
	}
	for _, c := range changes {
		r, err := encodeChange(c)
		if err != nil {
			return RepairResult{}, fmt.Errorf("%s: %w", h.Action, err)
		}
		h.Changes = append(h.Changes, r)
	}
	plan := Plan{Action: h.Action, Filter: filter, Radius: radiusOf(changes)}
	res := RepairResult{}
	err := o.run(ctx, plan, func(ctx context.Context) (Outcome, error) {
		j, err := createJournal(path)
		if err != nil {
			return Outcome{}, err
		}
		res.Journal = path
		err = j.append(h)
		if err == nil {
			err = o.applyChanges(ctx, j, changes, allIndexes(len(changes)), h.rate(), &res, progress)
		}
		return Outcome{Result: res.counts(), Journal: path}, errors.Join(err, j.close())
	})
	return res, err
}

// applyChanges writes changes[todo...] concurrently at rps, journaling and
// counting each outcome.
func (o *Ops) applyChanges(ctx context.Context, j *journalFile, changes []RepairChange, todo []int, rps float64, res *RepairResult, progress func(done, total int)) error {
	limit := rate.Inf
	if !math.IsInf(rps, 1) {
		limit = rate.Limit(rps)
	}
	lim := rate.NewLimiter(limit, 1)
	// A write once started completes, so that its outcome is known.
	writeCtx := context.WithoutCancel(ctx)
	var (
		mu      sync.Mutex
		done    int
		journal error
	)
	g := new(errgroup.Group)
	g.SetLimit(repairWorkers)
	started := 0
	for _, i := range todo {
		if ctx.Err() != nil || lim.Wait(ctx) != nil {
			break
		}
		started++
		g.Go(func() error {
			e := o.applyOne(writeCtx, changes[i])
			e.I = &i
			mu.Lock()
			defer mu.Unlock()
			res.count(changes[i], e)
			if err := j.append(e); err != nil && journal == nil {
				journal = err
			}
			done++
			if progress != nil {
				progress(done, len(todo))
			}
			return nil
		})
	}
	_ = g.Wait() // workers never return errors; outcomes carry them
	res.NotAttempted = len(todo) - started
	var stopped error
	if ctx.Err() != nil {
		now := o.now().UTC()
		journal = errors.Join(journal, j.append(repairEntry{Event: "cancelled", Time: &now, NotAttempted: res.NotAttempted}))
		stopped = fmt.Errorf("stopped after %d of %d changes (%d not attempted): %w", started, len(todo), res.NotAttempted, context.Cause(ctx))
	}
	var failures error
	if len(res.Failures) > 0 {
		failures = fmt.Errorf("%d of %d writes failed, first: %w", len(res.Failures), len(todo), res.Failures[0].Err)
	}
	return joinErrs("repair", stopped, failures, journal)
}

// count adds one outcome to the result.
func (r *RepairResult) count(c RepairChange, e repairEntry) {
	switch e.Outcome {
	case outcomeApplied:
		r.Applied++
	case outcomeConflict:
		r.Conflicts++
		current, _ := data.UnmarshalItem(e.Current)
		conflict := RepairConflict{Change: c, Current: current}
		if e.Error != "" {
			conflict.Err = errors.New(e.Error)
		}
		r.Conflicted = append(r.Conflicted, conflict)
	default:
		r.Failed++
		r.Failures = append(r.Failures, RepairFailure{Change: c, Err: errors.New(e.Error)})
	}
}

// applyOne makes one conditional write and says what came of it. A refused
// condition is looked into: a record already in the planned state (a run
// cut off between its write and its journal line) counts as applied.
func (o *Ops) applyOne(ctx context.Context, c RepairChange) repairEntry {
	reg := o.Registry
	var (
		before, after data.Item
		err           error
	)
	switch c.Op {
	case OpSet:
		before, err = reg.Update(ctx, data.Change{Subscriptions: c.Subscriptions, Key: c.Key, Attribute: c.Attribute, Old: c.Old, New: c.New})
		if err == nil {
			after = withAttribute(before, c.Attribute, c.New)
		}
	case OpCreate:
		err = reg.Create(ctx, c.Subscriptions, c.Record)
		after = c.Record
	case OpDelete:
		before = c.Record
		err = reg.DeleteUnchanged(ctx, c.Subscriptions, c.Record)
	default:
		err = fmt.Errorf("unknown operation %q", c.Op)
	}
	if err == nil {
		return entryOf(outcomeApplied, before, after, nil, nil)
	}
	if !errors.Is(err, data.ErrConflict) {
		return entryOf(outcomeFailed, nil, nil, nil, err)
	}
	current, rerr := reg.Record(ctx, c.Subscriptions, c.Key)
	if rerr != nil && !errors.Is(rerr, data.ErrNotFound) {
		// Refused, so left as it was; what it holds now is unknown.
		return entryOf(outcomeConflict, nil, nil, nil, fmt.Errorf("record changed; reading it back failed: %w", rerr))
	}
	if inPlannedState(c, current) {
		return entryOf(outcomeApplied, nil, current, nil, nil)
	}
	return entryOf(outcomeConflict, nil, nil, current, nil)
}

// inPlannedState reports whether a record (nil: absent) already is what the
// change would make it.
func inPlannedState(c RepairChange, current data.Item) bool {
	switch c.Op {
	case OpSet:
		if current == nil {
			return false
		}
		v, ok := current[c.Attribute]
		return (c.New == nil && !ok) || (c.New != nil && ok && data.EqualValues(v, c.New))
	case OpCreate:
		return current != nil && holds(current, c.Record)
	case OpDelete:
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

func entryOf(outcome string, before, after, current data.Item, err error) repairEntry {
	e := repairEntry{Outcome: outcome}
	if before != nil {
		e.Before, _ = data.MarshalItem(before)
	}
	if after != nil {
		e.After, _ = data.MarshalItem(after)
	}
	if outcome == outcomeConflict {
		e.Current, _ = data.MarshalItem(current) // null: no record
	}
	if err != nil {
		e.Error = err.Error()
	}
	return e
}

// repairRate validates a write rate: 0 is the profile's (WriteRPS, else
// DefaultRepairRPS), +Inf no limit.
func (o *Ops) repairRate(rps float64) (float64, error) {
	switch {
	case rps == 0 && o.WriteRPS > 0:
		return o.WriteRPS, nil
	case rps == 0:
		return DefaultRepairRPS, nil
	case rps < 0 || math.IsNaN(rps):
		return 0, fmt.Errorf("repair: rate %v: want a positive number of writes per second", rps)
	}
	return rps, nil
}

func allIndexes(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

func pick(changes []RepairChange, idx []int) []RepairChange {
	out := make([]RepairChange, len(idx))
	for n, i := range idx {
		out[n] = changes[i]
	}
	return out
}
