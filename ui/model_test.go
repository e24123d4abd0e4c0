package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/data"
	"wsops/fleet"
	"wsops/ui/cmdbar"
	"wsops/ui/progress"
)

// model is a root model at 160×45 with the fixture fleet loaded (the first
// scan's pages applied by hand, its query run synchronously).
func model(t *testing.T) Model {
	t.Helper()
	m := New(t.Context(), fixtureOptions(t))
	m = update(t, m, tea.WindowSizeMsg{Width: 160, Height: 45})
	m = update(t, m, scanPageMsg{scan: m.refresh.scan, page: data.Page[data.Connection]{Items: decoded(m)}})
	m = update(t, m, scanDoneMsg{scan: m.refresh.scan})
	return settle(t, m)
}

// decoded is the fixture fleet as the registry would stream it.
func decoded(m Model) []data.Connection {
	var out []data.Connection
	for _, c := range fixtureConns() {
		out = append(out, m.sess.Profile.Schema.DecodeConnection(m.sess.Profile.Schema.EncodeConnection(c), fixedNow))
	}
	return out
}

func update(t *testing.T, m Model, msg tea.Msg) Model {
	t.Helper()
	next, _ := m.Update(msg)
	return next.(Model)
}

// settle runs the pending query synchronously, as the program would.
func settle(t *testing.T, m Model) Model {
	t.Helper()
	for m.queries.busy {
		key, desc := m.conns.Sort()
		msg := queryCmd(m.queries.seq, m.fleet.Snapshot(), m.query, key, desc, m.sess.Profile.Schema, m.top() == viewUsers)()
		m = update(t, m, msg)
	}
	return m
}

func keys(t *testing.T, m Model, text string) Model {
	t.Helper()
	for _, r := range text {
		m = update(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	return m
}

func TestFleetArrivesAndIsCounted(t *testing.T) {
	m := model(t)
	if m.conns.Len() != 9 || m.summary.Total != 9 || m.summary.Problems != 2 {
		t.Fatalf("rows %d, summary %+v", m.conns.Len(), m.summary)
	}
	if len(m.refresh.history) != 1 || m.refresh.history[0] != 9 {
		t.Errorf("sparkline history %v, want [9]", m.refresh.history)
	}
	if !strings.Contains(m.View(), "9 rows") {
		t.Errorf("view lacks the row count")
	}
}

func TestCommandsSwitchViews(t *testing.T) {
	m := model(t)
	m = keys(t, m, ":")
	if m.bar.Mode() != cmdbar.Command {
		t.Fatal(": did not open the command bar")
	}
	m = keys(t, m, "subs")
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	m = next.(Model)
	if cmd == nil {
		t.Fatal("enter submitted nothing")
	}
	next, load := m.Update(cmd())
	m = next.(Model)
	if m.top() != viewSubs || load == nil {
		t.Fatalf("after :subs the view is %s (load %v)", viewNames[m.top()], load != nil)
	}
	m = update(t, m, tea.KeyMsg{Type: tea.KeyEsc})
	if m.top() != viewConns {
		t.Fatalf("esc left %s on top", viewNames[m.top()])
	}
	m = update(t, m, cmdbar.SubmitMsg{Mode: cmdbar.Command, Text: "frobnicate"})
	if !m.statusErr || !strings.Contains(m.status, "unknown command :frobnicate") {
		t.Fatalf("status %q", m.status)
	}
}

func TestPastedCommandOpensTheBar(t *testing.T) {
	m := model(t)
	m = update(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/user:driver-0001")})
	if m.bar.Mode() != cmdbar.Filter || m.bar.Value() != "user:driver-0001" {
		t.Fatalf("bar %v %q", m.bar.Mode(), m.bar.Value())
	}
	m = settle(t, m)
	if m.conns.Len() != 2 {
		t.Fatalf("live filter shows %d rows, want driver-0001's 2", m.conns.Len())
	}
}

func TestSubmittedFilterPushesDownAndRescans(t *testing.T) {
	m := model(t)
	scan := m.refresh.scan
	m = update(t, m, cmdbar.SubmitMsg{Mode: cmdbar.Filter, Text: "app:drivers is:problem"})
	if m.pushed.App != "drivers" || m.refresh.scan != scan+1 || !m.refresh.scanning {
		t.Fatalf("pushed %+v, scan %d→%d", m.pushed, scan, m.refresh.scan)
	}
	// A page of the old scan arriving late is dropped.
	m = update(t, m, scanPageMsg{scan: scan, page: data.Page[data.Connection]{Items: decoded(m)}})
	if m.fleet.Snapshot().Len() != 0 {
		t.Fatalf("a stale scan's page was applied")
	}
	// Same push-down, different local part: no rescan.
	m = update(t, m, cmdbar.SubmitMsg{Mode: cmdbar.Filter, Text: "app:drivers"})
	if m.refresh.scan != scan+1 {
		t.Fatalf("a local-only filter change rescanned")
	}
	// A bad token leaves the filter as it was and says why.
	m = update(t, m, cmdbar.SubmitMsg{Mode: cmdbar.Filter, Text: "colour:blue"})
	if m.pushed.App != "drivers" || !m.statusErr || !strings.Contains(m.status, "colour") {
		t.Fatalf("bad filter: pushed %+v, status %q", m.pushed, m.status)
	}
}

func TestFailedRefreshKeepsTheFleetAndSaysSo(t *testing.T) {
	m := model(t)
	m = update(t, m, tickMsg{scan: m.refresh.scan})
	m = update(t, m, scanDoneMsg{scan: m.refresh.scan, Err: errors.New("ProvisionedThroughputExceededException")})
	m = settle(t, m)
	if m.conns.Len() != 9 || !m.statusErr || !strings.Contains(m.status, "refresh failed") {
		t.Fatalf("rows %d, status %q", m.conns.Len(), m.status)
	}
}

func TestRefreshMarksAppearedAndVanishedRows(t *testing.T) {
	m := model(t)
	m = update(t, m, tickMsg{scan: m.refresh.scan})
	rows := decoded(m)[1:] // Conn00000000001= is gone
	extra := m.sess.Profile.Schema.DecodeConnection(m.sess.Profile.Schema.EncodeConnection(data.Connection{
		ID: "NewConnection01=", User: "driver-0099", App: "drivers", EntityType: "driver", ConnectedAt: fixedNow}), fixedNow)
	m = update(t, m, scanPageMsg{scan: m.refresh.scan, page: data.Page[data.Connection]{Items: append(rows, extra)}})
	m = update(t, m, scanDoneMsg{scan: m.refresh.scan})
	m = settle(t, m)
	snap := m.fleet.Snapshot()
	gone, _ := snap.Index("Conn00000000001=")
	added, _ := snap.Index("NewConnection01=")
	if snap.State(gone)&fleet.Vanished == 0 || snap.State(added)&fleet.Appeared == 0 {
		t.Fatalf("states: vanished row %v, new row %v", snap.State(gone), snap.State(added))
	}
	if m.summary.Total != 9 {
		t.Errorf("total %d, want 9 (vanished rows are not counted)", m.summary.Total)
	}
}

func TestProbeMarksGoneRowsForIsGone(t *testing.T) {
	m := model(t)
	m = update(t, m, probeMsg{id: "Conn00000000004=", gone: true, known: true})
	m = update(t, m, probeMsg{id: "Conn00000000005=", known: false})
	m = settle(t, m)
	m = update(t, m, cmdbar.SubmitMsg{Mode: cmdbar.Filter, Text: "is:gone"})
	m = settle(t, m)
	if id, _ := m.conns.Selected(); m.conns.Len() != 1 || id != "Conn00000000004=" {
		t.Fatalf("is:gone shows %d rows (%s)", m.conns.Len(), id)
	}
}

func TestEnterOpensDetailAndMarksSurviveRefresh(t *testing.T) {
	m := model(t)
	m = update(t, m, tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
	if got := m.conns.Marked(); len(got) != 1 || got[0] != "Conn00000000001=" {
		t.Fatalf("marked %v", got)
	}
	m = update(t, m, tickMsg{scan: m.refresh.scan})
	m = update(t, m, scanPageMsg{scan: m.refresh.scan, page: data.Page[data.Connection]{Items: decoded(m)}})
	m = update(t, m, scanDoneMsg{scan: m.refresh.scan})
	m = settle(t, m)
	if got := m.conns.Marked(); len(got) != 1 {
		t.Fatalf("marks after refresh %v", got)
	}
	if id, _ := m.conns.Selected(); id != "Conn00000000002=" {
		t.Fatalf("cursor moved to %s across the refresh", id)
	}
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	m = next.(Model)
	m = update(t, m, cmd())
	if m.top() != viewDetail || m.detail.ID() != "Conn00000000002=" {
		t.Fatalf("enter: top %s, detail %s", viewNames[m.top()], m.detail.ID())
	}
}

func TestQuit(t *testing.T) {
	m := model(t)
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'q'}})
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q does not quit")
	}
}

func TestQuitFromAFinishedActionsSummaryButNotWhileItRuns(t *testing.T) {
	m := model(t)
	m.runView.Start("prune")
	if _, cmd := m.Update(runes("q")); cmd != nil {
		if _, quits := cmd().(tea.QuitMsg); quits {
			t.Fatal("q quit while an action runs")
		}
	}
	m.runView.Finish(progress.Summary{})
	_, cmd := m.Update(runes("q"))
	if cmd == nil {
		t.Fatal("q on the summary returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q on the summary does not quit")
	}
}

func TestProfileSwitch(t *testing.T) {
	m := model(t)
	closed := 0
	m.sess.Close = func() { closed++ }
	other := fixtureSession(t, m.confirmer)
	other.Profile.Name = "other"
	m.opt.Open = func(_ context.Context, name string) (Session, error) {
		if name != "other" {
			return Session{}, errors.New(`unknown profile "` + name + `"`)
		}
		return other, nil
	}
	next, cmd := m.Update(cmdbar.SubmitMsg{Mode: cmdbar.Command, Text: "profile nope"})
	m = update(t, next.(Model), cmd())
	if !m.statusErr || !strings.Contains(m.status, "nope") || m.sess.Profile.Name != "sandbox" {
		t.Fatalf("failed switch: status %q, profile %s", m.status, m.sess.Profile.Name)
	}
	next, cmd = m.Update(cmdbar.SubmitMsg{Mode: cmdbar.Command, Text: "profile other"})
	scan := next.(Model).refresh.scan
	m = update(t, next.(Model), cmd())
	if m.sess.Profile.Name != "other" || m.refresh.scan != scan+1 || m.fleet.Snapshot().Len() != 0 {
		t.Fatalf("switch: profile %s, scan %d→%d", m.sess.Profile.Name, scan, m.refresh.scan)
	}
	if closed != 1 {
		t.Errorf("the old session's clients were closed %d times, want once", closed)
	}
}

func TestEscOnTheFilterBarRestoresTheFilter(t *testing.T) {
	m := model(t)
	m = update(t, m, cmdbar.SubmitMsg{Mode: cmdbar.Filter, Text: "app:drivers"})
	m = settle(t, m)
	m = keys(t, m, "/")
	m = keys(t, m, " is:problem")
	m = settle(t, m)
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEsc})
	m = next.(Model)
	m = settle(t, update(t, m, cmd()))
	if got := m.query.String(); got != "app:drivers" {
		t.Fatalf("after esc the filter is %q, want app:drivers", got)
	}
}

func TestLateMessagesFromOldWorkAreDropped(t *testing.T) {
	m := model(t)
	old := m.sessGen
	m = update(t, m, cmdbar.SubmitMsg{Mode: cmdbar.Command, Text: "subs"})
	first := m.subsLoad.seq
	m = update(t, m, tickMsg{scan: m.refresh.scan}) // a refresh while the first read is still busy: no second read
	if m.subsLoad.seq != first {
		t.Fatalf("a tick started a second subscriptions read while one was in flight")
	}
	m = update(t, m, subsMsg{seq: first - 1, Err: errors.New("stale")})
	if m.statusErr {
		t.Fatalf("an older subscriptions read was applied: %q", m.status)
	}
	other := fixtureSession(t, m.confirmer)
	m.opt.Open = func(context.Context, string) (Session, error) { return other, nil }
	next, cmd := m.Update(cmdbar.SubmitMsg{Mode: cmdbar.Command, Text: "profile other"})
	m = update(t, next.(Model), cmd())
	m = update(t, m, probeMsg{gen: old, id: "Conn00000000001=", gone: true, known: true})
	if snap := m.fleet.Snapshot(); snap.Len() != 0 {
		t.Fatalf("an old session's probe touched the new fleet")
	}
	if m.sessCtx.Err() != nil {
		t.Fatal("the new session's context is cancelled")
	}
}

func TestHeaderMatrixStaysSmallWithJunkApps(t *testing.T) {
	m := model(t)
	var junk []data.Connection
	for i := range 200 {
		c := data.Connection{ID: fmt.Sprintf("Junk%011d=", i), User: "u", App: fmt.Sprintf("app-%03d", i), EntityType: "driver", ConnectedAt: fixedNow}
		junk = append(junk, m.sess.Profile.Schema.DecodeConnection(m.sess.Profile.Schema.EncodeConnection(c), fixedNow))
	}
	m = update(t, m, tickMsg{scan: m.refresh.scan})
	m = update(t, m, scanPageMsg{scan: m.refresh.scan, page: data.Page[data.Connection]{Items: append(decoded(m), junk...)}})
	m = settle(t, update(t, m, scanDoneMsg{scan: m.refresh.scan}))
	view := m.View()
	if !strings.Contains(view, "+196 more") || !strings.Contains(view, "Conn00000000001=") {
		t.Fatalf("the matrix is not capped or the table is gone:\n%s", view)
	}
}
