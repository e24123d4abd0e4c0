package crash

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
)

const (
	sendClients = 300
	// sendOutsiders are clients in another room, when send targets one.
	sendOutsiders = 20
	sendRate      = 400
)

// outsidersFigure counts the clients a send by room must not reach.
const outsidersFigure = "clients outside the room that received the message"

// runSend: send to sendClients witnesses (--all; on a store whose clients
// join rooms, --topic of the room they joined, beside sendOutsiders in
// another), SIGKILL, send --resume until it exits 0; every witness must
// hold the marker at most once, every one without it must be among the
// targets its journal leaves unknown, and no outsider may hold it.
func runSend(t *testing.T, w *world, rng *rand.Rand, kills int, ty *tally) {
	f := connectFleet(t, w, "send", sendClients, func(i int) identity {
		return w.store.courier.identity(fmt.Sprintf("crash-send-%d", i))
	})
	target := []string{"--all"}
	var outsiders *fleet
	if w.store.join != nil {
		f.join("crash-send")
		outsiders = connectFleet(t, w, "outsider", sendOutsiders, func(i int) identity {
			return w.store.customer.identity(fmt.Sprintf("crash-outsider-%d", i))
		})
		outsiders.join("crash-elsewhere")
		target = []string{"--topic", w.store.room("crash-send")}
	} else {
		ty.notApplicable(outsidersFigure, "= 0", "send --all: every client is a target")
	}
	unknownReported := false
	for k := range ty.rounds(t, kills) {
		marker := fmt.Sprintf("send-%d", k)
		mark, journals := w.mgmt.mark(), w.journals()
		kr := w.killAt(rng, ty.window(k, sendClients, sendRate), sendCmd(target, marker, sendRate)...)
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
			last, _ = w.finish(sendCmd(target, marker, sendRate)...) // nothing happened: start again
		default:
			ty.add("killed runs that posted but left no journal", "= 0", 1)
		}
		if n, ok := intField(jsonFields(last.stdout), "unknown"); ok {
			unknown, unknownReported = n, true
		}
		f.settle(marker)
		if outsiders != nil {
			outsiders.settle(marker)
			reached := 0
			for _, c := range outsiders.clients {
				if c.count(marker) > 0 {
					reached++
				}
			}
			ty.add(outsidersFigure, "= 0", reached)
		}

		var dup, extra, zero, lost, claimedNotOne int
		unknownIDs := journalUnknown(newJournals(journals, w.journals()))
		for _, c := range f.clients {
			switch n := c.count(marker); {
			case n == 0:
				zero++
				if !unknownIDs[c.ID] {
					lost++
				}
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
		ty.add("clients that got nothing and are not unknown in the journal (lost)", "= 0", lost)
	}
	if !unknownReported {
		ty.notApplicable("targets reported unknown", "", `no "unknown" in this binary's send -o json`)
	}
}

// journalUnknown is the set of ids whose fate the journals leave unknown:
// an intent with no outcome after it (a crash hid it), or the outcome
// "unknown".
func journalUnknown(paths []string) map[string]bool {
	out := map[string]bool{}
	for _, path := range paths {
		targets := journalTargets(path)
		state := map[int]string{} // target → "intent" or its last outcome
		for _, m := range journalLines(path) {
			t, ok := m["t"].(float64)
			if !ok || int(t) >= len(targets) {
				continue
			}
			if step, _ := m["step"].(string); step != "" {
				state[int(t)] = step
			} else if m["intent"] != nil {
				state[int(t)] = "intent"
			}
		}
		for t, s := range state {
			if s == "intent" || s == "unknown" {
				out[targets[t]] = true
			}
		}
	}
	return out
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
