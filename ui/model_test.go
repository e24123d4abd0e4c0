package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/internal/uitest"
	"wsops/ops"
	"wsops/ui/cmdbar"
	"wsops/ui/feed"
)

func TestFleetArrivesAndIsCounted(t *testing.T) {
	r := newRig(t, uitest.Options{})
	r.until("the first refresh's sample", func(m Model) bool { return len(m.feed.Header().History) > 0 })
	h := r.M.feed.Header()
	if h.Summary.Problems != 2 {
		t.Fatalf("summary %+v", h.Summary)
	}
	if len(h.History) != 1 || h.History[0] != 9 {
		t.Errorf("sparkline history %v, want [9]", h.History)
	}
	if !strings.Contains(r.M.View(), "conns  9 rows") {
		t.Errorf("view lacks the row count:\n%s", r.M.View())
	}
}

func TestCommandsSwitchViews(t *testing.T) {
	r := newRig(t, uitest.Options{})
	r.Keys(":")
	if r.M.bar.Mode() != cmdbar.Command {
		t.Fatal(": did not open the command bar")
	}
	r.Keys("subs")
	r.Send(enter)
	r.until("the subscriptions", func(m Model) bool {
		return m.topName() == "subs" && strings.Contains(m.View(), "business_status#b1")
	})
	r.Send(esc)
	if r.M.topName() != "conns" {
		t.Fatalf("esc left %s on top", r.M.topName())
	}
	for _, name := range []string{"users", "audit", "conns"} {
		r.command(name)
		if r.M.topName() != name {
			t.Fatalf(":%s shows %s", name, r.M.topName())
		}
	}
	if len(r.M.stack) != 1 {
		t.Errorf(":conns left the stack %v, want it alone", r.M.stack)
	}
	r.command("frobnicate")
	if !r.M.statusErr || !strings.Contains(r.M.status, "unknown command :frobnicate") || !strings.Contains(r.M.status, ":repair [RULE]") {
		t.Fatalf("status %q", r.M.status)
	}
}

func TestPastedCommandOpensTheBar(t *testing.T) {
	r := newRig(t, uitest.Options{})
	r.Send(runes("/user:driver-0001"))
	if r.M.bar.Mode() != cmdbar.Filter || r.M.bar.Value() != "user:driver-0001" {
		t.Fatalf("bar %v %q", r.M.bar.Mode(), r.M.bar.Value())
	}
	r.until("the live filter's 2 rows", func(m Model) bool { return m.conns().Len() == 2 })
}

// A submitted filter pushes what the registry serves down to the scan:
// the header then counts only what was read.
func TestSubmittedFilterPushesDownAndRescans(t *testing.T) {
	r := newRig(t, uitest.Options{})
	r.filter("app:order-receiver is:problem")
	if !r.M.feed.Header().Scanning {
		t.Fatal("a filter with a new push-down did not rescan")
	}
	r.until("the merchants' scan", func(m Model) bool {
		h := m.feed.Header()
		return !h.Scanning && h.Summary.Total == 3
	})
	r.until("the two merchants with problems", func(m Model) bool { return m.conns().Len() == 2 })
	// Same push-down, a different local part: no rescan.
	r.filter("app:order-receiver")
	if r.M.feed.Header().Scanning {
		t.Fatal("a local-only filter change rescanned")
	}
	// A bad token leaves the filter as it was and says why.
	r.filter("colour:blue")
	if r.M.query.App != "order-receiver" || !r.M.statusErr || !strings.Contains(r.M.status, "colour") {
		t.Fatalf("bad filter: query %+v, status %q", r.M.query, r.M.status)
	}
}

// failingScans is a registry whose scans fail while fail is set.
type failingScans struct {
	ops.Registry
	fail atomic.Bool
}

func (f *failingScans) Connections(ctx context.Context, sel ops.Select) <-chan ops.Page {
	if !f.fail.Load() {
		return f.Registry.Connections(ctx, sel)
	}
	pages := make(chan ops.Page, 1)
	pages <- ops.Page{Err: errors.New("ProvisionedThroughputExceededException")}
	close(pages)
	return pages
}

func TestFailedRefreshKeepsTheFleetAndSaysSo(t *testing.T) {
	var reg *failingScans
	r := newRig(t, uitest.Options{Deps: func(d *ops.Deps) { reg = &failingScans{Registry: d.Registry}; d.Registry = reg }})
	reg.fail.Store(true)
	r.Send(feed.RescanMsg{})
	r.until("the failed refresh", func(m Model) bool { return m.statusErr && strings.Contains(m.status, "refresh failed") })
	if r.M.conns().Len() != 9 || r.M.feed.Header().Summary.Total != 9 {
		t.Fatalf("the failed refresh lost the fleet: %d rows", r.M.conns().Len())
	}
	// The error stays through a good refresh, until the operator acts.
	reg.fail.Store(false)
	r.Send(feed.RescanMsg{})
	r.until("a good refresh", func(m Model) bool { return !m.feed.Header().Scanning && len(m.feed.Header().History) >= 2 })
	if !r.M.statusErr || !strings.Contains(r.M.View(), "refresh failed") {
		t.Fatalf("a good refresh cleared the error: status %q", r.M.status)
	}
	r.Send(runes("j"))
	if r.M.statusErr {
		t.Errorf("a key left the error on: %q", r.M.status)
	}
}

// An error (a mistyped command) stays on screen through refreshes.
func TestErrorsStayUntilTheOperatorActs(t *testing.T) {
	r := newRig(t, uitest.Options{})
	r.command("bogus")
	for range 3 {
		r.Send(feed.RescanMsg{})
		n := len(r.M.feed.Header().History)
		r.until("a refresh", func(m Model) bool { return len(m.feed.Header().History) > n })
	}
	if !strings.Contains(r.M.View(), "unknown command :bogus") {
		t.Fatalf("the error went with a refresh:\n%s", r.M.View())
	}
}

func TestRefreshMarksAppearedAndVanishedRows(t *testing.T) {
	r := newRig(t, uitest.Options{})
	ctx, schema := context.Background(), r.fx.Profile.Schema
	gone := schema.EncodeConnection(uitest.Conns()[0])
	if err := r.fx.Registry.DeleteRecords(ctx, []ops.Item{r.fx.Registry.KeyOf(false, gone)}, nil); err != nil {
		t.Fatal(err)
	}
	uitest.Put(t, r.fx.DB, schema.Connections.Table.Name, schema.EncodeConnection(ops.Connection{
		ID: "NewConnection01=", User: "driver-0099", App: "drivers", EntityType: "driver", ConnectedAt: fixedNow}))
	r.Send(feed.RescanMsg{})
	r.until("the refresh", func(m Model) bool { return !m.feed.Header().Scanning && len(m.feed.Header().History) >= 2 })
	snap := r.M.feed.Snapshot()
	vanished, _ := snap.Index("Conn00000000001=")
	added, _ := snap.Index("NewConnection01=")
	if snap.State(vanished)&fleet.Vanished == 0 || snap.State(added)&fleet.Appeared == 0 {
		t.Fatalf("states: vanished row %v, new row %v", snap.State(vanished), snap.State(added))
	}
	if total := r.M.feed.Header().Summary.Total; total != 9 {
		t.Errorf("total %d, want 9 (vanished rows are not counted)", total)
	}
}

// goneGateway answers GetConnection 410 for the ids in gone, and fails
// every other call.
type goneGateway struct{ gone map[string]bool }

func (g goneGateway) Get(_ context.Context, id string) (ops.ConnectionInfo, error) {
	if g.gone[id] {
		return ops.ConnectionInfo{}, ops.ErrGone
	}
	return ops.ConnectionInfo{}, errors.New("no answer in this test")
}
func (goneGateway) Post(context.Context, string, []byte) error {
	return errors.New("no post in this test")
}
func (goneGateway) Delete(context.Context, string) error { return errors.New("no delete in this test") }

func TestProbeMarksGoneRowsForIsGone(t *testing.T) {
	r := newRig(t, uitest.Options{Gateway: goneGateway{gone: map[string]bool{"Conn00000000004=": true}}})
	r.until("the probe's answer", func(m Model) bool { return m.feed.Header().Summary.Stale == 1 })
	r.filter("is:gone")
	r.until("the gone row alone", func(m Model) bool {
		id, _ := m.conns().Selected()
		return m.conns().Len() == 1 && id == "Conn00000000004="
	})
}

func TestEnterOpensDetailAndMarksSurviveRefresh(t *testing.T) {
	r := newRig(t, uitest.Options{})
	r.Send(runes(" "))
	if got := r.M.conns().Marked(); len(got) != 1 || got[0] != "Conn00000000001=" {
		t.Fatalf("marked %v", got)
	}
	r.Send(feed.RescanMsg{})
	r.until("the refresh", func(m Model) bool { return !m.feed.Header().Scanning && len(m.feed.Header().History) >= 2 })
	if got := r.M.conns().Marked(); len(got) != 1 {
		t.Fatalf("marks after refresh %v", got)
	}
	if id, _ := r.M.conns().Selected(); id != "Conn00000000001=" {
		t.Fatalf("cursor moved to %s across the refresh", id)
	}
	r.Send(runes("j"))
	r.Send(enter)
	r.until("the details", func(m Model) bool {
		return m.topName() == "detail" && strings.Contains(m.View(), "detail Conn00000000002=") && strings.Contains(m.View(), "Attributes:")
	})
}

func TestQuit(t *testing.T) {
	r := newRig(t, uitest.Options{})
	_, cmd := r.M.Update(runes("q"))
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q does not quit")
	}
}

func TestProfileSwitch(t *testing.T) {
	r := newRig(t, uitest.Options{})
	closed := 0
	r.M.sess.Close = func() { closed++ }
	other := uitest.New(t, r.c, uitest.Options{})
	other.Profile.Name = "other"
	r.M.opt.Open = func(_ context.Context, name string) (Session, error) {
		if name != "other" {
			return Session{}, errors.New(`unknown profile "` + name + `"`)
		}
		return Session{Profile: other.Profile, Ops: other.Ops}, nil
	}
	r.command("profile nope")
	r.until("the refusal", func(m Model) bool { return m.statusErr })
	if !strings.Contains(r.M.status, "nope") || r.M.sess.Profile.Name != "sandbox" {
		t.Fatalf("failed switch: status %q, profile %s", r.M.status, r.M.sess.Profile.Name)
	}
	old := r.M.common.Ctx
	r.command("profile other")
	r.until("the other profile's fleet", func(m Model) bool { return m.sess.Profile.Name == "other" && scanned(m, 9) })
	if closed != 1 || old.Err() == nil {
		t.Errorf("the old session's clients were closed %d times (want once), its context ended: %v", closed, old.Err() != nil)
	}
	if !strings.Contains(r.M.View(), "wsops  other") {
		t.Errorf("the header does not name the new profile:\n%s", r.M.View())
	}
}

func TestEscOnTheFilterBarRestoresTheFilter(t *testing.T) {
	r := newRig(t, uitest.Options{})
	r.filter("app:order-receiver")
	r.until("the merchants", func(m Model) bool { return scanned(m, 3) })
	r.Keys("/ is:problem")
	r.until("the live filter", func(m Model) bool { return m.conns().Len() == 2 })
	r.Send(esc)
	r.until("the filter restored", func(m Model) bool { return m.conns().Len() == 3 })
	if got := r.M.query.String(); got != "app:order-receiver" {
		t.Fatalf("after esc the filter is %q, want app:order-receiver", got)
	}
}

func TestHeaderMatrixStaysSmallWithJunkApps(t *testing.T) {
	r := newRig(t, uitest.Options{})
	schema := r.fx.Profile.Schema
	for i := range 200 {
		uitest.Put(t, r.fx.DB, schema.Connections.Table.Name, schema.EncodeConnection(ops.Connection{
			ID: fmt.Sprintf("Junk%011d=", i), User: "u", App: fmt.Sprintf("app-%03d", i), EntityType: "driver", ConnectedAt: fixedNow}))
	}
	r.Send(feed.RescanMsg{})
	r.until("the junk", func(m Model) bool { return scanned(m, 209) })
	view := r.M.View()
	if !strings.Contains(view, "+196 more") || !strings.Contains(view, "Conn00000000001=") {
		t.Fatalf("the matrix is not capped or the table is gone:\n%s", view)
	}
}

// ctrl+r scans now; ctrl+p pauses the refresh ticks, and says so.
func TestRefreshAndPauseKeys(t *testing.T) {
	r := newRig(t, uitest.Options{})
	r.Send(tea.KeyMsg{Type: tea.KeyCtrlR})
	if !r.M.feed.Header().Scanning {
		t.Fatal("ctrl+r did not scan")
	}
	r.until("the scan", func(m Model) bool { return !m.feed.Header().Scanning })
	r.Send(tea.KeyMsg{Type: tea.KeyCtrlP})
	if !strings.Contains(r.M.View(), "paused · refreshed") {
		t.Fatalf("the header does not say paused:\n%s", r.M.View())
	}
	r.Send(tea.KeyMsg{Type: tea.KeyCtrlP})
	if strings.Contains(r.M.View(), "paused") {
		t.Fatalf("still paused after ctrl+p again:\n%s", r.M.View())
	}
}

// A filter on an app nobody has says so as it is typed, with the closest
// known one; a key the filter language lacks is an error at once.
func TestFilterSaysWhatIsWrongAsItIsTyped(t *testing.T) {
	r := newRig(t, uitest.Options{})
	r.Keys("/app:order-reciever")
	if !r.M.statusErr || !strings.Contains(r.M.status, "no app order-reciever (did you mean order-receiver?)") {
		t.Errorf("a mistyped app: status %q", r.M.status)
	}
	r.Send(esc)
	for _, bad := range []string{"/is:foo", "/business:x"} {
		r.Keys(bad)
		if !r.M.statusErr {
			t.Errorf("%s: accepted silently (status %q)", bad, r.M.status)
		}
		r.Send(esc)
	}
}

// TestSessionWarningsOnTheStatusLine: what opening the profile found wrong
// (a management_url on a custom domain) is on the status line, escaped.
func TestSessionWarningsOnTheStatusLine(t *testing.T) {
	opt := fixtureOptions(t)
	opt.Session.Warnings = []string{"management_url is on the custom domain ws.example.com\x1b[2J", "second"}
	m := New(t.Context(), opt)
	if !m.statusErr || !strings.Contains(m.status, `custom domain ws.example.com\x1b[2J`) || !strings.Contains(m.status, "and 1 more") {
		t.Fatalf("status %q (error %v)", m.status, m.statusErr)
	}
}
