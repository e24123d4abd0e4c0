package ops_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/coder/websocket"

	"wsops/data"
	"wsops/internal/faultproxy"
	"wsops/ops"
)

// The fault matrix's cells: one function per operation (see fault_matrix_test.go).

// listings is how many times a listing cell lists: the registry is one page
// (minidyn never paginates), so one listing is one or two calls.
const listings = 30

func listConnectionsCell(t *testing.T, m *matrixWorld) string {
	want := m.truth(t)
	var firstErr error
	failures := 0
	for range listings {
		var got []data.Connection
		rounds, first := retried(t, "listing connections", func() error {
			var err error
			got, err = data.Collect(ctxFor(t), m.reg.Connections(ctxFor(t), data.Select{}))
			return err
		})
		failures += rounds - 1
		if firstErr == nil {
			firstErr = first
		}
		if len(got) != len(want) {
			t.Errorf("listed %d connections, want %d", len(got), len(want))
		}
		for _, c := range got {
			if w, ok := want[c.ID]; !ok || w.User != c.User {
				t.Errorf("listed %s (%q), not in the table as such", c.ID, c.User)
			}
		}
	}
	return listingText(failures, firstErr, len(want))
}

func listingText(failures int, first error, rows int) string {
	out := fmt.Sprintf("%d/%d listings complete with all %d rows", listings, listings, rows)
	if failures > 0 {
		out += fmt.Sprintf("; %d attempt(s) ended in a clear error (%s) and the retry completed", failures, shortErr(first))
	}
	return out
}

func listSubscriptionsCell(t *testing.T, m *matrixWorld) string {
	want := len(m.w.IDs) + len(m.stale)
	var firstErr error
	failures := 0
	for range listings {
		var got []data.Subscription
		rounds, first := retried(t, "listing subscriptions", func() error {
			var err error
			got, err = data.Collect(ctxFor(t), m.reg.Subscriptions(ctxFor(t), data.Select{}))
			return err
		})
		failures += rounds - 1
		if firstErr == nil {
			firstErr = first
		}
		keys := map[string]bool{}
		for _, s := range got {
			keys[s.ConnectionID+"/"+s.Key] = true
		}
		if len(got) != want || len(keys) != want {
			t.Errorf("listed %d subscriptions (%d distinct), want %d", len(got), len(keys), want)
		}
	}
	return listingText(failures, firstErr, want)
}

// sendCell broadcasts to every record (live and stale), then resumes the
// journal until it is complete. No client receives the message twice:
// those reported delivered exactly once, those whose post's fate is
// unknown (a reset, a 5xx or a cut answer may hide a delivery: not resent)
// at most once; the account covers every target.
func sendCell(t *testing.T, m *matrixWorld) string {
	payload := []byte(`{"type":"matrix"}`)
	journal := filepath.Join(m.dir, "send.jsonl")
	var res ops.SendResult
	var planErr error
	// Resolving reads the registry: if it fails, nothing was sent and no
	// journal exists; the operator runs the send again.
	planRounds, _ := retried(t, "send (plan)", func() error {
		var err error
		res, err = m.o.Send(ctxFor(t), ops.SendRequest{Targets: ops.Targets{All: true}, Payload: payload, Journal: journal}, nil)
		if err != nil && res.Journal == "" {
			if _, statErr := os.Stat(journal); statErr == nil {
				t.Fatalf("a send that failed before sending left a journal: %v", err)
			}
			planErr = err
			return err
		}
		return nil
	})
	first := res
	resumes := resumeUntilComplete(t, "send", res.Complete, func() bool {
		var err error
		res, err = m.o.Resume(ctxFor(t), journal, false, nil)
		if err != nil {
			t.Logf("resume: %v", err)
		}
		return res.Complete
	})
	m.w.Settle()
	total := len(m.w.IDs) + len(m.stale)
	if res.Targets != total || res.Delivered+res.Gone+res.Unknown != total || res.Failed+res.Throttled+res.NotAttempted != 0 {
		t.Errorf("final account %+v does not cover the %d targets", res, total)
	}
	unknown := map[string]bool{}
	for _, id := range res.UnknownIDs {
		unknown[id] = true
	}
	twice, unseenUnknown := 0, 0
	for _, id := range m.w.IDs {
		n := len(m.w.Client(id).Frames())
		switch {
		case n > 1:
			twice++
			t.Errorf("client %s received the broadcast %d times", id, n)
		case n == 0 && !unknown[id]:
			t.Errorf("client %s received nothing but is not reported unknown", id)
		case n == 0:
			unseenUnknown++
		}
	}
	staleUnknown := 0
	for _, id := range m.stale {
		if unknown[id] {
			staleUnknown++
		}
	}
	if res.Gone+staleUnknown != len(m.stale) {
		t.Errorf("%d gone and %d unknown of the %d stale records", res.Gone, staleUnknown, len(m.stale))
	}
	if got := len(m.truth(t)); got != total {
		t.Errorf("%d records after the send, want %d (nothing pruned)", got, total)
	}
	out := fmt.Sprintf("first run: %d delivered, %d gone, %d failed, %d throttled, %d unknown, %d not attempted",
		first.Delivered, first.Gone, first.Failed, first.Throttled, first.Unknown, first.NotAttempted)
	if planRounds > 1 {
		out = fmt.Sprintf("plan failed %d× (%s), nothing sent; ", planRounds-1, shortErr(planErr)) + out
	}
	return out + fmt.Sprintf("; %d resumes → complete: %d delivered, %d gone, %d unknown (not resent: a reset, 5xx or cut answer may hide a delivery; %d of them never arrived, none arrived twice); %d sent twice",
		resumes, res.Delivered, res.Gone, res.Unknown, unseenUnknown, twice)
}

// logoutCell logs out user u-1 (six live connections), then resumes the
// journal until it is complete. No other client is touched; every one of
// u-1's sockets ends closed with 1000 after its notice; a notice is posted
// again only when its first post's answer was cut off (truncate, the one
// fault that lets the request through).
func logoutCell(t *testing.T, m *matrixWorld) string {
	var victims, others []string
	for _, id := range m.w.IDs {
		if m.w.Client(id).User == "u-1" {
			victims = append(victims, id)
		} else {
			others = append(others, id)
		}
	}
	journal := filepath.Join(m.dir, "logout.jsonl")
	var res ops.LogoutResult
	var firstErr error
	// Resolving reads the registry: if it fails, no socket was touched and
	// no journal exists; the operator runs the logout again.
	planRounds, _ := retried(t, "logout (plan)", func() error {
		var err error
		res, err = m.o.Logout(ctxFor(t), ops.LogoutRequest{Targets: ops.Targets{Select: data.Select{User: "u-1"}}, Rate: 1000, Journal: journal}, nil)
		firstErr = err
		if err != nil && res.Journal == "" {
			if _, statErr := os.Stat(journal); statErr == nil {
				t.Fatalf("a logout that failed before cutting left a journal: %v", err)
			}
			return err
		}
		return nil
	})
	first := res
	resumes := resumeUntilComplete(t, "logout", res.Complete, func() bool {
		res, _ = m.o.ResumeLogout(ctxFor(t), journal, 0, nil)
		return res.Complete
	})
	if res.Targets != len(victims) || res.Disconnected != len(victims) || res.Failed != 0 || res.NotAttempted != 0 {
		t.Errorf("final account %+v, want all %d targets disconnected", res, len(victims))
	}
	notices := 0
	for _, id := range victims {
		c := m.w.Client(id)
		if status := c.WaitClosed(t); status != websocket.StatusNormalClosure {
			t.Errorf("victim %s closed with %v, want 1000", id, status)
		}
		frames := c.Frames()
		notices += len(frames)
		if len(frames) == 0 {
			t.Errorf("victim %s was cut without its notice", id)
		}
	}
	repeated, cut := notices-len(victims), m.mgmt.Injected()[faultproxy.Truncate]
	if repeated > cut {
		t.Errorf("%d notices repeated, but only %d management answers were cut off", repeated, cut)
	}
	m.w.Settle()
	for _, id := range others {
		if n := len(m.w.Client(id).Frames()); n != 0 {
			t.Errorf("bystander %s received %d frames", id, n)
		}
	}
	truth := m.truth(t)
	for _, id := range victims {
		if _, ok := truth[id]; ok {
			t.Errorf("victim %s kept its record", id)
		}
	}
	for _, id := range others {
		if _, ok := truth[id]; !ok {
			t.Errorf("bystander %s lost its record", id)
		}
	}
	out := fmt.Sprintf("first run: %d targets, %d disconnected, %d gone, %d failed, %d records deleted", first.Targets, first.Disconnected, first.Gone, first.Failed, first.RecordsDeleted)
	if planRounds > 1 {
		out = fmt.Sprintf("plan failed %d× (nothing cut); ", planRounds-1) + out
	}
	if firstErr != nil {
		out += " (" + shortErr(firstErr) + ")"
	}
	out += fmt.Sprintf("; %d resume(s) → complete: all %d sockets closed 1000 after a notice, records gone, bystanders untouched", resumes, len(victims))
	if repeated > 0 {
		out += fmt.Sprintf("; %d notice(s) posted again (the first post's answer was cut off)", repeated)
	} else {
		out += "; 0 notices repeated"
	}
	return out
}

// pruneCell prunes every record (grace passed for all), cancels the first
// run once its deletes have begun, resumes each prune's journal until it is
// complete, and re-runs the prune until the stale records are gone. A live connection's record is never deleted, nor
// ever in a prune's plan.
func pruneCell(t *testing.T, m *matrixWorld) string {
	var runs []ops.PruneResult
	rounds, resumes := 0, 0
	live := map[string]bool{}
	for _, id := range m.w.IDs {
		live[id] = true
	}
	for {
		rounds++
		if rounds > maxRounds {
			t.Fatalf("stale records left after %d prunes: %+v", maxRounds, runs)
		}
		journal := filepath.Join(m.dir, fmt.Sprintf("prune-%d.jsonl", rounds))
		// The first run is cut off (an operator's ^C) once a few records are
		// deleted: its journal's resume finishes the deletes.
		ctx, cancel := context.WithCancel(ctxFor(t))
		progress := func(p ops.Progress) {
			if rounds == 1 && len(p.Counts) > 0 && p.Counts[0].Label == "deleted" && p.Counts[0].N >= pruneCutAt {
				cancel()
			}
		}
		res, err := m.o.Prune(ctx, ops.PruneRequest{RPS: 1000, Journal: journal}, progress)
		cancel()
		// Deletes run 16 at a time: the cancel may come after the last one
		// was dispatched, and then the journal is complete. (Failed counts
		// failed probes too.)
		if rounds == 1 && res.Journal != "" && (!errors.Is(err, context.Canceled) || res.Deleted+res.NotAttempted > res.Gone) {
			t.Errorf("first prune, cancelled once %d records were deleted: %+v, %v; want it stopped with an exact account", pruneCutAt, res, err)
		}
		if ops.Refused(err) {
			t.Fatalf("prune %d refused: %v", rounds, err)
		}
		runs = append(runs, res)
		// A prune with no error has probed everything and reached every gone
		// connection; a failed delete (no error: the CLI reports it) leaves
		// its journal resumable.
		if res.Deleted > res.Gone || res.Gone > res.Checked || (err == nil && res.NotAttempted > 0) ||
			(err == nil && res.Failed > 0 && (res.Journal == "" || res.Complete)) {
			t.Errorf("prune %d account %+v is inconsistent with its error %v", rounds, res, err)
		}
		if res.Journal != "" {
			if res.Journal != journal {
				t.Errorf("prune %d journaled at %s, not %s", rounds, res.Journal, journal)
			}
			for _, id := range journalLines(t, journal).ids {
				if live[id] {
					t.Errorf("prune %d planned to delete the records of live connection %s", rounds, id)
				}
			}
			resumes += resumeUntilComplete(t, "prune", res.Complete, func() bool {
				r, err := m.o.ResumePrune(ctxFor(t), journal, nil)
				if err != nil {
					t.Logf("resume prune: %v", err)
				}
				return r.Complete
			})
		}
		m.checkLive(t)
		if m.staleLeft(t) == 0 {
			break
		}
	}
	truth := m.truth(t)
	for _, id := range m.stale {
		if _, ok := truth[id]; ok {
			t.Errorf("stale record %s survived", id)
		}
	}
	if len(truth) != len(m.w.IDs) {
		t.Errorf("%d records left, want the %d live ones", len(truth), len(m.w.IDs))
	}
	r := runs[0]
	out := fmt.Sprintf("first run: %d checked, %d gone, %d deleted, %d failed, %d not attempted", r.Checked, r.Gone, r.Deleted, r.Failed, r.NotAttempted)
	return out + fmt.Sprintf("; first run cancelled after %d deletes, %d journal resume(s), clean after %d run(s): %d stale deleted, %d live kept, 0 live records deleted or planned",
		pruneCutAt, resumes, len(runs), len(m.stale), len(m.w.IDs))
}

// pruneCutAt is how many connections' records the first prune of a cell
// deletes before it is cancelled.
const pruneCutAt = 5

// checkLive fails the test when a live connection's record is missing.
func (m *matrixWorld) checkLive(t *testing.T) {
	t.Helper()
	truth := m.truth(t)
	for _, id := range m.w.IDs {
		if _, ok := truth[id]; !ok {
			t.Errorf("live connection %s lost its record", id)
		}
	}
}

// staleLeft counts the stale records still in the table.
func (m *matrixWorld) staleLeft(t *testing.T) int {
	truth, n := m.truth(t), 0
	for _, id := range m.stale {
		if _, ok := truth[id]; ok {
			n++
		}
	}
	return n
}

// resumeUntilComplete resumes a journal (resume reports whether it is
// complete) until it is, at most maxRounds times, and returns how many
// resumes it took.
func resumeUntilComplete(t *testing.T, what string, complete bool, resume func() bool) int {
	t.Helper()
	resumes := 0
	for !complete {
		resumes++
		if resumes > maxRounds {
			t.Fatalf("%s journal still incomplete after %d resumes", what, maxRounds)
		}
		complete = resume()
	}
	return resumes
}
