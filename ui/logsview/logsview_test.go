package logsview

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/internal/uitest"
	"wsops/logs"
	"wsops/ui/feed"
	"wsops/ui/view"
)

// route: and status: judge a line by its request: an execution or handler
// line is kept with its access line; free words match the message.
func TestFilterKeysKeepTheLinesOfMatchingRequests(t *testing.T) {
	m, _ := newView(t, nil)
	m.Add(traffic())
	if held, shown := m.Lines(); held != 15 || shown != 15 {
		t.Fatalf("%d lines held, %d shown; want 15, 15", held, shown)
	}
	for _, c := range []struct {
		filter string
		want   []string
	}{
		{"status:5xx", []string{"R2=/x", "R2=/s", "R2=/h", "R2=/r", "R2=/a"}},
		{"status:502", []string{"R2=/x", "R2=/s", "R2=/h", "R2=/r", "R2=/a"}},
		{"status:2xx route:$connect", []string{"R1=/x", "R1=/s", "R1=/h", "R1=/r", "R1=/a"}},
		{"route:heartbeat", []string{"R3=/x", "R3=/s", "R3=/h", "R3=/r", "R3=/a"}},
		{"BOOM", []string{"R2=/h"}},
		{"boom status:4xx", nil},
		{"conn00000000001= ack", []string{"R3=/h"}},
		{"", nil}, // every line
	} {
		filter(t, m, c.filter)
		got := shownIDs(m)
		if c.filter == "" {
			if len(got) != 15 {
				t.Errorf("no filter: %d lines shown", len(got))
			}
			continue
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("filter %q: shown %q, want %q", c.filter, got, c.want)
		}
	}
	filter(t, m, "status:5xx")
	if v := m.View(); !strings.Contains(v, "subscribe_order  502  Conn00000000005=  request R2=") || strings.Contains(v, "$connect") {
		t.Errorf("status:5xx view:\n%s", v)
	}
	if m.Note() != "5 of 15 lines" {
		t.Errorf("note %q", m.Note())
	}
	filter(t, m, "status:4xx")
	if v := m.View(); !strings.Contains(v, "none of the 15 lines held matches the filter") {
		t.Errorf("no match:\n%s", v)
	}
}

// Under a status filter, the lines a request caused wait, hidden, for its
// access line, and show in their place when it comes.
func TestLinesBeforeTheirAccessLineShowWhenItComes(t *testing.T) {
	m, _ := newView(t, nil)
	filter(t, m, "status:5xx")
	lines := traffic()[5:10] // R2=: four lines, then its access line
	m.Add(lines[:4])
	if _, shown := m.Lines(); shown != 0 {
		t.Fatalf("%d lines shown before the request's status is known", shown)
	}
	m.Add(numbered(0, 3))
	m.Add(lines[4:])
	if got := shownIDs(m); !slices.Equal(got, []string{"R2=/x", "R2=/s", "R2=/h", "R2=/r", "R2=/a"}) {
		t.Errorf("shown %q", got)
	}
	e := m.ring.at(m.ring.shown[2])
	if e.line.ConnectionID != "Conn00000000005=" || e.line.Route != "subscribe_order" || e.line.Status != "502" {
		t.Errorf("the handler line did not take its request's: %+v", e.line)
	}
	// Once known, a request's later lines join it at once.
	late := logs.Line{Time: uitest.Now, Kind: logs.KindExecution, RequestID: "R2=", Message: "(R2=) late", EventID: "late"}
	m.Add([]logs.Line{late})
	if got := shownIDs(m); len(got) != 6 || got[5] != "late" {
		t.Errorf("a later line of the request: shown %q", got)
	}
}

// The registry's keys keep the lines of the connections they select in
// the fleet the console holds.
func TestRegistryKeysSelectConnections(t *testing.T) {
	m, _ := newView(t, nil)
	m.Add(traffic())
	fl := fleet.New()
	fl.Add(uitest.Conns())
	uitest.Settle(m, func() tea.Msg { return feed.ChangedMsg{Snap: fl.Snapshot()} })
	uitest.Settle(m, filter(t, m, "user:driver-0001"))
	got := shownIDs(m)
	if len(got) != 10 || strings.Contains(strings.Join(got, " "), "R2=") {
		t.Errorf("user:driver-0001 shows %q: want R1= and R3=, all their lines", got)
	}
	uitest.Settle(m, filter(t, m, "app:order-receiver status:5xx"))
	if got := shownIDs(m); len(got) != 5 || got[0] != "R2=/x" {
		t.Errorf("app:order-receiver status:5xx shows %q", got)
	}
	uitest.Settle(m, filter(t, m, "user:nobody"))
	if _, shown := m.Lines(); shown != 0 {
		t.Errorf("user:nobody shows %d lines", shown)
	}
}

// space pauses: lines that come are held, not shown, up to the bound;
// space again shows them, and the view says how many came.
func TestPauseHoldsLinesAndResumeShowsThem(t *testing.T) {
	m, _ := newView(t, nil)
	m.Add(numbered(0, 10))
	m.Update(uitest.Key(" "))
	if !m.Paused() || !strings.Contains(m.View(), "PAUSED (space resumes)") || !strings.Contains(m.Note(), "paused") {
		t.Fatalf("space: paused %v, view:\n%s", m.Paused(), m.View())
	}
	before := m.View()
	m.Add(numbered(10, 3))
	if held, _ := m.Lines(); held != 10 {
		t.Errorf("%d lines in the tail while paused, want 10", held)
	}
	if came, held := m.Held(); came != 3 || held != 3 {
		t.Errorf("held %d of %d", held, came)
	}
	v := m.View()
	if !strings.Contains(v, "PAUSED: 3 new lines held, shown on resume (space)") {
		t.Errorf("paused view:\n%s", v)
	}
	if strings.Split(v, "\n")[1:][0] != strings.Split(before, "\n")[1:][0] || strings.Contains(v, "N0000012=") {
		t.Errorf("the lines on screen moved while paused:\n%s", v)
	}
	m.Update(uitest.Key(" "))
	if held, _ := m.Lines(); m.Paused() || held != 13 || !strings.Contains(m.View(), "N0000012=") {
		t.Errorf("resumed: paused %v, %d lines, view:\n%s", m.Paused(), held, m.View())
	}
	// Past the bound, the newest are held, and the view says so.
	m.Update(uitest.Key(" "))
	m.Add(numbered(100, Bound+7))
	if v := m.View(); !strings.Contains(v, fmt.Sprintf("PAUSED: %d new lines came, the newest %d held", Bound+7, Bound)) {
		t.Errorf("over the bound:\n%s", v)
	}
	m.Update(uitest.Key(" "))
	first := m.ring.at(m.ring.next - uint64(m.ring.len()))
	if held, _ := m.Lines(); held != Bound || first.line.EventID != "n107" {
		t.Errorf("resumed past the bound: %d lines from %s, want %d from n107", held, first.line.EventID, Bound)
	}
}

// The tail keeps Bound lines whatever comes, and what indexes them stays
// as small.
func TestTheTailKeepsBoundLines(t *testing.T) {
	m, _ := newView(t, nil)
	filter(t, m, "status:5xx") // lines wait for their access line: the waiting index is exercised
	for i := range 3 * Bound / 5 {
		at := uitest.Now.Add(-time.Duration(i) * time.Millisecond)
		status := "200"
		if i%7 == 0 {
			status = "503"
		}
		lines := requestLines(at, "Conn00000000001=", fmt.Sprintf("B%06d=", i), "heartbeat", status, "x")
		if i%5 == 0 {
			lines = lines[:4] // an access line never comes: its lines wait until they leave
		}
		m.Add(lines)
	}
	held, shown := m.Lines()
	if held != Bound {
		t.Errorf("%d lines held, want %d", held, Bound)
	}
	r := m.ring
	if len(r.seen) > Bound || len(r.join.order) > Bound || len(r.join.reqs) > 2*Bound || len(r.join.lambda) > Bound {
		t.Errorf("indexes grew past the bound: seen %d, requests %d/%d/%d", len(r.seen), len(r.join.order), len(r.join.reqs), len(r.join.lambda))
	}
	waiting := 0
	for _, seqs := range r.join.waiting {
		waiting += len(seqs)
		for _, s := range seqs {
			if r.at(s) == nil {
				t.Fatalf("a line that left the tail still waits: %d", s)
			}
		}
	}
	if waiting == 0 || waiting > Bound {
		t.Errorf("%d lines waiting", waiting)
	}
	if shown == 0 || shown > held || !slices.IsSorted(r.shown) {
		t.Errorf("%d shown of %d, sorted %v", shown, held, slices.IsSorted(r.shown))
	}
	for _, s := range r.shown {
		if e := r.at(s); e == nil || e.line.Status != "503" {
			t.Fatalf("shown line %d: %+v", s, e)
		}
	}
}

// A line read twice (a poll reads again what the last one read) is kept once.
func TestALineReadTwiceIsKeptOnce(t *testing.T) {
	m, _ := newView(t, nil)
	m.Add(traffic())
	m.Add(traffic())
	if held, _ := m.Lines(); held != 15 {
		t.Errorf("%d lines held, want 15", held)
	}
}

// The cursor moves over the lines; enter opens the detail of the line's
// connection; on the newest line the view follows again.
func TestCursorAndEnterOpenTheLinesConnection(t *testing.T) {
	m, _ := newView(t, nil)
	m.Add([]logs.Line{{Time: uitest.Now.Add(-time.Hour), Kind: logs.KindHandler, Message: "INIT_START Runtime Version: nodejs:20"}})
	m.Add(traffic())
	msgs := uitest.Msgs(m.key(uitest.Key("enter")))
	if len(msgs) != 1 || msgs[0] != (view.OpenMsg{Name: "detail", Arg: "Conn00000000001="}) {
		t.Errorf("enter on the newest line: %#v", msgs)
	}
	for range 5 {
		m.Update(uitest.Key("k"))
	}
	if m.follow || !strings.Contains(m.Note(), "scrolled") {
		t.Fatalf("k: still following")
	}
	if !strings.Contains(m.View(), "▸ "+logs.Row(traffic()[9])) {
		t.Errorf("the cursor is not on the access line of R2=:\n%s", m.View())
	}
	msgs = uitest.Msgs(m.key(uitest.Key("enter")))
	if len(msgs) != 1 || msgs[0] != (view.OpenMsg{Name: "detail", Arg: "Conn00000000005="}) {
		t.Errorf("enter on R2='s access line: %#v", msgs)
	}
	// New lines do not move the cursor while it is off the newest.
	m.Add(numbered(0, 50))
	if got := uitest.Msgs(m.key(uitest.Key("enter"))); got[0] != (view.OpenMsg{Name: "detail", Arg: "Conn00000000005="}) {
		t.Errorf("the cursor moved with new lines: %#v", got)
	}
	m.Update(uitest.Key("G"))
	if !m.follow {
		t.Error("G: not following")
	}
	m.Update(uitest.Key("g"))
	msgs = uitest.Msgs(m.key(uitest.Key("enter")))
	if len(msgs) != 1 {
		t.Fatalf("enter on the oldest line: %#v", msgs)
	}
	if st, ok := msgs[0].(view.StatusMsg); !ok || !strings.Contains(st.Text, "names no connection") {
		t.Errorf("enter on a line that names no connection: %#v", msgs[0])
	}
}
