package ops

import (
	"context"
	"errors"
	"fmt"

	"wsops/data"
)

// DeleteRecords deletes the registry records of the connections ids — the
// connection records and their subscriptions — as a "prune" action: a plan
// (the records' blast radius), the safety checks and the confirmation, one
// audit line. It is for ids already known to be gone (a send's gone
// targets): it makes no call to the management API, so it does not check
// again that the connections are closed.
func (o *Ops) DeleteRecords(ctx context.Context, ids []string) (data.DeleteResult, error) {
	if len(ids) == 0 {
		return data.DeleteResult{}, fmt.Errorf("prune: %w", ErrNoTargets)
	}
	if o.Registry == nil && !o.Policy.ReadOnly {
		return data.DeleteResult{}, errors.New("prune: no registry")
	}
	targets, plan, err := o.Plan(ctx, "prune", Targets{Conns: ids}, 0)
	if err != nil {
		return data.DeleteResult{}, err // a refusal here is audited already
	}
	plan.Filter = fmt.Sprintf("records of %d gone connections", len(targets))
	var res data.DeleteResult
	err = o.run(ctx, plan, func(ctx context.Context) (Outcome, error) {
		var err error
		res, err = o.Registry.DeleteConnections(ctx, IDs(targets))
		out := Outcome{Result: map[string]int{
			"deleted": res.Connections, "deleted_subscriptions": res.Subscriptions, "failed": len(res.Failed),
		}}
		if err == nil && len(res.Failed) > 0 {
			err = fmt.Errorf("prune: %d records left unprocessed", len(res.Failed))
		}
		return out, err
	})
	return res, err
}
