package ops

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"wsops/data"
	"wsops/internal/testrig"
)

func TestLogoutResumeNeverPostsANoticeTwice(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 4, Claims: usersOf(map[int][2]string{
		0: {"u-r", "drivers"}, 1: {"u-r", "drivers"}, 2: {"u-r", "customers"}, 3: {"u-other", "drivers"},
	})})
	cutFails, noticeFails, fine, bystander := f.w.IDs[0], f.w.IDs[1], f.w.IDs[2], f.w.IDs[3]
	mine := []string{cutFails, noticeFails, fine}
	f.subscribe(t, "u-r", mine...)
	// The first run: one cut fails after its notice went out, one notice
	// fails before it reached API Gateway; both calls succeed when tried again.
	f.api.fail = func(method, id string, call int) error {
		if call == 1 && (method == "DELETE" && id == cutFails || method == "POST" && id == noticeFails) {
			return errors.New("connection reset by peer")
		}
		return nil
	}
	journal := journalIn(t)
	res, err := f.ops.Logout(context.Background(), LogoutRequest{Targets: Targets{Select: data.Select{User: "u-r"}}, Journal: journal}, nil)
	if err == nil || !strings.Contains(err.Error(), "2 of 3 targets failed") {
		t.Errorf("first run: error %v, want 2 of 3 failed", err)
	}
	slices.Sort(res.FailedIDs)
	want := LogoutResult{Targets: 3, Notified: 2, Disconnected: 1, RecordsDeleted: 2, Failed: 2,
		FailedIDs: slices.Sorted(slices.Values([]string{cutFails, noticeFails}))}
	if !equalLogout(res, want) || res.Complete || res.Journal != journal {
		t.Errorf("first run %+v, want %+v, incomplete, journal %s", res, want, journal)
	}

	var progress [][2]int
	res, err = f.ops.ResumeLogout(context.Background(), journal, 0, func(done, total int) { progress = append(progress, [2]int{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	want = LogoutResult{Targets: 3, Notified: 3, Disconnected: 3, RecordsDeleted: 6}
	if !equalLogout(res, want) || !res.Complete {
		t.Errorf("after the resume %+v, want %+v, complete", res, want)
	}
	if last := progress[len(progress)-1]; last != [2]int{3, 3} {
		t.Errorf("the resume's last progress %v, want 3 of 3 (the settled target counted)", last)
	}
	for id, want := range map[string][]string{
		cutFails:    {"POST", "DELETE"}, // its first DELETE failed before leaving wsops
		noticeFails: {"POST", "DELETE"}, // its first POST failed before leaving wsops
		fine:        {"POST", "DELETE"}, // done in the first run, not touched again
	} {
		if got := f.methods(id); !slices.Equal(got, want) {
			t.Errorf("requests reaching API Gateway for %s: %v, want %v", id, got, want)
		}
	}
	if n := f.api.count("POST", cutFails); n != 1 {
		t.Errorf("the notified target's notice was posted %d times, want once", n)
	}
	assertLoggedOut(t, f, DefaultNotice, mine...)
	assertUntouched(t, f, bystander)
	if conns, subs := f.records(t, data.Select{User: "u-r"}); len(conns)+len(subs) != 0 {
		t.Errorf("records left: %v %v", conns, subs)
	}
	lines := f.auditLines(t)
	if len(lines) != 2 || lines[1].Filter != "resume "+journal || lines[1].Result["disconnected"] != 2 || lines[1].Result["notified"] != 1 {
		t.Errorf("audit lines %+v, want the logout and its resume (2 disconnected, 1 notified)", lines)
	}

	// A complete journal: nothing to do, nothing asked, nothing audited.
	asked := len(f.confirm.asked())
	res, err = f.ops.ResumeLogout(context.Background(), journal, 0, nil)
	if err != nil || !res.Complete || res.Disconnected != 3 {
		t.Errorf("resuming a complete journal: %+v, %v", res, err)
	}
	if len(f.confirm.asked()) != asked || len(f.auditLines(t)) != 2 {
		t.Error("resuming a complete journal asked for confirmation or wrote an audit line")
	}
}

func TestLogoutResumeFinishesACancelledRun(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 3, Claims: usersOf(map[int][2]string{
		0: {"u-c", "drivers"}, 1: {"u-c", "drivers"}, 2: {"u-c", "drivers"},
	})})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	f.w.OnRequest(func(testrig.Request) { once.Do(cancel) })
	journal := journalIn(t)
	res, err := f.ops.Logout(ctx, LogoutRequest{Targets: Targets{Select: data.Select{User: "u-c"}}, Rate: 0.001, Journal: journal}, nil)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), journal) {
		t.Errorf("error %v, want a cancellation naming the journal", err)
	}
	if res.Disconnected != 1 || res.NotAttempted != 2 || res.Complete {
		t.Fatalf("cancelled run %+v, want 1 disconnected and 2 not attempted", res)
	}
	res, err = f.ops.ResumeLogout(context.Background(), journal, 100, nil)
	if err != nil || !res.Complete || res.Disconnected != 3 || res.NotAttempted != 0 {
		t.Errorf("resume: %+v, %v", res, err)
	}
	assertLoggedOut(t, f, DefaultNotice, f.w.IDs...)
	if conns, _ := f.records(t, data.Select{User: "u-c"}); len(conns) != 0 {
		t.Errorf("records %v remain", conns)
	}
}

func TestLogoutResumeRefusesForeignJournals(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 1, Claims: usersOf(map[int][2]string{0: {"u-f", "drivers"}})})
	journal := journalIn(t)
	if _, err := f.ops.Logout(context.Background(), LogoutRequest{Targets: Targets{Conns: []string{staleID(1)}}, Journal: journal}, nil); err != nil {
		t.Fatal(err)
	}
	other := *f.ops
	other.Policy.Profile = "prod"
	sendJournal := filepath.Join(t.TempDir(), "send.jsonl")
	if err := os.WriteFile(sendJournal, []byte(`{"format":"wsops-send-journal/1","targets":[]}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		o       *Ops
		path    string
		message string
	}{
		"another profile's": {&other, journal, "written on profile sandbox, not prod"},
		"a send journal":    {f.ops, sendJournal, "not a logout journal"},
		"a missing file":    {f.ops, filepath.Join(t.TempDir(), "none.jsonl"), "no such file"},
	} {
		if _, err := c.o.ResumeLogout(context.Background(), c.path, 0, nil); err == nil || !strings.Contains(err.Error(), c.message) {
			t.Errorf("%s: error %v, want %q", name, err, c.message)
		}
	}
	if len(f.auditLines(t)) != 1 {
		t.Error("a refused resume wrote an audit line")
	}
}
