package ops

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"wsops/data"
	"wsops/ops/internal/journal"
)

// item is a registry record as a journal holds it: DynamoDB JSON, so that
// its attributes' types survive.
type item data.Item

// MarshalJSON writes the record as DynamoDB JSON.
func (it item) MarshalJSON() ([]byte, error) { return data.MarshalItem(data.Item(it)) }

// UnmarshalJSON reads a record written by MarshalJSON.
func (it *item) UnmarshalJSON(b []byte) error {
	v, err := data.UnmarshalItem(b)
	*it = item(v)
	return err
}

// records are one connection's registry records: its connection record
// (nil when there is none) and its subscriptions.
type records struct {
	Conn item   `json:"conn,omitempty"`
	Subs []item `json:"subs,omitempty"`
}

// count is how many records there are.
func (r records) count() int {
	n := len(r.Subs)
	if r.Conn != nil {
		n++
	}
	return n
}

// recordsOf reads the registry records of conns (their connection records
// as given, their subscriptions from the registry).
func (o *Ops) recordsOf(ctx context.Context, conns []data.Connection) ([]records, error) {
	ids := make([]string, len(conns))
	for i, c := range conns {
		ids[i] = c.ID
	}
	subs, err := o.reg.SubscriptionsOfMany(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("reading the subscriptions of %d connections: %w", len(ids), err)
	}
	at := make(map[string]int, len(ids))
	out := make([]records, len(conns))
	for i, c := range conns {
		at[c.ID] = i
		if c.Item != nil {
			out[i].Conn = item(c.Item)
		}
	}
	for _, s := range subs {
		if i, ok := at[s.ConnectionID]; ok {
			out[i].Subs = append(out[i].Subs, item(s.Item))
		}
	}
	return out, nil
}

// connectionsByID reads the connection records of ids; one with no record
// is a Connection with only its ID.
func (o *Ops) connectionsByID(ctx context.Context, ids []string) ([]data.Connection, error) {
	conns := make([]data.Connection, len(ids))
	for i, id := range ids {
		c, err := o.reg.Connection(ctx, id)
		if err != nil && !errors.Is(err, data.ErrNotFound) {
			return nil, err
		}
		c.ID = id
		conns[i] = c
	}
	return conns, nil
}

// deleteRecords deletes one connection's records.
func (o *Ops) deleteRecords(ctx context.Context, r records) error {
	var conns []data.Item
	if r.Conn != nil {
		conns = []data.Item{data.Item(r.Conn)}
	}
	subs := make([]data.Item, len(r.Subs))
	for i, s := range r.Subs {
		subs[i] = data.Item(s)
	}
	return o.reg.DeleteRecords(ctx, conns, subs)
}

// recordsRate is the rate of a prune's deletes and its undo's restores:
// no limit but the write fan-out's workers, as the records of gone
// connections are few beside the table, and a stale fleet should not stay
// stale for a rate's sake.
var recordsRate = math.Inf(1)

// The steps of a records target.
const (
	recordsDeleted  = "deleted"
	recordsRestored = "restored"
	recordsFailed   = stepFailed
)

// recordsPlan is a prune journal's plan: the gone connections and their
// records as they were (the before-images an undo restores).
type recordsPlan struct {
	Targets []Target  `json:"targets"`
	Records []records `json:"records"`
}

// recordsData is what a records outcome line carries.
type recordsData struct {
	Records int `json:"records"`
}

// recordsAction deletes (prune) or restores (prune-undo) the records of
// gone connections.
type recordsAction struct {
	o       *Ops
	plan    recordsPlan
	restore bool
}

func (a *recordsAction) keys() []string         { return IDs(a.plan.Targets) }
func (a *recordsAction) kind() callKind         { return callWrite }
func (a *recordsAction) radius(ts []int) Radius { return RadiusOf(pick(a.plan.Targets, ts)) }
func (a *recordsAction) done() string {
	if a.restore {
		return recordsRestored
	}
	return recordsDeleted
}
func (a *recordsAction) outcomes() []string { return []string{a.done(), recordsFailed} }
func (a *recordsAction) intents() []string  { return []string{"write"} }
func (a *recordsAction) data() any          { return &recordsData{} }

func (a *recordsAction) pending(l *ledger, t int) bool {
	step := l.last[t].Step
	return l.open[t] != "" || step == "" || step == recordsFailed
}

// step deletes the target's records (absent ones are no error), or
// restores those that are absent (one present again is left as it is).
func (a *recordsAction) step(ctx context.Context, t int, _ *ledger, w intents) (entry, error) {
	if err := w.intent("write"); err != nil {
		return entry{}, err
	}
	r := a.plan.Records[t]
	if !a.restore {
		if err := a.o.deleteRecords(ctx, r); err != nil {
			return outcome(recordsFailed, err), err
		}
		return outcome(recordsDeleted, nil).with(recordsData{Records: r.count()}), nil
	}
	n := 0
	put := func(subscriptions bool, it item) error {
		err := a.o.reg.Create(ctx, subscriptions, data.Item(it))
		if err == nil {
			n++
		}
		if errors.Is(err, data.ErrConflict) {
			return nil
		}
		return err
	}
	var err error
	if r.Conn != nil {
		err = put(false, r.Conn)
	}
	for _, s := range r.Subs {
		err = errors.Join(err, put(true, s))
	}
	if err != nil {
		return outcome(recordsFailed, err), err
	}
	return outcome(recordsRestored, nil).with(recordsData{Records: n}), nil
}

// PruneResult is what a prune did; its JSON is design.md's prune output
// plus skipped, records and the journal.
type PruneResult struct {
	// Checked counts records probed with GetConnection.
	Checked int `json:"checked"`
	// Gone counts probed records whose connection is gone.
	Gone int `json:"gone"`
	// Deleted counts gone connections whose records were deleted (or, for
	// an undo, restored).
	Deleted int `json:"deleted"`
	// Records counts the records deleted (or restored).
	Records int `json:"records"`
	// Failed counts probes that failed (the record is kept) and gone
	// connections whose records could not be deleted.
	Failed int `json:"failed"`
	// Skipped counts records left alone as younger than the grace.
	Skipped int `json:"skipped"`
	// NotAttempted counts gone connections a stopped run did not reach.
	NotAttempted int    `json:"not_attempted"`
	Journal      string `json:"journal,omitempty"`
	// Complete: a resume would do nothing.
	Complete bool `json:"complete"`
	// Undo is set when the run restored what a prune deleted.
	Undo bool `json:"-"`
}

// account adds a records journal's account to res.
func (a *recordsAction) account(r *journaled, res *PruneResult) {
	res.Journal, res.Complete, res.Undo = r.path, len(r.todo()) == 0, a.restore
	for _, t := range r.l.targets() {
		var d recordsData
		_ = dataOf(r.l.last[t], &d)
		res.Records += d.Records
		switch step := r.l.last[t].Step; {
		case step == a.done():
			res.Deleted++
		case step == recordsFailed || r.l.open[t] != "":
			res.Failed++
		default:
			res.NotAttempted++
		}
	}
}

// deleteGone deletes the records of conns, known gone, as a journaled
// "prune" whose plan holds their records as they were.
func (o *Ops) deleteGone(ctx context.Context, conns []data.Connection, filter, path string, res *PruneResult, progress func(Progress)) error {
	recs, err := o.recordsOf(ctx, conns)
	if err != nil {
		return fmt.Errorf("prune: %w", err)
	}
	act := &recordsAction{o: o}
	for i, c := range conns {
		if recs[i].count() > 0 { // nothing left to delete: no target
			act.plan.Targets = append(act.plan.Targets, targetOf(c))
			act.plan.Records = append(act.plan.Records, recs[i])
		}
	}
	if len(act.plan.Targets) == 0 {
		res.Complete = true
		return nil
	}
	r, err := o.fresh(act, path, "prune", filter, recordsRate, act.plan)
	if err != nil {
		return err
	}
	r.progress = progress
	plan := Plan{Action: "prune", Filter: filter, Radius: RadiusOf(act.plan.Targets)}
	plan.Radius.Noun = "gone connections' records"
	err = r.start(ctx, plan, nil)
	act.account(r, res)
	return err
}

// GoneRecords names connections a run found gone, whose records to delete.
type GoneRecords struct {
	// IDs are the gone connections.
	IDs []string
	// Live counts the connections the same run found connected (a send's
	// delivered targets): none, with many gone, looks like a wrong endpoint.
	Live int
	// Force deletes even when it looks like a wrong endpoint.
	Force bool
}

// DeleteRecords deletes the registry records of connections already known
// to be gone (a send's gone targets) — the connection records and their
// subscriptions — as a journaled "prune" (with the records as they were,
// for --undo). It makes no call to the management API. Prune's
// wrong-endpoint guard holds, the run's live connections as its witnesses.
func (o *Ops) DeleteRecords(ctx context.Context, g GoneRecords, progress func(Progress)) (PruneResult, error) {
	if len(g.IDs) == 0 {
		return PruneResult{}, fmt.Errorf("prune: %w", ErrNoTargets)
	}
	filter := fmt.Sprintf("records of %d gone connections", len(g.IDs))
	if err := o.writable(ctx, "prune", filter); err != nil {
		return PruneResult{}, err
	}
	conns, err := o.connectionsByID(ctx, slices.Compact(slices.Sorted(slices.Values(g.IDs))))
	if err != nil {
		return PruneResult{}, fmt.Errorf("prune: %w", err)
	}
	res := PruneResult{Gone: len(conns)}
	plan := Plan{Action: "prune", Filter: filter, Radius: RadiusOf(targetsOf(conns))}
	if err := o.guard(ctx, plan, len(conns), len(conns)+g.Live, g.Live, g.Force, nil); err != nil {
		return res, err
	}
	err = o.deleteGone(ctx, conns, filter, "", &res, progress)
	return res, err
}

// targetsOf are the targets conns describe.
func targetsOf(conns []data.Connection) []Target {
	ts := make([]Target, len(conns))
	for i, c := range conns {
		ts[i] = targetOf(c)
	}
	return ts
}

// ResumePrune finishes a prune (or its undo) journaled at path: the
// connections with no outcome, a failed one or a hidden one.
func (o *Ops) ResumePrune(ctx context.Context, path string, progress func(Progress)) (PruneResult, error) {
	var act *recordsAction
	r, err := o.resume(ctx, path, []string{"prune", "prune-undo"}, 0, func(h header) (action, error) {
		act = &recordsAction{o: o, restore: h.Action == "prune-undo"}
		return act, unmarshalPlan(h, &act.plan)
	}, progress)
	res := PruneResult{Journal: path}
	if r != nil {
		act.account(r, &res)
	}
	return res, err
}

// UndoPrune restores the records a prune journaled at path deleted, or may
// have deleted (an intent whose outcome a crash hid), as they were: each
// one only where no record has its key now. The undo keeps a journal of its
// own (journal: "" for the default path), which can be resumed.
func (o *Ops) UndoPrune(ctx context.Context, path, journal string, progress func(Progress)) (PruneResult, error) {
	filter := "undo of " + path
	if err := o.writable(ctx, "prune-undo", filter); err != nil {
		return PruneResult{}, err
	}
	var done *recordsAction
	l, err := o.load(ctx, path, []string{"prune"}, func(h header) (action, error) {
		done = &recordsAction{o: o}
		return done, unmarshalPlan(h, &done.plan)
	})
	if err != nil {
		return PruneResult{}, fmt.Errorf("undo: %w", err)
	}
	undo := &recordsAction{o: o, restore: true}
	for _, t := range l.targets() {
		if l.open[t] != "" || l.last[t].Step != "" {
			undo.plan.Targets = append(undo.plan.Targets, done.plan.Targets[t])
			undo.plan.Records = append(undo.plan.Records, done.plan.Records[t])
		}
	}
	if len(undo.plan.Targets) == 0 {
		return PruneResult{Complete: true}, nil // the prune deleted nothing
	}
	r, err := o.fresh(undo, journal, "prune-undo", filter, recordsRate, undo.plan)
	if err != nil {
		return PruneResult{}, err
	}
	r.h.Of, r.progress, r.undoes = path, progress, path
	plan := Plan{Action: "prune-undo", Filter: filter, Radius: RadiusOf(undo.plan.Targets)}
	plan.Radius.Noun = "gone connections' records"
	err = r.start(ctx, plan, nil)
	var res PruneResult
	undo.account(r, &res)
	return res, err
}

// load reads the journal at path (a journal of one of actions, written at
// this Ops' place) without acting on it: what an undo reverses.
func (o *Ops) load(ctx context.Context, path string, actions []string, build func(header) (action, error)) (*ledger, error) {
	j, lines, err := journal.Open(path)
	if err != nil {
		return nil, err
	}
	h, _, l, err := readJournal(path, lines, actions, build)
	if err == nil {
		err = o.belongs(ctx, path, h, l)
	}
	return l, errors.Join(err, j.Close())
}

// writeRate resolves a registry write rate: 0 is the profile's repair_rps
// (DefaultRepairRPS when unset), +Inf no limit.
func (o *Ops) writeRate(rps float64) float64 {
	switch {
	case rps != 0:
		return rps
	case o.write > 0:
		return o.write
	}
	return DefaultRepairRPS
}
