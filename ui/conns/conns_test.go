package conns

import (
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/data"
	"wsops/fleet"
	"wsops/internal/uitest"
	"wsops/ui/action"
	"wsops/ui/confirm"
	"wsops/ui/feed"
	"wsops/ui/view"
)

func snapshot(conns []data.Connection) fleet.Snapshot {
	fl := fleet.New()
	fl.Add(conns)
	return fl.Snapshot()
}

// loaded is the view showing the fixture fleet, as the feed hands it over.
func loaded(t *testing.T) *Model {
	t.Helper()
	m := New(uitest.New(t, confirm.NewConfirmer(), uitest.Options{}).Common(t)).(*Model)
	m.SetSize(120, 20)
	_, cmd := m.Update(feed.ChangedMsg{Snap: snapshot(uitest.Conns())})
	uitest.Settle(m, cmd)
	if m.Len() != 9 {
		t.Fatalf("%d rows after the snapshot, want 9", m.Len())
	}
	return m
}

// send hands msg to m, runs what it returns back through m, and returns
// every message that came of it.
func send(m *Model, msg tea.Msg) []tea.Msg {
	_, cmd := m.Update(msg)
	return uitest.Settle(m, cmd)
}

// only sends msg and returns the one message that came of it.
func only(t *testing.T, m *Model, msg tea.Msg) tea.Msg {
	t.Helper()
	out := send(m, msg)
	if len(out) != 1 {
		t.Fatalf("%#v yields %d messages, want 1: %#v", msg, len(out), out)
	}
	return out[0]
}

func filter(t *testing.T, m *Model, text string) {
	t.Helper()
	q, err := fleet.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	send(m, view.FilterMsg{Query: q})
}

// ids are the ids of the rows shown, in order.
func ids(m *Model) []string { return m.Window(100) }

func TestFilterNarrowsRows(t *testing.T) {
	m := loaded(t)
	filter(t, m, "app:drivers")
	want := []string{"Conn00000000001=", "Conn00000000002=", "Conn00000000008="}
	if got := ids(m); !slices.Equal(got, want) {
		t.Errorf("app:drivers shows %v, want %v", got, want)
	}
	filter(t, m, "android")
	if got := ids(m); len(got) != 3 || !slices.Contains(got, "Conn00000000002=") || slices.Contains(got, "Conn00000000001=") {
		t.Errorf("android shows %v", got)
	}
	filter(t, m, "")
	if m.Len() != 9 {
		t.Errorf("an empty filter shows %d rows, want 9", m.Len())
	}
}

func TestSortKeysChangeOrder(t *testing.T) {
	m := loaded(t)
	if got := ids(m); got[0] != "Conn00000000001=" || got[8] != "Conn00000000009=" {
		t.Fatalf("by id: %v", got)
	}
	send(m, uitest.Key("s")) // by user: customer-0001 first, the hostile "x…" last
	if got := ids(m); got[0] != "Conn00000000003=" || got[8] != "Conn00000000008=" {
		t.Errorf("s (by user): %v", got)
	}
	send(m, uitest.Key("S"))
	if got := ids(m); got[0] != "Conn00000000008=" || got[8] != "Conn00000000003=" {
		t.Errorf("S (by user, reversed): %v", got)
	}
	if col, desc := m.table.Sort(); col != 1 || !desc {
		t.Errorf("sort indicator on column %d desc=%v, want 1 true", col, desc)
	}
	if id, _ := m.Selected(); id != "Conn00000000001=" {
		t.Errorf("the cursor left its connection on re-sorting: on %s", id)
	}
}

func TestMarksAreTheTargets(t *testing.T) {
	m := loaded(t)
	if got := m.Targets(); !slices.Equal(got, []string{"Conn00000000001="}) {
		t.Fatalf("no marks: targets %v, want the cursor's", got)
	}
	send(m, uitest.Key(" "))
	if id, _ := m.Selected(); id != "Conn00000000001=" || m.Note() != "9 rows, 1 marked" {
		t.Fatalf("after space: cursor on %s, note %q; want it left on the marked row, and the mark counted", id, m.Note())
	}
	send(m, uitest.Key("j"))
	send(m, uitest.Key(" "))
	want := []string{"Conn00000000001=", "Conn00000000002="}
	if got := m.Targets(); !slices.Equal(got, want) {
		t.Fatalf("targets %v, want %v", got, want)
	}
	if strings.Count(m.View(), "Conn") != 9 {
		t.Errorf("view does not list the 9 rows:\n%s", m.View())
	}
	m.table.SetCursor(0)
	send(m, uitest.Key(" ")) // unmark
	if got := m.Targets(); !slices.Equal(got, want[1:]) {
		t.Errorf("after unmarking: targets %v, want %v", got, want[1:])
	}
	filter(t, m, "app:customers") // the mark is no longer listed
	if got := m.Targets(); len(got) != 1 || got[0] == "Conn00000000002=" {
		t.Errorf("targets %v include a mark the filter hides", got)
	}
}

// v marks from the last mark to the cursor, * every row listed, esc
// clears the marks (and is the view's only while there are some).
func TestRangeAllAndClearMarks(t *testing.T) {
	m := loaded(t)
	send(m, uitest.Key("j"))
	send(m, uitest.Key(" ")) // the anchor: row 2
	for range 3 {
		send(m, uitest.Key("j"))
	}
	send(m, uitest.Key("v"))
	want := []string{"Conn00000000002=", "Conn00000000003=", "Conn00000000004=", "Conn00000000005="}
	if got := m.Marked(); !slices.Equal(got, want) {
		t.Fatalf("v marked %v, want %v", got, want)
	}
	esc := tea.KeyMsg{Type: tea.KeyEsc}
	if !m.Captures(esc) {
		t.Fatal("esc with marks is not the view's")
	}
	send(m, esc)
	if got := m.Marked(); len(got) != 0 || m.Captures(esc) {
		t.Fatalf("esc left marks %v (or still takes esc)", got)
	}
	filter(t, m, "app:customers")
	send(m, uitest.Key("*"))
	if got := m.Marked(); len(got) != m.Len() || len(got) != 3 {
		t.Errorf("* marked %v, want the 3 rows listed", got)
	}
}

func TestKeysAskForDetailsSendAndLogout(t *testing.T) {
	m := loaded(t)
	if got := only(t, m, uitest.Key("enter")); got != (view.OpenMsg{Name: "detail", Arg: "Conn00000000001="}) {
		t.Errorf("enter yields %#v", got)
	}
	sm, ok := only(t, m, uitest.Key("x")).(action.SendMsg)
	if !ok || !slices.Equal(sm.Targets.Conns, []string{"Conn00000000001="}) || sm.Targets.All {
		t.Errorf("x yields %#v", sm)
	}
	lm, ok := only(t, m, uitest.Key("L")).(action.LogoutMsg)
	if !ok || !slices.Equal(lm.Targets.Conns, []string{"Conn00000000001="}) {
		t.Errorf("L yields %#v", lm)
	}
}

func TestCommands(t *testing.T) {
	m := loaded(t)
	if sm, ok := only(t, m, view.CommandMsg{Name: "send", Arg: "all"}).(action.SendMsg); !ok || !sm.Targets.All {
		t.Errorf(":send all with no filter yields %#v, want All", sm)
	}
	filter(t, m, "app:drivers")
	sm, ok := only(t, m, view.CommandMsg{Name: "send", Arg: "all"}).(action.SendMsg)
	if !ok || sm.Targets.Select.App != "drivers" || sm.Targets.All || len(sm.Targets.Conns) != 0 {
		t.Errorf(":send all under app:drivers yields %#v, want the selection", sm)
	}
	if st, ok := only(t, m, view.CommandMsg{Name: "logout", Arg: "now"}).(view.StatusMsg); !ok || !st.Err {
		t.Errorf(":logout now yields %#v, want an error status", st)
	}
	if st, ok := only(t, m, view.CommandMsg{Name: "prune"}).(action.StartMsg); !ok || st.Do == nil {
		t.Errorf(":prune yields %#v", st)
	}
}

func TestQueriesOnlyOnTop(t *testing.T) {
	m := loaded(t)
	if _, cmd := m.Update(view.TopMsg{Name: "subs"}); cmd != nil {
		t.Error("covering the view asked for work")
	}
	two := snapshot(uitest.Conns()[:2])
	if _, cmd := m.Update(feed.ChangedMsg{Snap: two, Refreshed: true}); cmd != nil {
		t.Error("a snapshot queried (or probed) while the view was covered")
	}
	if m.Len() != 9 {
		t.Errorf("%d rows while covered, want the 9 shown before", m.Len())
	}
	send(m, view.TopMsg{Name: "conns"})
	if m.Len() != 2 {
		t.Errorf("%d rows once on top again, want the newest snapshot's 2", m.Len())
	}
}

func TestRefreshedAsksForAProbe(t *testing.T) {
	m := loaded(t)
	var probe *feed.ProbeMsg
	for _, msg := range send(m, feed.ChangedMsg{Snap: snapshot(uitest.Conns()), Refreshed: true}) {
		if p, ok := msg.(feed.ProbeMsg); ok {
			probe = &p
		}
	}
	if probe == nil || !slices.Equal(probe.IDs, m.Window(probeWindow)) || len(probe.IDs) != 9 {
		t.Errorf("a refresh on top asks for probe %#v, want the window's 9 ids", probe)
	}
	for _, msg := range send(m, feed.ChangedMsg{Snap: snapshot(uitest.Conns())}) {
		if _, ok := msg.(feed.ProbeMsg); ok {
			t.Error("a streamed page (not a refresh) asked for a probe")
		}
	}
}
