package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wsops/data"
	"wsops/internal/testrig"
	"wsops/ops/internal/journal"
	"wsops/ops/repairplan"
)

// seedWrongConnections writes n order-receiver connections written as
// customer: the entity-type rule plans one set per connection.
func seedWrongConnections(t *testing.T, r *repairRig, n int) {
	var conns []data.Connection
	for i := range n {
		c := r.conn(i+1, "order-receiver")
		c.EntityType, c.BusinessID = "customer", fmt.Sprintf("b-%d", i+1)
		conns = append(conns, c)
	}
	r.put(t, conns, nil)
}

// journalEntries reads a journal's complete lines after its header.
func journalEntries(t *testing.T, path string) []entry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	complete := b[:strings.LastIndexByte(string(b), '\n')+1]
	var out []entry
	for i, line := range strings.Split(strings.TrimSuffix(string(complete), "\n"), "\n") {
		if i == 0 {
			continue
		}
		var e entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("journal line %d %q: %v", i+1, line, err)
		}
		out = append(out, e)
	}
	return out
}

func TestRepairStopsWhenItsJournalCannotBeWritten(t *testing.T) {
	eachRepairBackend(t, data.WizzSchema(), func(t *testing.T, r *repairRig) {
		seedWrongConnections(t, r, 40)
		plan, err := r.ops.RepairPlan(context.Background(), repairplan.Request{Only: []string{repairplan.RuleEntityType}})
		if err != nil || len(plan.Changes) != 40 {
			t.Fatalf("plan of %d changes, %v", len(plan.Changes), err)
		}
		// As many changes as leave the header room on an 8 KB disk: their
		// intents and outcomes (the records' images) cannot all fit.
		var selected []int
		size := 0
		for i, c := range plan.Changes {
			raw, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			if size += len(raw) + 1; size > 4000 {
				break
			}
			selected = append(selected, i)
		}
		path := filepath.Join(testrig.SmallDisk(t, 8192), "repair.jsonl")
		before, _ := r.entities(t)
		// Paced, so that outcomes (buffered) go to the disk with later intents.
		res, err := r.ops.Repair(context.Background(), RepairApply{Plan: plan, Selected: selected, RPS: 40, Journal: path}, nil)
		if !errors.Is(err, journal.ErrWrite) {
			t.Fatalf("error %v, want one wrapping journal.ErrWrite (result %+v)", err, res)
		}
		intended := map[string]bool{}
		for _, e := range journalEntries(t, path) {
			if e.T != nil && e.Intent == "write" {
				intended[plainString(plan.Changes[selected[*e.T]].Key["connectionId"])] = true
			}
		}
		after, _ := r.entities(t)
		changed := 0
		for id, entity := range after {
			if entity == before[id] {
				continue
			}
			changed++
			if !intended[id] {
				t.Errorf("%s was written (%s → %s) with no intent in the journal", id, before[id], entity)
			}
		}
		t.Logf("%d of %d records changed before the disk filled", changed, len(selected))
		if changed == 0 || changed >= len(selected) {
			t.Errorf("%d of %d records changed: want the disk to fill partway", changed, len(selected))
		}
	})
}

func TestUndoIsCompleteAfterACrash(t *testing.T) {
	eachRepairBackend(t, data.WizzSchema(), func(t *testing.T, r *repairRig) {
		seedIncident(t, r)
		ctx := context.Background()
		before, beforeSubs := r.entities(t)
		plan, err := r.ops.RepairPlan(ctx, repairplan.Request{})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(r.dir, "j.jsonl")
		if res, err := r.ops.Repair(ctx, RepairApply{Plan: plan, RPS: math.Inf(1), Journal: path}, nil); err != nil || res.Applied != 5 {
			t.Fatalf("apply: %+v, %v", res, err)
		}
		// The run is cut off after its writes, before any outcome reached
		// the disk: the journal keeps its header and intents only.
		var kept []string
		for i, line := range journalLines(t, path) {
			if i == 0 || !strings.Contains(line, `"step"`) {
				kept = append(kept, line)
			}
		}
		if len(kept) != 6 {
			t.Fatalf("%d lines kept, want the header and 5 intents", len(kept))
		}
		if err := os.WriteFile(path, []byte(strings.Join(kept, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		// One of them was cut off between its intent and its write.
		r.setEntity(t, "R00000000000002=", "customer")

		undo, err := r.ops.UndoRepair(ctx, path, filepath.Join(r.dir, "undo.jsonl"), 0, nil)
		if err != nil || undo.Applied != 4 || undo.Already != 1 || undo.Conflicts != 0 || !undo.Complete {
			t.Fatalf("undo: %+v, %v; want the 4 written restored and the unwritten one left (already as it was)", undo, err)
		}
		if conns, subs := r.entities(t); !mapsEqual(conns, before) || !mapsEqual(subs, beforeSubs) {
			t.Errorf("after undo:\n%v\n%v\nwant:\n%v\n%v", conns, subs, before, beforeSubs)
		}
	})
}

func TestAlreadyIsNeverUndone(t *testing.T) {
	eachRepairBackend(t, data.WizzSchema(), func(t *testing.T, r *repairRig) {
		seedIncident(t, r)
		ctx := context.Background()
		plan, err := r.ops.RepairPlan(ctx, repairplan.Request{Only: []string{repairplan.RuleEntityType}})
		if err != nil {
			t.Fatal(err)
		}
		r.setEntity(t, "R00000000000001=", "merchant") // another writer did this one's work
		res, err := r.ops.Repair(ctx, RepairApply{Plan: plan, Journal: filepath.Join(r.dir, "j.jsonl")}, nil)
		if err != nil || res.Applied != 3 || res.Already != 1 || res.Conflicts != 0 {
			t.Fatalf("apply: %+v, %v; want 3 applied and 1 already", res, err)
		}
		undo, err := r.ops.UndoRepair(ctx, res.Journal, "", 0, nil)
		if err != nil || undo.Applied != 3 || undo.Conflicts != 0 {
			t.Fatalf("undo: %+v, %v; want the 3 applied restored", undo, err)
		}
		conns, subs := r.entities(t)
		if conns["R00000000000001="] != "merchant" || conns["R00000000000002="] != "customer" || subs["R00000000000001= order#o-1"] != "customer" {
			t.Errorf("after undo %v %v: want the other writer's merchant kept, the repair's own writes undone", conns, subs)
		}
	})
}
