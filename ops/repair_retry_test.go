package ops

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
	"wsops/ops/repairplan"
)

// retriedConflictRegistry: every conditional write is refused on the SDK's
// retry of an attempt whose answer was lost, and reading the record back fails.
type retriedConflictRegistry struct{ noRegistry }

func (retriedConflictRegistry) Schema() data.Schema { return data.WizzSchema() }

func (retriedConflictRegistry) Update(context.Context, data.Change) (data.Item, error) {
	return nil, fmt.Errorf("updating entityType: %w (%w)", data.ErrConflict, data.ErrRetried)
}

func (retriedConflictRegistry) Record(context.Context, bool, data.Item) (data.Item, error) {
	return nil, errors.New("DynamoDB did not answer within 10s")
}

// A write that may have landed (refused on the SDK's retry of an attempt
// whose answer was lost) and whose record cannot be read back is failed, not
// a final conflict: a resume looks at it again, an undo covers it.
func TestRepairWhoseRetriedWriteCannotBeReadBackIsStillUndone(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	o := stubOps(t, func(d *Deps) { d.Registry = retriedConflictRegistry{} })
	c := repairplan.Change{Rule: "entity-type", Op: repairplan.OpSet,
		Key:       data.Item{"connectionId": &types.AttributeValueMemberS{Value: "c1"}},
		Attribute: "entityType", Old: &types.AttributeValueMemberS{Value: "customer"}, New: &types.AttributeValueMemberS{Value: "merchant"},
		App: "order-receiver", EntityType: "customer"}
	j := filepath.Join(dir, "repair.jsonl")
	res, _ := o.Repair(ctx, RepairApply{Plan: repairplan.Plan{Rules: []string{"entity-type"}, Changes: []repairplan.Change{c}}, Journal: j}, nil)
	if res.Complete || res.Failed != 1 {
		t.Errorf("a write that may have landed and could not be read back: %+v, want it failed, the journal not complete", res)
	}
	undo, _ := o.UndoRepair(ctx, j, filepath.Join(dir, "undo.jsonl"), 0, nil)
	if undo.Journal == "" {
		t.Errorf("undo found nothing to reverse, but the repair's write may have landed: the record could stay changed")
	}
}
