package crash

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
)

const (
	logoutClients    = 60
	logoutBystanders = 5
	logoutRate       = 60
)

// runLogout: logout --user over logoutClients connections of one user,
// SIGKILL, logout --resume until it exits 0; every cut connection must
// have received the notice before its close 1000, none is cut twice, none
// is left connected or registered, and the bystanders are untouched.
func runLogout(t *testing.T, w *world, rng *rand.Rand, kills int, ty *tally) {
	bystanders := connectFleet(t, w, "bystander", logoutBystanders, func(i int) identity {
		return w.store.courier.identity("crash-bystander")
	})
	for k := range ty.rounds(t, kills) {
		user := fmt.Sprintf("crash-logout-%d", k)
		marker := fmt.Sprintf("logout-%d", k)
		f := connectFleet(t, w, user, logoutClients, func(int) identity {
			return w.store.customer.identity(user)
		})
		mark := w.mgmt.mark()
		kr := w.killAt(rng, ty.window(k, logoutClients, logoutRate), logoutCmd(user, marker, logoutRate)...)
		auditFigures(ty, kr)
		switch {
		case !kr.killed:
		case kr.journal() != "":
			if _, ok := w.finish(logoutResumeCmd(kr.journal())...); !ok {
				ty.add("rounds whose resume never exited 0", "= 0", 1)
			}
		case kr.mutations == 0:
			w.finish(logoutCmd(user, marker, logoutRate)...)
		default:
			ty.add("killed runs that cut or posted but left no journal", "= 0", 1)
		}

		// Every connection of the user ends (bounded): a logout that
		// finished has cut them all.
		waitUntil(5*time.Second, func() bool {
			for _, c := range f.clients {
				if closed, _, _ := c.ended(marker); !closed {
					return false
				}
			}
			return true
		})
		var withoutNotice, repeatedNotices, notCut, otherClose int
		for _, c := range f.clients {
			closed, code, before := c.ended(marker)
			switch {
			case !closed:
				notCut++
			case code != websocket.StatusNormalClosure:
				otherClose++
			case before == 0:
				withoutNotice++
			}
			if c.count(marker) > 1 {
				repeatedNotices++
			}
		}
		// A cut is repeated when a DeleteConnection goes out for a
		// connection that an earlier one already closed (answered 2xx). A
		// DeleteConnection sent again after one whose answer the kill cut
		// off (the killed process never learned whether it went through)
		// is counted apart: the resume asks GetConnection first.
		cut, sent := map[string]bool{}, map[string]int{}
		repeatedCuts, resent := 0, 0
		for _, c := range w.mgmt.callsSince(mark) {
			if c.Method != http.MethodDelete {
				continue
			}
			if cut[c.Target] {
				repeatedCuts++
			} else if sent[c.Target] > 0 {
				resent++
			}
			sent[c.Target]++
			if c.Status >= 200 && c.Status < 300 {
				cut[c.Target] = true
			}
		}
		left := 0
		for _, r := range w.reg.connections() {
			if r["userId"] == user {
				left++
			}
		}
		ty.add("cuts without a notice (close 1000, no notice before it)", "= 0", withoutNotice)
		ty.add("connections cut more than once (a DeleteConnection after one answered 2xx, proxy)", "= 0", repeatedCuts)
		ty.add("DeleteConnection sent again after one whose answer the kill cut off (proxy)", "", resent)
		ty.add("clients that received the notice more than once (repeated notices)", "", repeatedNotices)
		ty.add("connections left connected after the resume", "= 0", notCut)
		ty.add("connections that ended with another close code", "= 0", otherClose)
		ty.add("records of the user left after the resume", "= 0", left)
	}
	touched := 0
	for _, c := range bystanders.clients {
		if closed, _, _ := c.ended(""); closed || c.received() > 0 {
			touched++
		}
	}
	ty.add("bystanders touched (another user's connections)", "= 0", touched)
}
