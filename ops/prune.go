package ops

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"wsops/client"
	"wsops/data"
)

// DefaultPruneGrace is how young a record prune leaves alone by default: a
// connection being set up can look gone for a moment.
const DefaultPruneGrace = 60 * time.Second

// PruneRequest is a prune: find the registry records whose connection is
// gone and delete them.
type PruneRequest struct {
	// Select picks the records to check (zero: all).
	Select data.Select
	// Grace leaves records younger than this alone, by their connectedAt
	// (0: DefaultPruneGrace). A record with no readable connectedAt is checked.
	Grace time.Duration
	// RPS is GetConnection probes per second (0: the profile's management
	// RPS); never more than the profile's management RPS.
	RPS float64
}

// PruneResult is what a prune did; its JSON is design.md's prune output plus
// skipped.
type PruneResult struct {
	// Checked counts records probed with GetConnection.
	Checked int `json:"checked"`
	// Gone counts probed records whose connection is gone.
	Gone int `json:"gone"`
	// Deleted counts gone connections whose records (the connection record
	// and its subscriptions) were deleted.
	Deleted int `json:"deleted"`
	// Failed counts probes that failed (the record is kept) and gone
	// connections whose records could not be deleted.
	Failed int `json:"failed"`
	// Skipped counts records left alone as younger than the grace.
	Skipped int `json:"skipped"`
}

// counts is the result for the audit line, keyed as the JSON output.
func (r PruneResult) counts() map[string]int {
	return map[string]int{"checked": r.Checked, "gone": r.Gone, "deleted": r.Deleted, "failed": r.Failed, "skipped": r.Skipped}
}

// PrunePlan reads the records req selects and plans their check, without
// any call to the management API (--dry-run): the targets are the records
// old enough to be probed, skipped counts those younger than the grace. The
// plan's radius is the probed records by app × entity type. On a read-only
// profile it refuses, audited, before any call, as Plan does.
func (o *Ops) PrunePlan(ctx context.Context, req PruneRequest) (targets []Target, skipped int, plan Plan, err error) {
	grace, err := req.grace()
	if err != nil {
		return nil, 0, Plan{}, err
	}
	if req.RPS < 0 || math.IsNaN(req.RPS) {
		return nil, 0, Plan{}, fmt.Errorf("prune: rate %v: want a positive number of probes per second", req.RPS)
	}
	filter := "stale records (grace " + graceWords(grace) + ")"
	if sel := (Targets{Select: req.Select}).String(); sel != "" {
		filter += " of " + sel
	}
	if o.Policy.ReadOnly { // refused before any call, and audited, as Plan does
		plan := Plan{Action: "prune", Filter: filter}
		return nil, 0, plan, o.run(ctx, plan, nil)
	}
	if o.Registry == nil {
		return nil, 0, Plan{}, errors.New("prune: no registry")
	}
	conns, err := data.Collect(ctx, o.Registry.Connections(ctx, req.Select))
	if err != nil {
		return nil, 0, Plan{}, fmt.Errorf("prune: reading the records: %w", err)
	}
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	for _, c := range conns {
		if !c.ConnectedAt.IsZero() && now.Sub(c.ConnectedAt) < grace {
			skipped++
			continue
		}
		targets = append(targets, Target{ID: c.ID, User: c.User, App: c.App, EntityType: c.EntityType})
	}
	return targets, skipped, Plan{Action: "prune", Filter: filter, Radius: RadiusOf(targets)}, nil
}

// Prune probes the records req selects that are older than the grace with
// GetConnection, at req's rate, and deletes the records of the gone ones
// with their subscriptions, in batches. Live connections' records are never
// changed; a record whose probe fails is kept.
//
// The run is authorized, then audited with the result, whatever happens.
// When ctx is cancelled no further probe or batch starts, probes and a batch
// in flight finish, and the result says what was done (gone records not yet
// deleted count in Gone, not Deleted); the error then wraps ctx's error. An
// error with a non-zero result reports a partial run; Refused(err) reports a
// refusal. progress, when set, is called after each probe.
func (o *Ops) Prune(ctx context.Context, req PruneRequest, progress func(checked, total int)) (PruneResult, error) {
	targets, skipped, plan, err := o.PrunePlan(ctx, req)
	if err != nil {
		return PruneResult{}, err
	}
	// res stays zero when the run is refused.
	var res PruneResult
	err = o.run(ctx, plan, func(ctx context.Context) (Outcome, error) {
		res.Skipped = skipped
		err := o.prune(ctx, req.RPS, targets, &res, progress)
		return Outcome{Result: res.counts()}, err
	})
	return res, err
}

func (o *Ops) prune(ctx context.Context, rps float64, targets []Target, res *PruneResult, progress func(checked, total int)) error {
	if o.Mgmt == nil {
		return errors.New("prune: no management API client")
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	sweep := &recordSweep{reg: o.Registry}
	// A batch once started completes, so that its counts are known.
	batchCtx := context.WithoutCancel(ctx)
	var first error
	failedProbes := 0
	for ev := range o.pruneFanOut(rps).Probe(runCtx, o.Mgmt, client.StreamIDs(IDs(targets))) {
		if ev.Final {
			continue
		}
		res.Checked = ev.Progress.Done
		switch r := ev.Result; r.Outcome {
		case client.Gone:
			res.Gone++
			if runCtx.Err() == nil {
				sweep.add(batchCtx, r.ID, true)
			}
		case client.Delivered: // live: its records stay
		default:
			failedProbes++
			if first == nil {
				first = r.Err
			}
		}
		if sweep.err != nil {
			stop() // the registry fails: probe no further
		}
		if progress != nil {
			progress(res.Checked, len(targets))
		}
	}
	if ctx.Err() == nil {
		sweep.flush(batchCtx)
	}
	res.Deleted = sweep.cleaned
	res.Failed = failedProbes + len(sweep.failed)
	var failures, stopped error
	if first != nil {
		failures = fmt.Errorf("%d of %d probes failed, first: %w", failedProbes, len(targets), first)
	}
	if ctx.Err() != nil {
		stopped = fmt.Errorf("stopped after %d of %d probes: %w", res.Checked, len(targets), context.Cause(ctx))
	}
	return joinErrs("prune", stopped, failures, sweep.err)
}

// pruneFanOut is the engine configuration of a prune at rps probes per
// second (0: the profile's RPS), never above the profile's RPS.
func (o *Ops) pruneFanOut(rps float64) client.FanOut {
	if rps <= 0 {
		rps = o.RPS
	}
	if o.RPS > 0 {
		rps = min(rps, o.RPS)
	}
	return client.FanOut{RPS: rps} // 0: the engine's default
}

// grace is the request's grace, DefaultPruneGrace when zero.
func (req PruneRequest) grace() (time.Duration, error) {
	switch {
	case req.Grace < 0:
		return 0, fmt.Errorf("prune: grace %v is negative", req.Grace)
	case req.Grace == 0:
		return DefaultPruneGrace, nil
	}
	return req.Grace, nil
}

// graceWords writes a grace as the plan shows it: "60s", "1.5s".
func graceWords(d time.Duration) string {
	return fmt.Sprintf("%gs", d.Seconds())
}
