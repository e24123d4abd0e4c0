package crash

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

const (
	repairRecords = 150
	repairRate    = 150
)

// seedIncident writes n records of the store's incident app miswritten
// with its wrong entity type (wizz: order-receivers as customer; this27:
// rider-app connections as customer), which the entity-type rule fixes,
// and returns their ids.
func seedIncident(w *world, round string, n int) []string {
	ids := make([]string, n)
	recs := make([]seedRecord, n)
	now := time.Now()
	miswritten := app{w.store.incident.name, w.store.wrong}
	for i := range n {
		ids[i] = fmt.Sprintf("crash-%s-%03d=", round, i)
		recs[i] = seedRecord{id: ids[i], user: fmt.Sprintf("crash-incident-%s-%d", round, i), app: miswritten, at: now}
	}
	w.reg.seed(recs...)
	return ids
}

// entityTypes counts the entity types of ids' records ("missing" for no record).
func entityTypes(w *world, ids []string) map[string]int {
	recs := w.reg.connections()
	out := map[string]int{}
	for _, id := range ids {
		if r, ok := recs[id]; ok {
			out[r[w.store.entityAttr]]++
		} else {
			out["missing"]++
		}
	}
	return out
}

// runRepairUndone: repair --apply, SIGKILL, then repair --undo of the
// killed run's journal without resuming it first: every record must be
// back to its wrong entity type.
func runRepairUndone(t *testing.T, w *world, rng *rand.Rand, kills int, ty *tally) {
	for k := range ty.rounds(t, kills) {
		ids := seedIncident(w, fmt.Sprintf("ru%d", k), repairRecords)
		kr := w.killAt(rng, ty.window(k, repairRecords, repairRate), repairApplyCmd(repairRate)...)
		auditFigures(ty, kr)
		changed := repairRecords - entityTypes(w, ids)[w.store.wrong]
		ty.add("records changed when the kill landed", "", changed)
		switch {
		case kr.journal() != "":
			if _, ok := w.finish(repairUndoCmd(kr.journal(), 0)...); !ok {
				ty.add("rounds whose undo never exited 0", "= 0", 1)
			}
		case kr.mutations > 0:
			ty.add("killed runs that wrote but left no journal", "= 0", 1)
		}
		got := entityTypes(w, ids)
		ty.add("records left changed after the undo", "= 0", repairRecords-got[w.store.wrong])
		ty.add("records lost (missing) after the undo", "= 0", got["missing"])
		w.reg.remove(ids)
	}
}

// runRepairResumed: repair --apply, SIGKILL, repair --resume to the end:
// every record must be fixed (the incident app's entity type).
func runRepairResumed(t *testing.T, w *world, rng *rand.Rand, kills int, ty *tally) {
	for k := range ty.rounds(t, kills) {
		ids := seedIncident(w, fmt.Sprintf("rr%d", k), repairRecords)
		kr := w.killAt(rng, ty.window(k, repairRecords, repairRate), repairApplyCmd(repairRate)...)
		auditFigures(ty, kr)
		switch {
		case !kr.killed:
		case kr.journal() != "":
			if _, ok := w.finish(repairResumeCmd(kr.journal())...); !ok {
				ty.add("rounds whose resume never exited 0", "= 0", 1)
			}
		case kr.mutations == 0:
			w.finish(repairApplyCmd(repairRate)...)
		default:
			ty.add("killed runs that wrote but left no journal", "= 0", 1)
		}
		got := entityTypes(w, ids)
		ty.add("records not fixed after the resume", "= 0", repairRecords-got[w.store.incident.entity])
		ty.add("records lost (missing) after the resume", "= 0", got["missing"])
		w.reg.remove(ids)
	}
}

// runUndo: a repair applied to the end, then repair --undo SIGKILLed, then
// repair --resume of the undo's own journal: every record restored.
func runUndo(t *testing.T, w *world, rng *rand.Rand, kills int, ty *tally) {
	for k := range ty.rounds(t, kills) {
		ids := seedIncident(w, fmt.Sprintf("un%d", k), repairRecords)
		before := w.journals()
		if r := w.run(repairApplyCmd(0)...); r.code != 0 {
			t.Fatalf("the repair to undo failed: %s", r)
		}
		applied := newJournals(before, w.journals())
		if len(applied) != 1 {
			t.Fatalf("the repair wrote %d journals, want 1: %v", len(applied), applied)
		}
		if got := entityTypes(w, ids)[w.store.incident.entity]; got != repairRecords {
			t.Fatalf("the repair fixed %d of %d records", got, repairRecords)
		}
		kr := w.killAt(rng, ty.window(k, repairRecords, repairRate), repairUndoCmd(applied[0], repairRate)...)
		auditFigures(ty, kr)
		switch {
		case !kr.killed:
		case kr.journal() != "":
			if _, ok := w.finish(repairResumeCmd(kr.journal())...); !ok {
				ty.add("rounds whose resume of the undo never exited 0", "= 0", 1)
			}
		case kr.mutations == 0:
			w.finish(repairUndoCmd(applied[0], 0)...)
		default:
			ty.add("killed undos that wrote but left no journal", "= 0", 1)
		}
		got := entityTypes(w, ids)
		ty.add("records not restored after the resumed undo", "= 0", repairRecords-got[w.store.wrong])
		ty.add("records lost (missing) after the resumed undo", "= 0", got["missing"])
		w.reg.remove(ids)
	}
}
