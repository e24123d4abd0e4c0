package repairplan

import (
	"encoding/json"
	"errors"
	"fmt"

	"wsops/config"
	"wsops/data"
)

// repairRecord is a Change as a journal holds it: DynamoDB JSON
// values, so that their types survive; an "old" of null means the
// attribute was absent.
type repairRecord struct {
	Rule       string          `json:"rule"`
	Table      string          `json:"table"`
	Op         Op              `json:"op"`
	Key        json.RawMessage `json:"key"`
	Attribute  string          `json:"attribute,omitempty"`
	Old        json.RawMessage `json:"old,omitempty"`
	New        json.RawMessage `json:"new,omitempty"`
	Record     json.RawMessage `json:"record,omitempty"`
	App        string          `json:"app,omitempty"`
	EntityType string          `json:"entity_type,omitempty"`
}

// MarshalJSON writes the change as its journal holds it.
func (c Change) MarshalJSON() ([]byte, error) {
	r := repairRecord{Rule: c.Rule, Table: c.Table(), Op: c.Op, Attribute: c.Attribute, App: c.App, EntityType: c.EntityType}
	var errs [3]error
	r.Key, errs[0] = data.MarshalItem(c.Key)
	if c.Op == OpSet {
		r.Old, errs[1] = data.MarshalValue(c.Old)
		r.New, errs[2] = data.MarshalValue(c.New)
	} else {
		r.Record, errs[1] = data.MarshalItem(c.Record)
	}
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return json.Marshal(r)
}

// UnmarshalJSON reads a change written by MarshalJSON, and refuses one that
// names no table, operation or key.
func (c *Change) UnmarshalJSON(b []byte) error {
	var r repairRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	*c = Change{Rule: r.Rule, Subscriptions: r.Table == config.RepairSubscriptions, Op: r.Op,
		Attribute: r.Attribute, App: r.App, EntityType: r.EntityType}
	var err error
	if c.Key, err = data.UnmarshalItem(r.Key); err != nil {
		return err
	}
	if len(r.Record) > 0 && string(r.Record) != "null" {
		if c.Record, err = data.UnmarshalItem(r.Record); err != nil {
			return err
		}
	}
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

// Inverse is the change that undoes an applied one.
func (c Change) Inverse() Change {
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
