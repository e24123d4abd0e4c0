package ops_test

import (
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
// journal until it is complete. Every live target receives the message at
// most once; those reported delivered exactly once; the account covers
// every target.
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
		res, err = m.o.Resume(ctxFor(t), journal, nil)
		if err != nil && !res.Complete && res.Targets == 0 {
			t.Logf("resume: %v", err)
		}
		return res.Complete
	})
	m.w.Settle()
	total := len(m.w.IDs) + len(m.stale)
	if res.Targets != total || res.Delivered+res.Summary.Gone+res.Summary.Failed+res.Throttled != total || res.NotAttempted != 0 {
		t.Errorf("final account %+v does not cover the %d targets", res.Summary, total)
	}
	failed := map[string]bool{}
	for _, id := range res.Failed {
		failed[id] = true
	}
	twice, lostDelivered, unseenFailed := 0, 0, 0
	for _, id := range m.w.IDs {
		n := len(m.w.Client(id).Frames())
		switch {
		case n > 1:
			twice++
			t.Errorf("client %s received the broadcast %d times", id, n)
		case n == 0 && !failed[id]:
			lostDelivered++
			t.Errorf("client %s received nothing but is not reported failed", id)
		case n == 0:
			unseenFailed++
		}
	}
	staleFailed := 0
	for _, id := range m.stale {
		if failed[id] {
			staleFailed++
		}
	}
	if res.Summary.Gone+staleFailed != len(m.stale) {
		t.Errorf("%d gone and %d failed of the %d stale records", res.Summary.Gone, staleFailed, len(m.stale))
	}
	if got := len(m.truth(t)); got != total {
		t.Errorf("%d records after the send, want %d (nothing pruned)", got, total)
	}
	out := fmt.Sprintf("first run: %d delivered, %d gone, %d failed, %d throttled, %d not attempted", first.Delivered, first.Summary.Gone, first.Summary.Failed, first.Throttled, first.NotAttempted)
	if planRounds > 1 {
		out = fmt.Sprintf("plan failed %d× (%s), nothing sent; ", planRounds-1, shortErr(planErr)) + out
	}
	return out + fmt.Sprintf("; %d resumes → complete: %d delivered, %d gone, %d failed (listed by id, %d of them never arrived: not resent, a 5xx or reset may hide a delivery); 0 sent twice",
		resumes, res.Delivered, res.Summary.Gone, res.Summary.Failed, unseenFailed)
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

// pruneCell prunes every record (grace passed for all) and re-runs until the
// stale ones are gone: live records are never deleted.
func pruneCell(t *testing.T, m *matrixWorld) string {
	var runs []ops.PruneResult
	var firstErr error
	rounds := 0
	for {
		rounds++
		if rounds > maxRounds {
			t.Fatalf("stale records left after %d prunes: %+v", maxRounds, runs)
		}
		res, err := m.o.Prune(ctxFor(t), ops.PruneRequest{RPS: 1000}, nil)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		runs = append(runs, res)
		if res.Deleted > res.Gone || res.Gone > res.Checked || (err == nil) != (res.Failed == 0) {
			t.Errorf("prune %d account %+v is inconsistent with its error %v", rounds, res, err)
		}
		if m.staleLeft(t) == 0 {
			break
		}
	}
	truth := m.truth(t)
	for _, id := range m.w.IDs {
		if _, ok := truth[id]; !ok {
			t.Errorf("live connection %s lost its record", id)
		}
	}
	for _, id := range m.stale {
		if _, ok := truth[id]; ok {
			t.Errorf("stale record %s survived", id)
		}
	}
	if len(truth) != len(m.w.IDs) {
		t.Errorf("%d records left, want the %d live ones", len(truth), len(m.w.IDs))
	}
	r := runs[0]
	out := fmt.Sprintf("first run: %d checked, %d gone, %d deleted, %d failed", r.Checked, r.Gone, r.Deleted, r.Failed)
	if firstErr != nil {
		out += " (" + shortErr(firstErr) + ")"
	}
	return out + fmt.Sprintf("; clean after %d run(s): %d stale deleted, %d live kept", len(runs), len(m.stale), len(m.w.IDs))
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
