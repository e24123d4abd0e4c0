package ops

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
)

// ToggleActive flips one subscription's active flag (a merchant's
// business-status toggle that did not flip, ecosystems.md) with a
// conditional write: only if the record still holds the flag exactly as the
// operator saw it (absent included). A conflict is data.ErrConflict. Safety
// and audit as every action; app, the subscription's connection's app when
// known, places it in the radius.
func (o *Ops) ToggleActive(ctx context.Context, sub data.Subscription, app string) error {
	s := o.reg.Schema()
	attr := s.Subscriptions.Attrs.Active
	if attr == "" {
		return fmt.Errorf("toggle active: the %s preset's subscriptions have no active flag", s.Preset)
	}
	action := "deactivate"
	if !sub.Active {
		action = "activate"
	}
	plan := Plan{Action: action, Filter: fmt.Sprintf("subscription %s of %s", sub.Key, sub.ConnectionID),
		Radius: Radius{Total: 1, Noun: "records", Cells: map[data.AppEntity]int{{App: app, EntityType: sub.EntityType}: 1}}}
	return o.run(ctx, plan, func(ctx context.Context) (Outcome, error) {
		_, err := o.reg.Update(ctx, data.Change{Subscriptions: true, Key: o.reg.KeyOf(true, sub.Item), Attribute: attr,
			Old: sub.Item[attr], New: &types.AttributeValueMemberBOOL{Value: !sub.Active}})
		if err != nil {
			return Outcome{Result: map[string]int{"updated": 0}}, err
		}
		return Outcome{Result: map[string]int{"updated": 1}}, nil
	})
}
