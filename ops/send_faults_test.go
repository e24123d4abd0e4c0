package ops_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"wsops/internal/testrig"
	"wsops/mgmt"
	"wsops/ops"
	"wsops/ops/auditlog"
	"wsops/ops/internal/journal"
)

// errTimedOut is a management API that accepts the call and never answers
// in time.
var errTimedOut = fmt.Errorf("operation error ApiGatewayManagementApi: PostToConnection, https response error: %w", context.DeadlineExceeded)

func TestSendStopsEarlyOnADeadEndpointAndAResumeFinishes(t *testing.T) {
	const clients = 100
	f := newSendFixture(t, testrig.WorldOptions{Clients: clients})
	f.api.SetFault(func(string, string, int) error { return errTimedOut })
	payload := []byte(`{"type":"dead-endpoint"}`)

	res, err := f.o.Send(context.Background(), ops.SendRequest{Targets: ops.Targets{All: true}, Payload: payload, Journal: f.journal("dead")}, nil)
	if !errors.Is(err, mgmt.ErrStoppedFailing) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("send to a dead endpoint: %v, want ErrStoppedFailing with the last failure", err)
	}
	called := 0
	for _, id := range f.w.IDs {
		called += f.api.Calls("POST", id)
	}
	// 16 failures in a row stop it; a few more calls may have been in flight.
	if called < 16 || called > clients/2 {
		t.Errorf("%d posts to a dead endpoint, want 16 and a few in flight, far fewer than %d", called, clients)
	}
	// Every call timed out: each may hide a delivery, so each is unknown;
	// the rest were never attempted and stay resumable.
	if res.Unknown != called || res.Attempted != called || res.NotAttempted != clients-called || res.Delivered+res.Failed+res.Throttled != 0 || res.Complete {
		t.Errorf("result %+v after %d calls, want them unknown and the rest not attempted", res, called)
	}
	if events := journalLines(t, res.Journal).events(); len(events) != 1 || events[0] != "stopped" {
		t.Errorf("journal events %v, want [stopped]", events)
	}
	if e := f.auditEntries(t); len(e) != 1 || e[0].Result["not_attempted"] != clients-called || e[0].Error == "" {
		t.Errorf("audit %+v, want the stop and %d not attempted", e, clients-called)
	}

	// The endpoint is back: a resume delivers to every target never
	// attempted, and leaves the unknown ones alone.
	f.api.SetFault(nil)
	again, err := f.o.Resume(context.Background(), res.Journal, false, nil)
	if err != nil || again.Delivered != clients-called || again.Unknown != called || again.NotAttempted != 0 || !again.Complete {
		t.Fatalf("resume: %+v, %v", again, err)
	}
	for _, id := range f.w.IDs {
		if n := f.api.Calls("POST", id); n != 1 {
			t.Errorf("%d posts to %s, want 1", n, id)
		}
	}
	// Told that the timed-out posts were not delivered, the operator
	// resends them.
	again, err = f.o.Resume(context.Background(), res.Journal, true, nil)
	if err != nil || again.Delivered != clients || again.Unknown != 0 || again.Attempted != called {
		t.Fatalf("resume resending the unknown: %+v, %v", again, err)
	}
	f.w.Settle()
	assertFrames(t, f.w, f.w.IDs, payload)
}

func TestSendStopsWhenItsJournalCannotBeWritten(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 1})
	// Many targets with short ids (none has a record, so the sandbox answers
	// gone at once): the header fits on the small disk, their lines do not.
	var ids []string
	for n := range 300 {
		ids = append(ids, fmt.Sprintf("g%03d=", n))
	}
	disk := testrig.SmallDisk(t, 8192)
	path := filepath.Join(disk, "send.jsonl")

	res, err := f.o.Send(context.Background(), ops.SendRequest{Targets: ops.Targets{Conns: ids}, Payload: []byte(`{"n":1}`), Journal: path}, nil)
	if !errors.Is(err, journal.ErrWrite) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("send with a full journal disk: %v, want the journal's write error (ENOSPC)", err)
	}
	j, _ := readJournal(t, path) // the last line may be cut short by the full disk
	if len(j.ids) != len(ids) {
		t.Fatalf("journal header lists %d targets, want %d", len(j.ids), len(ids))
	}
	intents, posted := j.intents(), 0
	for _, id := range ids {
		n := f.api.Calls("POST", id)
		posted += n
		if n > 0 && intents[id] == 0 {
			t.Errorf("posted %d times to %s, whose intent is not in the journal", n, id)
		}
	}
	if posted == 0 || posted >= len(ids)/2 {
		t.Errorf("%d of %d targets posted to, want the run stopped partway", posted, len(ids))
	}
	if res.Attempted != posted {
		t.Errorf("result %+v: %d attempted, but %d posts were made", res, res.Attempted, posted)
	}
	if e := f.auditEntries(t); len(e) != 1 || e[0].Error == "" || e[0].Phase != "end" {
		t.Errorf("audit %+v, want the run's end with the journal's error", e)
	}
}

func TestSendWithAnUnwritableAuditLogMakesNoCall(t *testing.T) {
	for _, tc := range []struct {
		name string
		path func(t *testing.T) string
	}{
		{"a directory", func(t *testing.T) string {
			dir := filepath.Join(t.TempDir(), "audit.jsonl")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			return dir
		}},
		{"a full disk", func(t *testing.T) string {
			disk := testrig.SmallDisk(t, 8192)
			testrig.Fill(t, disk)
			return filepath.Join(disk, "audit.jsonl")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSendFixture(t, testrig.WorldOptions{Clients: 3})
			o := f.ops(t, func(d *ops.Deps) { d.Audit = auditlog.New(tc.path(t)) })
			journalPath := f.journal("unaudited")
			res, err := o.Send(context.Background(), ops.SendRequest{Targets: ops.Targets{All: true}, Payload: []byte(`{"n":1}`), Journal: journalPath}, nil)
			if err == nil || res.Attempted != 0 || res.Delivered != 0 {
				t.Fatalf("send with an unwritable audit log: %+v, %v; want an error and nothing sent", res, err)
			}
			if n := len(f.w.Requests()); n != 0 {
				t.Errorf("%d management requests, want none", n)
			}
			if _, err := os.Stat(journalPath); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a journal was created: %v", err)
			}
			f.w.Settle()
			assertFrames(t, f.w, f.w.IDs)
		})
	}
}
