package crash

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
)

const (
	sendClients = 300
	sendRate    = 400
)

// runSend: send --all to sendClients witnesses, SIGKILL, send --resume
// until it exits 0; every witness must hold the marker at most once, and
// every one without it must be among the targets reported unknown.
func runSend(t *testing.T, w *world, rng *rand.Rand, kills int, ty *tally) {
	f := connectFleet(t, w, "send", sendClients, func(i int) identity {
		return identity{User: fmt.Sprintf("crash-send-%d", i), App: "drivers", EntityType: "driver"}
	})
	unknownReported := false
	for k := range ty.rounds(t, kills) {
		marker := fmt.Sprintf("send-%d", k)
		mark := w.mgmt.mark()
		kr := w.killAt(rng, ty.window(k, sendClients, sendRate), sendCmd(marker, sendRate)...)
		auditFigures(ty, kr)
		unknown := 0
		var last result
		switch {
		case !kr.killed:
			last = kr.result
		case kr.journal() != "":
			var ok bool
			if last, ok = w.finish(sendResumeCmd(kr.journal())...); !ok {
				ty.add("rounds whose resume never exited 0", "= 0", 1)
			}
		case kr.mutations == 0:
			last, _ = w.finish(sendCmd(marker, sendRate)...) // nothing happened: start again
		default:
			ty.add("killed runs that posted but left no journal", "= 0", 1)
		}
		if n, ok := intField(jsonFields(last.stdout), "unknown"); ok {
			unknown, unknownReported = n, true
		}
		f.settle(marker)

		var dup, extra, zero, claimedNotOne int
		for _, c := range f.clients {
			switch n := c.count(marker); {
			case n == 0:
				zero++
			case n > 1:
				dup++
				extra += n - 1
			}
		}
		claimed := journalOutcomes(kr.journal(), "delivered")
		for _, id := range claimed {
			if c := f.byID[id]; c != nil && c.count(marker) != 1 {
				claimedNotOne++
			}
		}
		ty.add(`outcomes "delivered" in the journals`, "", len(claimed))
		repeatedPosts := 0
		posts := map[string]int{}
		for _, c := range w.mgmt.callsSince(mark) {
			if c.Method == http.MethodPost {
				posts[c.Target]++
			}
		}
		for _, n := range posts {
			if n > 1 {
				repeatedPosts++
			}
		}
		ty.add("clients that received the message twice or more (duplicates)", "= 0", dup)
		ty.add("duplicate frames in all", "", extra)
		ty.add("targets posted more than once (proxy)", "", repeatedPosts)
		ty.add("clients journaled delivered that did not get exactly one", "= 0", claimedNotOne)
		ty.add("targets reported unknown", "", unknown)
		ty.add("clients that got nothing", "", zero)
		ty.add("clients that got nothing and were not reported unknown (lost)", "= 0", max(0, zero-unknown))
	}
	if !unknownReported {
		ty.notApplicable("targets reported unknown", "", `no "unknown" in this binary's send -o json`)
	}
}

// journalOutcomes lists the ids a journal gives outcome: its lines name a
// target by its position "t" in the header's plan, and its outcome "step".
func journalOutcomes(path, outcome string) []string {
	targets := journalTargets(path)
	var ids []string
	for _, m := range journalLines(path) {
		t, ok := m["t"].(float64)
		if step, _ := m["step"].(string); ok && step == outcome && int(t) < len(targets) {
			ids = append(ids, targets[int(t)])
		}
	}
	return ids
}
