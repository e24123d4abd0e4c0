package ops

import (
	"encoding/json"
	"errors"
	"fmt"

	"wsops/config"
	"wsops/data"
)

// repairRecord is a RepairChange as its journal holds it: DynamoDB JSON
// values, so that their types survive; an "old" of null means the
// attribute was absent.
type repairRecord struct {
	Rule       string          `json:"rule"`
	Table      string          `json:"table"`
	Op         RepairOp        `json:"op"`
	Key        item            `json:"key"`
	Attribute  string          `json:"attribute,omitempty"`
	Old        json.RawMessage `json:"old,omitempty"`
	New        json.RawMessage `json:"new,omitempty"`
	Record     item            `json:"record,omitempty"`
	App        string          `json:"app,omitempty"`
	EntityType string          `json:"entity_type,omitempty"`
}

// MarshalJSON writes the change as its journal holds it.
func (c RepairChange) MarshalJSON() ([]byte, error) {
	r := repairRecord{Rule: c.Rule, Table: c.Table(), Op: c.Op, Key: item(c.Key), Attribute: c.Attribute,
		App: c.App, EntityType: c.EntityType}
	var errs [2]error
	if c.Op == OpSet {
		r.Old, errs[0] = data.MarshalValue(c.Old)
		r.New, errs[1] = data.MarshalValue(c.New)
	} else {
		r.Record = item(c.Record)
	}
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return json.Marshal(r)
}

// UnmarshalJSON reads a change written by MarshalJSON, and refuses one that
// names no table, operation or key.
func (c *RepairChange) UnmarshalJSON(b []byte) error {
	var r repairRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	*c = RepairChange{Rule: r.Rule, Subscriptions: r.Table == config.RepairSubscriptions, Op: r.Op, Key: data.Item(r.Key),
		Attribute: r.Attribute, Record: data.Item(r.Record), App: r.App, EntityType: r.EntityType}
	switch {
	case r.Table != config.RepairSubscriptions && r.Table != config.RepairConnections:
		return fmt.Errorf("change of table %q", r.Table)
	case len(c.Key) == 0:
		return errors.New("a change with no key")
	case r.Op == OpSet:
		var errs [2]error
		c.Old, errs[0] = data.UnmarshalValue(r.Old)
		c.New, errs[1] = data.UnmarshalValue(r.New)
		return errors.Join(errs[:]...)
	case r.Op != OpCreate && r.Op != OpDelete:
		return fmt.Errorf("change op %q", r.Op)
	case len(c.Record) == 0:
		return fmt.Errorf("a %s with no record", r.Op)
	}
	return nil
}

// inverse is the change that undoes an applied one.
func (c RepairChange) inverse() RepairChange {
	inv := c
	switch c.Op {
	case OpSet:
		inv.Old, inv.New = c.New, c.Old
	case OpCreate:
		inv.Op = OpDelete
	case OpDelete:
		inv.Op = OpCreate
	}
	return inv
}
