package ops

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"wsops/config"
	"wsops/data"
)

// The repair journal, one JSON object per line:
//
//	{"format":"wsops-repair-journal/1","action":"repair","profile":"sandbox","time":"…","rules":["entity-type"],"rps":100,
//	 "changes":[{"rule":"entity-type","table":"connections","op":"set","key":{"connectionId":{"S":"L0SM9cOFvHcCIhw="}},
//	             "attribute":"entityType","old":{"S":"customer"},"new":{"S":"merchant"},"app":"order-receiver","entity_type":"customer"},…]}
//	{"i":0,"outcome":"applied","before":{…item…},"after":{…item…}}
//	{"i":1,"outcome":"conflict","current":{…item…}}
//	{"i":2,"outcome":"failed","error":"…"}
//	{"event":"cancelled","time":"…","not_attempted":812}
//	{"event":"resume","time":"…"}
//
// Values are DynamoDB JSON, so their types survive. An "old" of null means
// the attribute was absent. The header fixes the plan: a resume applies the
// changes with no applied or conflict line, never re-reading the tables;
// --undo applies the inverse of every applied change. before/after are the
// record's images around the write (after is null for a delete).

// repairJournalFormat names the format in the header.
const repairJournalFormat = "wsops-repair-journal/1"

// repairHeader is the first line of a repair journal.
type repairHeader struct {
	Format  string         `json:"format"`
	Action  string         `json:"action"` // repair, repair-undo
	Profile string         `json:"profile"`
	Time    time.Time      `json:"time"`
	Rules   []string       `json:"rules,omitempty"`
	UndoOf  string         `json:"undo_of,omitempty"`
	RPS     *float64       `json:"rps"` // nil: no limit
	Changes []repairRecord `json:"changes"`
}

// rate is the write rate the header records.
func (h repairHeader) rate() float64 {
	if h.RPS == nil {
		return math.Inf(1)
	}
	return *h.RPS
}

// journalRate is a write rate as the header records it (+Inf: nil).
func journalRate(rps float64) *float64 {
	if math.IsInf(rps, 1) {
		return nil
	}
	return &rps
}

// repairRecord is a RepairChange in the journal.
type repairRecord struct {
	Rule       string          `json:"rule"`
	Table      string          `json:"table"`
	Op         RepairOp        `json:"op"`
	Key        json.RawMessage `json:"key"`
	Attribute  string          `json:"attribute,omitempty"`
	Old        json.RawMessage `json:"old,omitempty"`
	New        json.RawMessage `json:"new,omitempty"`
	Record     json.RawMessage `json:"record,omitempty"`
	App        string          `json:"app,omitempty"`
	EntityType string          `json:"entity_type,omitempty"`
}

// repairEntry is every later line: a change's outcome, or an event.
type repairEntry struct {
	I            *int            `json:"i,omitempty"`
	Outcome      string          `json:"outcome,omitempty"` // applied, conflict, failed
	Before       json.RawMessage `json:"before,omitempty"`
	After        json.RawMessage `json:"after,omitempty"`
	Current      json.RawMessage `json:"current,omitempty"`
	Error        string          `json:"error,omitempty"`
	Event        string          `json:"event,omitempty"` // cancelled, resume
	Time         *time.Time      `json:"time,omitempty"`
	NotAttempted int             `json:"not_attempted,omitempty"`
}

// Outcomes of a repair change.
const (
	outcomeApplied  = "applied"
	outcomeConflict = "conflict"
	outcomeFailed   = "failed"
)

func encodeChange(c RepairChange) (repairRecord, error) {
	r := repairRecord{Rule: c.Rule, Table: c.Table(), Op: c.Op, Attribute: c.Attribute, App: c.App, EntityType: c.EntityType}
	var errs [4]error
	r.Key, errs[0] = data.MarshalItem(c.Key)
	if c.Op == OpSet {
		r.Old, errs[1] = data.MarshalValue(c.Old)
		r.New, errs[2] = data.MarshalValue(c.New)
	} else {
		r.Record, errs[3] = data.MarshalItem(c.Record)
	}
	return r, errors.Join(errs[:]...)
}

func decodeChange(r repairRecord) (RepairChange, error) {
	c := RepairChange{Rule: r.Rule, Subscriptions: r.Table == config.RepairSubscriptions, Op: r.Op,
		Attribute: r.Attribute, App: r.App, EntityType: r.EntityType}
	if r.Table != config.RepairSubscriptions && r.Table != config.RepairConnections {
		return c, fmt.Errorf("table %q", r.Table)
	}
	var errs [4]error
	c.Key, errs[0] = data.UnmarshalItem(r.Key)
	switch r.Op {
	case OpSet:
		c.Old, errs[1] = data.UnmarshalValue(r.Old)
		c.New, errs[2] = data.UnmarshalValue(r.New)
	case OpCreate, OpDelete:
		c.Record, errs[3] = data.UnmarshalItem(r.Record)
	default:
		return c, fmt.Errorf("op %q", r.Op)
	}
	if err := errors.Join(errs[:]...); err != nil {
		return c, err
	}
	if len(c.Key) == 0 {
		return c, errors.New("no key")
	}
	return c, nil
}

// repairJournal is a repair journal read back: its header, the changes of
// its plan, and the outcome of each change that has one (the last line wins).
type repairJournal struct {
	header   repairHeader
	changes  []RepairChange
	outcomes map[int]repairEntry
}

// readRepairJournal parses a repair journal's lines.
func readRepairJournal(path string, lines [][]byte) (*repairJournal, error) {
	r := &repairJournal{outcomes: map[int]repairEntry{}}
	if err := readJournalHeader(path, lines, repairJournalFormat, "repair", &r.header); err != nil {
		return nil, err
	}
	r.changes = make([]RepairChange, len(r.header.Changes))
	for i, rec := range r.header.Changes {
		c, err := decodeChange(rec)
		if err != nil {
			return nil, fmt.Errorf("journal %s: change %d: %w", path, i, err)
		}
		r.changes[i] = c
	}
	err := readJournalEntries(path, lines, func(e repairEntry) error {
		if e.I == nil {
			return nil
		}
		if *e.I < 0 || *e.I >= len(r.changes) {
			return fmt.Errorf("change %d of %d", *e.I, len(r.changes))
		}
		r.outcomes[*e.I] = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// profile is the profile the journal was written on.
func (r *repairJournal) profile() string { return r.header.Profile }

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
