package ops

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

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
	f.api.SetFault(func(method, id string, call int) error {
		if call == 1 && (method == "DELETE" && id == cutFails || method == "POST" && id == noticeFails) {
			return errors.New("connection reset by peer")
		}
		return nil
	})
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

	var progress progressLog
	// The resume: notices and cuts for what the first run left.
	res, err = f.ops.ResumeLogout(context.Background(), journal, 0, progress.report)
	if err != nil {
		t.Fatal(err)
	}
	want = LogoutResult{Targets: 3, Notified: 3, Disconnected: 3, RecordsDeleted: 6}
	if !equalLogout(res, want) || !res.Complete {
		t.Errorf("after the resume %+v, want %+v, complete", res, want)
	}
	if steps := progress.get(); len(steps) != 2 || steps[1] != [2]int{3, 3} {
		t.Errorf("the resume's progress %v, want two steps ending at 3 of 3 (the settled target counted)", steps)
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
	if n := f.api.Calls("POST", cutFails); n != 1 {
		t.Errorf("the notified target's notice was posted %d times, want once", n)
	}
	assertLoggedOut(t, f, DefaultNotice, mine...)
	assertUntouched(t, f, bystander)
	if conns, subs := f.records(t, data.Select{User: "u-r"}); len(conns)+len(subs) != 0 {
		t.Errorf("records left: %v %v", conns, subs)
	}
	lines := f.auditLines(t)
	if len(lines) != 2 || lines[1].Filter != "resume "+journal || lines[1].Targets != 2 || lines[1].Result["disconnected"] != 3 ||
		lines[1].Result["failed"] != 0 || lines[1].Phase != "end" {
		t.Errorf("audit lines %+v, want the logout and its resume (of 2 targets, the journal's 3 disconnected)", lines)
	}
	requests := len(f.w.Requests())

	// A complete journal: nothing to do, nothing asked, nothing audited.
	asked := len(f.confirm.asked())
	res, err = f.ops.ResumeLogout(context.Background(), journal, 0, nil)
	if err != nil || !res.Complete || res.Disconnected != 3 {
		t.Errorf("resuming a complete journal: %+v, %v", res, err)
	}
	if len(f.confirm.asked()) != asked || len(rawAudit(t, f.audit.Path())) != 4 {
		t.Error("resuming a complete journal asked for confirmation or wrote an audit line")
	}
	if n := len(f.w.Requests()); n != requests {
		t.Errorf("resuming a complete journal made %d requests", n-requests)
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
	old := filepath.Join(t.TempDir(), "send.jsonl")
	if err := os.WriteFile(old, []byte(`{"format":"wsops-send-journal/1","targets":[]}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sendJournal := filepath.Join(t.TempDir(), "send2.jsonl")
	writeJournal(t, sendJournal, f.header("send", sendPlan{Payload: []byte(`{}`), Targets: []Target{{ID: staleID(1)}}}))
	other := func(change func(*Deps)) *Ops { return f.with(t, change) }
	for name, c := range map[string]struct {
		o       *Ops
		path    string
		message string
	}{
		"another profile's":        {other(func(d *Deps) { d.Policy.Profile = "prod" }), journal, "written on profile sandbox, not prod"},
		"another management URL's": {other(func(d *Deps) { d.Place.Management = "https://abc.execute-api.eu-west-1.amazonaws.com/prod" }), journal, "refused"},
		"another registry's":       {other(func(d *Deps) { d.Place.Registry = "aws dynamodb eu-west-1" }), journal, "refused"},
		"other tables'":            {other(func(d *Deps) { d.Place.Tables[1] = "other-subscriptions" }), journal, "refused"},
		"an older wsops's journal": {f.ops, old, "not a wsops-journal/2 header"},
		"a send journal":           {f.ops, sendJournal, "a journal of send, not of logout"},
		"a missing file":           {f.ops, filepath.Join(t.TempDir(), "none.jsonl"), "no such file"},
	} {
		if _, err := c.o.ResumeLogout(context.Background(), c.path, 0, nil); err == nil || !strings.Contains(err.Error(), c.message) {
			t.Errorf("%s: error %v, want %q", name, err, c.message)
		}
	}
	// The first run's line, then one refusal line for each journal of
	// another profile or place; nothing asked.
	if lines := f.auditLines(t); len(lines) != 5 || len(f.confirm.asked()) != 1 {
		t.Errorf("audit lines %d, confirmations %d: want the run and 4 refusals audited, nothing asked", len(lines), len(f.confirm.asked()))
	} else {
		for _, l := range lines[1:] {
			if !strings.Contains(l.Error, ErrForeignJournal.Error()) {
				t.Errorf("audit line %+v, want a refusal of a foreign journal", l)
			}
		}
	}
}

func TestLogoutResumeAfterACrashNeverCutsWithoutANoticeNorTwice(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 2, Claims: usersOf(map[int][2]string{0: {"u-k", "drivers"}, 1: {"u-k", "drivers"}})})
	noticed, cutting := f.w.IDs[0], f.w.IDs[1]
	// A logout killed after journaling the intents: target 0's notice (its
	// post may or may not have been made), target 1's cut (so its notice was
	// delivered; the cut may or may not have been made).
	journal := journalIn(t)
	writeJournal(t, journal, f.header("logout", logoutPlan{Notice: []byte(DefaultNotice), Targets: []Target{{ID: noticed}, {ID: cutting}}}),
		entry{T: ptr(0), Intent: "notice"}, entry{T: ptr(1), Intent: "notice"}, entry{T: ptr(1), Intent: "cut"})
	res, err := f.ops.ResumeLogout(context.Background(), journal, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (LogoutResult{Targets: 2, Notified: 2, Disconnected: 2, RecordsDeleted: 2}); !equalLogout(res, want) || !res.Complete {
		t.Errorf("resume %+v, want %+v, complete", res, want)
	}
	if got := f.methods(noticed); !slices.Equal(got, []string{"POST", "DELETE"}) {
		t.Errorf("requests for the target whose notice was intended: %v, want the notice again, then the cut", got)
	}
	if got := f.methods(cutting); !slices.Equal(got, []string{"GET", "DELETE"}) {
		t.Errorf("requests for the target whose cut was intended: %v, want GetConnection (is it still open?), then the cut: never the notice twice", got)
	}
	if p := f.api.Calls("POST", cutting); p != 0 {
		t.Errorf("the notified target's notice was posted again %d times", p)
	}
	assertLoggedOut(t, f, DefaultNotice, noticed)
	if code := f.w.Client(cutting).WaitClosed(t); code != websocket.StatusNormalClosure {
		t.Errorf("the cut target closed with %v, want 1000", code)
	}
}

// header is a journal header of action at the rig's place, on its profile.
func (f *fleetRig) header(action string, plan any) header {
	raw, err := json.Marshal(plan)
	if err != nil {
		panic(err)
	}
	return header{Format: journalFormat, Action: action, Profile: f.deps.Policy.Profile, Place: f.deps.Place,
		Time: time.Now().UTC(), Filter: "by hand", RPS: rateOf(50), Plan: raw}
}

// writeJournal writes a journal by hand: a header and lines, as a run
// killed at that instant leaves it.
func writeJournal(t *testing.T, path string, h header, lines ...entry) {
	t.Helper()
	var b []byte
	for _, v := range append([]any{h}, anys(lines)...) {
		line, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		b = append(append(b, line...), '\n')
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func anys(es []entry) []any {
	out := make([]any, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func ptr(n int) *int { return &n }
