package ops

import (
	"context"
	"errors"
	"time"

	"wsops/client"
	"wsops/data"
)

// Ops runs operator actions on one profile's fleet. Every action goes through
// run: targets resolved, safety authorized, the action done, one audit line
// written — refusals and failures included.
type Ops struct {
	Registry *data.Registry
	Mgmt     *client.Management
	Policy   Policy
	Confirm  Confirmer
	Audit    *AuditLog
	Caller   string           // STS ARN, or "sandbox"
	RPS      float64          // the profile's management_rps
	WriteRPS float64          // the profile's repair_rps (0: DefaultRepairRPS)
	Now      func() time.Time // default time.Now
}

// Plan resolves targets into the plan an action would carry out, without any
// call to the management API (what --dry-run prints). On a read-only profile
// it refuses before any call at all, and audits the refusal.
func (o *Ops) Plan(ctx context.Context, action string, t Targets, payloadSize int) ([]Target, Plan, error) {
	if o.Policy.ReadOnly {
		plan := Plan{Action: action, Filter: t.String(), PayloadSize: payloadSize}
		return nil, plan, o.run(ctx, plan, nil)
	}
	targets, radius, err := Resolve(ctx, o.Registry, t)
	if err != nil {
		return nil, Plan{}, err
	}
	return targets, Plan{Action: action, Filter: t.String(), Radius: radius, PayloadSize: payloadSize}, nil
}

// Outcome is what an action reports for its audit line.
type Outcome struct {
	Result  map[string]int
	Journal string
	Payload []byte // fingerprinted in the audit line, never written
}

// run authorizes plan, runs do, and appends the audit line whatever happens.
// A refusal is audited too, with no calls made (do may be nil when the
// caller knows the plan is refused).
func (o *Ops) run(ctx context.Context, plan Plan, do func(context.Context) (Outcome, error)) error {
	if o.Audit == nil {
		return errors.New(plan.Action + ": no audit log: wsops does not mutate unaudited")
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	start := now()
	entry := AuditEntry{Time: start.UTC(), Profile: o.Policy.Profile, Caller: o.Caller, Action: plan.Action,
		Filter: plan.Filter, Targets: plan.Radius.Total}
	err := o.Policy.Authorize(ctx, plan, o.Confirm)
	var out Outcome
	if err == nil {
		out, err = do(ctx)
	}
	entry.Result, entry.Journal = out.Result, out.Journal
	if out.Payload != nil {
		entry.Fingerprint(out.Payload)
	}
	entry.DurationMS = now().Sub(start).Milliseconds()
	if err != nil {
		entry.Error = err.Error()
	}
	return errors.Join(err, o.Audit.Append(entry))
}
