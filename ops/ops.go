package ops

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"wsops/config"
	"wsops/data"
	"wsops/mgmt"
	"wsops/ops/auditlog"
	"wsops/ops/internal/journal"
	"wsops/ops/repairplan"
)

// Registry is what ops reads and writes of the connection registry: the
// registry boundary itself, whichever store stands behind it.
type Registry = data.Store

// Gateway is what ops calls of the management API.
type Gateway interface {
	Post(ctx context.Context, id string, payload []byte) error
	Get(ctx context.Context, id string) (mgmt.ConnectionInfo, error)
	Delete(ctx context.Context, id string) error
}

var _ Gateway = (*mgmt.Client)(nil)

// Identity names who acts, for the audit log: an STS ARN, or "sandbox".
type Identity func(ctx context.Context) (string, error)

// Deps are what an Ops works with; New refuses any that is missing.
type Deps struct {
	Registry Registry
	Gateway  Gateway
	Confirm  Confirmer
	Audit    *auditlog.Log
	// Caller is asked once, at the first audit line.
	Caller Identity
	Policy Policy
	// Place is where the calls go, as journals record it.
	Place Place
	// RPS is the profile's management_rps (0: mgmt.DefaultRPS); WriteRPS
	// its repair_rps (0: DefaultRepairRPS).
	RPS, WriteRPS float64
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// RepairRules are the profile's [[repair]] rules: listings flag the
	// records they (and the built-in rules) would change as problems.
	RepairRules []config.RepairRule
	// LogoutNotice is the profile's logout notice (nil: DefaultNotice).
	LogoutNotice []byte
	// Control reads the API itself (optional: without it, API and
	// Metrics answer ErrNoAPI).
	Control Control
}

// Ops runs operator actions on one profile's fleet. Every action goes
// through run: the safety checks, an audit line before the first call and
// one after the last, refusals and failures included.
type Ops struct {
	reg     Registry
	gw      Gateway
	confirm Confirmer
	audit   *auditlog.Log
	caller  Identity
	policy  Policy
	place   Place
	rps     float64
	write   float64
	clock   func() time.Time
	rules   []config.RepairRule
	checker func() *repairplan.Checker
	// logoutNotice is the profile's notice (nil: DefaultNotice).
	logoutNotice []byte
	control      Control
	// apiIDValue is the API's id once known, under apiIDOnce.
	apiIDOnce  sync.Mutex
	apiIDValue string
	// sweepQueued, when set (tests), is told whenever a logout's sweep
	// hands a connection's records to its run's delete batcher.
	sweepQueued func(waiting int)
}

// now is the Ops' clock.
func (o *Ops) now() time.Time { return o.clock() }

// New returns the Ops of deps.
func New(deps Deps) (*Ops, error) {
	switch {
	case deps.Registry == nil, deps.Gateway == nil, deps.Confirm == nil, deps.Audit == nil, deps.Caller == nil:
		return nil, errors.New("ops: a registry, a management API client, a confirmer, an audit log and a caller are all required")
	case deps.Policy.Profile == "":
		return nil, errors.New("ops: no profile name")
	}
	o := &Ops{reg: deps.Registry, gw: deps.Gateway, confirm: deps.Confirm, audit: deps.Audit, caller: deps.Caller,
		policy: deps.Policy, place: deps.Place, rps: deps.RPS, write: deps.WriteRPS, clock: deps.Now, rules: deps.RepairRules,
		logoutNotice: deps.LogoutNotice, control: deps.Control}
	if o.clock == nil {
		o.clock = time.Now
	}
	o.checker = sync.OnceValue(o.newChecker)
	return o, nil
}

// newChecker compiles the rules listings are checked by. A broken profile
// rule leaves the built-in ones: a repair plan reports the rule's error.
func (o *Ops) newChecker() *repairplan.Checker {
	if k, err := repairplan.NewChecker(o.reg.Schema(), o.rules); err == nil {
		return k
	}
	k, _ := repairplan.NewChecker(o.reg.Schema(), nil) // the built-in rules always compile
	return k
}

// Policy is the safety state of the profile the Ops acts on.
func (o *Ops) Policy() Policy { return o.policy }

// Schema is the registry's schema.
func (o *Ops) Schema() data.Schema { return o.reg.Schema() }

// Outcome is what an action reports for its audit line.
type Outcome struct {
	Result  map[string]int
	Journal string
	Payload []byte // fingerprinted in the audit line, never written
}

// run authorizes plan, writes the audit's start line (durably: no line, no
// call), runs do, and writes the end line with the result, whatever
// happens. A refusal is audited too, with no calls made. The run's time and
// duration start once the operator has confirmed: the time spent reading
// the prompt is not the action's.
func (o *Ops) run(ctx context.Context, plan Plan, do func(context.Context) (Outcome, error)) error {
	if err := o.policy.Authorize(ctx, plan, o.confirm); err != nil {
		return o.refuse(ctx, plan, err)
	}
	start := o.now()
	entry := auditlog.Entry{Time: start.UTC(), Profile: o.policy.Profile, Action: plan.Action,
		Filter: plan.Filter, Targets: plan.Radius.Total, Journal: plan.Journal}
	entry.Caller = o.callerName(ctx)
	entry.Run = auditlog.NewRunID()
	if err := o.audit.Start(entry); err != nil {
		return fmt.Errorf("%s: nothing done: %w", plan.Action, err)
	}
	out, err := do(ctx)
	entry.Result, entry.Journal = out.Result, out.Journal
	if out.Payload != nil {
		entry.Fingerprint(out.Payload)
	}
	entry.DurationMS = o.now().Sub(start).Milliseconds()
	if err != nil {
		entry.Error = err.Error()
	}
	return errors.Join(err, o.audit.End(entry))
}

// refuse audits a refusal (one line, no phase: no call was made) and
// returns it.
func (o *Ops) refuse(ctx context.Context, plan Plan, err error) error {
	entry := auditlog.Entry{Time: o.now().UTC(), Profile: o.policy.Profile, Caller: o.callerName(ctx), Action: plan.Action,
		Filter: plan.Filter, Targets: plan.Radius.Total, Journal: plan.Journal, Error: err.Error()}
	return errors.Join(err, o.audit.Append(entry))
}

// callerName is who acts, or why that is unknown.
func (o *Ops) callerName(ctx context.Context) string {
	if o.policy.ReadOnly {
		return "(not asked: read-only profile)"
	}
	name, err := o.caller(ctx)
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	return name
}

// writable refuses, audited, an action on a read-only profile before any
// call at all (the registry's reads included).
func (o *Ops) writable(ctx context.Context, action, filter string) error {
	if !o.policy.ReadOnly {
		return nil
	}
	return o.run(ctx, Plan{Action: action, Filter: filter}, nil)
}

// journalPath is path, or the default place for an action's journal.
func (o *Ops) journalPath(path, action string) (string, error) {
	if path != "" {
		return path, nil
	}
	return journal.DefaultPath(action, o.now())
}

// fresh prepares a new journaled run of act: its header and its ledger.
func (o *Ops) fresh(act action, path, action, filter string, rps float64, plan any) (*journaled, error) {
	path, err := o.journalPath(path, action)
	if err != nil {
		return nil, err
	}
	h := header{Format: journalFormat, Action: action, Profile: o.policy.Profile, Place: o.place,
		Time: o.now().UTC(), Filter: filter, RPS: rateOf(rps)}
	if h.Plan, err = marshalPlan(plan); err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	return &journaled{o: o, path: path, h: h, act: act, l: newLedger(act.keys())}, nil
}
