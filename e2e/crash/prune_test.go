package crash

import (
	"encoding/base64"
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
	"time"
)

const (
	pruneLive  = 120
	pruneStale = 80
	pruneRate  = 200
	// pruneWriteHold is how long each registry write is held: the deletes,
	// after the probes, take long enough for a kill to land among them.
	pruneWriteHold = 40 * time.Millisecond
)

// staleID is a connection id in API Gateway's shape (URL-safe base64 of 11
// bytes) that no connection of the sandbox has.
func staleID(rng *rand.Rand) string {
	var b [11]byte
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	return base64.URLEncoding.EncodeToString(b[:])
}

// runPrune: stale records (an hour old, no connection, one subscription
// each) next to live connections; prune, SIGKILL, then prune --resume (or,
// without it, prune again): no live record deleted, every stale record and
// subscription gone. With prune --undo, the undo restores every deleted
// record exactly.
func runPrune(t *testing.T, w *world, rng *rand.Rand, kills int, ty *tally) {
	live := connectFleet(t, w, "prune-live", pruneLive, func(i int) identity {
		return w.store.courier.identity(fmt.Sprintf("crash-live-%d", i))
	})
	if !w.flags.pruneResume {
		ty.notApplicable("rounds finished with prune --resume", "", "no prune --resume in this binary: prune ran again")
	}
	if !w.flags.pruneUndo {
		ty.notApplicable("stale records not restored exactly by prune --undo", "= 0", "no prune --undo in this binary")
	}
	for k := range ty.rounds(t, kills) {
		old := time.Now().Add(-time.Hour)
		stale := map[string]bool{}
		seeds := make([]seedRecord, pruneStale)
		for i := range pruneStale {
			id := staleID(rng)
			stale[id] = true
			seeds[i] = seedRecord{id: id, user: fmt.Sprintf("crash-stale-%d-%d", k, i), app: w.store.customer, at: old,
				rooms: []string{w.store.room(fmt.Sprintf("crash-%d-%d", k, i))}}
		}
		w.reg.seed(seeds...)
		seededConns, seededSubs := snapshot(w, stale)
		// The kill lands from the end of the probes (a GetConnection per
		// record at pruneRate) to past the end of the deletes (16 in flight).
		// Round 0 is the control run: no kill.
		probes := ty.window(k, pruneLive+pruneStale, pruneRate)
		window := time.Duration(0)
		if probes > 0 {
			window = probes/5 + time.Duration(pruneStale/16+2)*pruneWriteHold
		}
		w.calls.holdWrites(pruneWriteHold)
		kr := w.killIn(rng, probes*4/5, window, pruneCmd(pruneRate)...)
		w.calls.holdWrites(0)
		auditFigures(ty, kr)
		switch {
		case !kr.killed:
		case w.flags.pruneResume && kr.journal() != "":
			if _, ok := w.finish(pruneResumeCmd(kr.journal())...); !ok {
				ty.add("rounds whose finishing prune never exited 0", "= 0", 1)
			} else {
				ty.add("rounds finished with prune --resume", "", 1)
			}
		default:
			if _, ok := w.finish(pruneCmd(pruneRate)...); !ok {
				ty.add("rounds whose finishing prune never exited 0", "= 0", 1)
			}
		}
		recs := w.reg.connections()
		liveDeleted := 0
		for id := range live.byID {
			if _, ok := recs[id]; !ok {
				liveDeleted++
			}
		}
		staleLeft := 0
		for id := range stale {
			if _, ok := recs[id]; ok {
				staleLeft++
			}
		}
		_, subsLeft := snapshot(w, stale)
		ty.add("records of live connections deleted", "= 0", liveDeleted)
		ty.add("stale records left at the end", "= 0", staleLeft)
		ty.add("stale subscriptions left at the end", "= 0", len(subsLeft))

		if w.flags.pruneUndo && kr.journal() != "" {
			if _, ok := w.finish(pruneUndoCmd(kr.journal())...); !ok {
				ty.add("rounds whose prune --undo never exited 0", "= 0", 1)
			}
			conns, subs := snapshot(w, stale)
			wrong := 0
			for id, want := range seededConns {
				if !maps.Equal(conns[id], want) {
					wrong++
				}
			}
			for key, want := range seededSubs {
				if !maps.Equal(subs[key], want) {
					wrong++
				}
			}
			ty.add("stale records not restored exactly by prune --undo", "= 0", wrong)
		}
		w.reg.remove(mapsKeys(stale))
	}
}

// snapshot reads the connection records and subscriptions of ids
// (subscriptions keyed by subscriptionKey).
func snapshot(w *world, ids map[string]bool) (conns map[string]record, subs map[string]record) {
	conns = map[string]record{}
	for id, r := range w.reg.connections() {
		if ids[id] {
			conns[id] = r
		}
	}
	return conns, w.reg.subscriptions(ids)
}

func mapsKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
