package ops

import (
	"context"
	"errors"
	"fmt"
	"time"

	"wsops/data"
	"wsops/mgmt"
)

// DefaultPruneGrace is how young a record prune leaves alone by default: a
// connection being set up can look gone for a moment.
const DefaultPruneGrace = 60 * time.Second

// The wrong-endpoint guard: when at least guardMinGone probed connections
// are gone, they are guardGoneShare of all probed or more, and not one
// connection answers connected — up to guardWitnesses records younger than
// the grace are asked too, as witnesses that are nearly always live — the
// management API is more likely the wrong one (another stage, another API,
// another account's) than the fleet that stale.
const (
	guardMinGone   = 3
	guardGoneShare = 0.9
	guardWitnesses = 20
)

// PruneRequest is a prune: find the registry records whose connection is
// gone and delete them.
type PruneRequest struct {
	// Select picks the records to check (zero: all).
	Select data.Select
	// Grace leaves records younger than this alone, by their connectedAt
	// (0: none). A record with no readable connectedAt is checked.
	Grace time.Duration
	// RPS is GetConnection probes per second (0: the profile's management
	// RPS); never more than the profile's management RPS.
	RPS float64
	// Force deletes even when the probes look like a wrong endpoint.
	Force bool
	// Journal is where the journal goes ("": $XDG_STATE_HOME/wsops/journals/
	// <action>-<time>.jsonl); it must not exist yet.
	Journal string
}

// PrunePlan reads the records req selects and plans their check, without
// any call to the management API (--dry-run): the targets are the records
// old enough to be probed, young those younger than the grace (left alone).
func (o *Ops) PrunePlan(ctx context.Context, req PruneRequest) (targets, young []data.Connection, plan Plan, err error) {
	if req.Grace < 0 {
		return nil, nil, Plan{}, fmt.Errorf("prune: grace %v is negative", req.Grace)
	}
	if err := checkRate("prune", req.RPS, "probes"); err != nil {
		return nil, nil, Plan{}, err
	}
	conns, err := data.Collect(ctx, o.reg.Connections(ctx, req.Select))
	if err != nil {
		return nil, nil, Plan{}, fmt.Errorf("prune: reading the records: %w", err)
	}
	now := o.now()
	var ts []Target
	for _, c := range conns {
		if !c.ConnectedAt.IsZero() && now.Sub(c.ConnectedAt) < req.Grace {
			young = append(young, c)
			continue
		}
		targets = append(targets, c)
		ts = append(ts, targetOf(c))
	}
	return targets, young, Plan{Action: "prune", Filter: pruneFilter(req), Radius: RadiusOf(ts)}, nil
}

// PruneDryRun probes what a prune would check — GetConnection only reads —
// and reports what it would delete: the plan's radius counts the gone
// connections whose records a prune --yes run now deletes, by app × entity
// type; res counts what was checked, skipped and found gone. Nothing is
// written: no journal, no audit line.
func (o *Ops) PruneDryRun(ctx context.Context, req PruneRequest, progress func(Progress)) (PruneResult, Plan, error) {
	conns, young, plan, err := o.PrunePlan(ctx, req)
	if err != nil {
		return PruneResult{}, Plan{}, err
	}
	res := PruneResult{Skipped: len(young)}
	status, err := o.probeAll(ctx, conns, o.probeRate(req.RPS), &res, progress)
	if err != nil {
		return res, Plan{}, err
	}
	var gone []Target
	for _, c := range conns {
		if status[c.ID] == LiveGone {
			gone = append(gone, targetOf(c))
		}
	}
	plan.Radius = RadiusOf(gone)
	plan.Radius.Noun = "gone connections' records"
	return res, plan, probeErr(res)
}

// pruneFilter is a prune's targeting in words.
func pruneFilter(req PruneRequest) string {
	filter := fmt.Sprintf("stale records (grace %gs)", req.Grace.Seconds())
	if sel := (Targets{Select: req.Select}).String(); sel != "" {
		filter += " of " + sel
	}
	return filter
}

// Prune probes the records req selects that are older than the grace with
// GetConnection, at req's rate, and deletes the records of the gone ones
// with their subscriptions, as a journaled action: the records as they were
// are in the journal before the first delete (--undo puts them back).
// Live connections' records are never changed; a record whose probe fails
// is kept. The probes only read, so the confirmation comes after them and
// shows what would be deleted.
//
// Before deleting, the guard: a management URL of another API or stage than
// the WebSocket URL's, or probes that are nearly all gone, look like a
// wrong endpoint rather than a stale fleet; the prune then deletes nothing
// (ErrWrongEndpoint) unless req.Force.
func (o *Ops) Prune(ctx context.Context, req PruneRequest, progress func(Progress)) (PruneResult, error) {
	if err := o.writable(ctx, "prune", pruneFilter(req)); err != nil {
		return PruneResult{}, err
	}
	conns, young, plan, err := o.PrunePlan(ctx, req)
	if err != nil {
		return PruneResult{}, err
	}
	res := PruneResult{Skipped: len(young)}
	if !req.Force { // before probing for nothing (the guard checks it too)
		if err := o.rightEndpoint(ctx, "prune", plan.Filter); err != nil {
			return res, err
		}
	}
	status, err := o.probeAll(ctx, conns, o.probeRate(req.RPS), &res, progress)
	if err != nil {
		return res, err
	}
	live := res.Checked - res.Gone - res.Failed
	if err := o.guard(ctx, plan, res.Gone, res.Checked, live, req.Force, young[:min(len(young), guardWitnesses)]); err != nil {
		return res, err
	}
	var gone []data.Connection
	for _, c := range conns {
		if status[c.ID] == LiveGone {
			gone = append(gone, c)
		}
	}
	probed := probeErr(res) // before the deletes' failures join res.Failed
	if len(gone) == 0 {
		return res, probed
	}
	err = o.deleteGone(ctx, gone, plan.Filter, req.Journal, &res, progress)
	return res, errors.Join(err, probed)
}

// probeAll probes conns and tells each one's status; failed probes count
// in res.Failed.
func (o *Ops) probeAll(ctx context.Context, conns []data.Connection, rps float64, res *PruneResult, progress func(Progress)) (map[string]LiveStatus, error) {
	ids := make([]string, len(conns))
	for i, c := range conns {
		ids[i] = c.ID
	}
	status := make(map[string]LiveStatus, len(conns))
	var stopped error
	for l := range o.Probe(ctx, mgmt.StreamIDs(ids), rps, false) {
		if l.Final {
			stopped = l.Err
			continue
		}
		res.Checked++
		status[l.ID] = l.Status
		switch l.Status {
		case LiveGone:
			res.Gone++
		case LiveUnknown:
			res.Failed++
		}
		if progress != nil {
			progress(Progress{Done: res.Checked, Total: len(conns), Counts: []Count{{"gone", res.Gone}, {"failed", res.Failed}}})
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("prune: stopped after %d of %d probes, nothing deleted: %w", res.Checked, len(conns), err)
	}
	if stopped != nil {
		return nil, fmt.Errorf("prune: stopped after %d of %d probes, nothing deleted: %w", res.Checked, len(conns), stopped)
	}
	return status, nil
}

// guard refuses, audited, to delete the records of gone connections when
// the answers look like a wrong endpoint: a management URL of another API
// or stage, or gone of probed connections gone (at least guardMinGone, a
// guardGoneShare or more) with none connected — not live of them, and none
// of the witnesses, asked only then. Prune and DeleteRecords share it.
func (o *Ops) guard(ctx context.Context, plan Plan, gone, probed, live int, force bool, witnesses []data.Connection) error {
	if force {
		return nil
	}
	if err := o.rightEndpoint(ctx, "prune", plan.Filter); err != nil {
		return err
	}
	if live > 0 || gone < guardMinGone || float64(gone) < guardGoneShare*float64(probed) {
		return nil
	}
	if len(witnesses) > 0 {
		status, err := o.probeAll(ctx, witnesses, 0, &PruneResult{}, nil)
		if err != nil {
			return err
		}
		for _, s := range status {
			if s == LiveConnected {
				return nil // the endpoint knows this fleet: it is that stale
			}
		}
	}
	return o.refuse(ctx, plan, fmt.Errorf("prune: %w: %d of %d probed connections answer gone and none is connected (nor any of %d younger ones asked); "+
		"a stale fleet is rarely that stale, a management_url of another stage, API or account answers gone for every connection: "+
		"check management_url, or pass --force to delete anyway", ErrWrongEndpoint, gone, probed, len(witnesses)))
}

// probeErr says how many probes failed, if any did.
func probeErr(res PruneResult) error {
	if res.Failed == 0 {
		return nil
	}
	return fmt.Errorf("prune: %d of %d probes failed: their records are kept", res.Failed, res.Checked)
}
