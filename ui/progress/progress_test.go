package progress

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/uitest"
	"wsops/ops"
	"wsops/sanitize"
)

// newModel is a view rendering plain text: the bar uses lipgloss's default
// renderer, so it is set to ASCII too.
func newModel(t *testing.T) Model {
	t.Helper()
	m := New(uitest.PlainStyles())
	m.SetSize(80, 20)
	return m
}

func TestClosedViewIgnoresKeys(t *testing.T) {
	m := newModel(t)
	if m.IsOpen() || m.Running() || m.View() != "" {
		t.Fatalf("new view: open %v running %v view %q", m.IsOpen(), m.Running(), m.View())
	}
	for _, k := range []string{"ctrl+c", "esc", "p"} {
		if _, cmd := m.Update(uitest.Key(k)); cmd != nil {
			t.Errorf("closed view answers %s with %#v", k, uitest.Msgs(cmd))
		}
	}
}

func TestRunningShowsCounts(t *testing.T) {
	m := newModel(t)
	m.Start("send to app drivers")
	if !m.IsOpen() || !m.Running() {
		t.Fatalf("started: open %v running %v", m.IsOpen(), m.Running())
	}
	if v := m.View(); !strings.Contains(v, "  0 / 0") || !strings.Contains(v, "send to app drivers") {
		t.Errorf("before the plan:\n%s", v)
	}
	m.SetTotal(4)
	m.SetCounts(Counts{Done: 3, Items: []ops.Count{{Label: "delivered", N: 2}, {Label: "gone", N: 1}}}) // Total 0 keeps 4
	if c := m.Counts(); c.Done != 3 || c.Total != 4 {
		t.Errorf("counts %+v, want 3 of 4", c)
	}
	v := m.View()
	for _, want := range []string{"  3 / 4", "delivered 2", "gone 1", "ctrl+c cancels the run"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "esc back") {
		t.Errorf("a running view offers the summary's keys:\n%s", v)
	}
	m.SetCounts(Counts{Done: 4, Total: 5})
	if v := m.View(); !strings.Contains(v, "  4 / 5") {
		t.Errorf("a new total is not shown:\n%s", v)
	}
	// A new run starts from nothing.
	m.Start("logout")
	if c := m.Counts(); c.Done != 0 || c.Total != 0 || len(c.Items) != 0 {
		t.Errorf("restarted with counts %+v", c)
	}
}

func TestRunningKeys(t *testing.T) {
	m := newModel(t)
	m.Start("send")
	m, cmd := m.Update(uitest.Key("ctrl+c"))
	if got := uitest.Msgs(cmd); len(got) != 1 || got[0] != (CancelMsg{}) {
		t.Errorf("ctrl+c while running yields %#v, want CancelMsg", got)
	}
	if !m.Running() {
		t.Error("ctrl+c ended the run in the view (the root cancels, then finishes it)")
	}
	for _, k := range []string{"p", "r", "u", "esc"} {
		m, cmd = m.Update(uitest.Key(k))
		if cmd != nil {
			t.Errorf("%s while running yields %#v", k, uitest.Msgs(cmd))
		}
		if !m.Running() || !m.IsOpen() {
			t.Errorf("%s while running closed the view", k)
		}
	}
	if _, cmd := m.Update(tea.WindowSizeMsg{Width: 10}); cmd != nil {
		t.Error("a non-key message yields a command")
	}
}

func TestSummaryShowsTheReport(t *testing.T) {
	m := newModel(t)
	m.Start("send to app drivers")
	m.SetTotal(9)
	m.Finish(Summary{Report: ops.Report{Action: "send",
		Counts:  []ops.Count{{Label: "targets", N: 9}, {Label: "delivered", N: 1}, {Label: "gone", N: 6}, {Label: "failed", N: 2}},
		Gone:    []string{"G1=", "G2=", "G3=", "G4=", "G5=", "G6="},
		Failed:  []string{"F1=: throttled", "F2=: 500"},
		Live:    1,
		Journal: "/var/lib/wsops/journal/send-1.jsonl", Resumable: true,
	}, Err: errors.New("send: 2 targets failed")})
	if m.Running() || !m.IsOpen() {
		t.Fatalf("finished: running %v open %v", m.Running(), m.IsOpen())
	}
	s, ok := m.Summary()
	if !ok || s.Live != 1 || len(s.Gone) != 6 {
		t.Errorf("Summary() = %+v, %v", s, ok)
	}
	v := m.View()
	for _, want := range []string{
		"send: 2 targets failed", "targets 9", "delivered 1", "gone 6", "failed 2",
		"gone      G1=, G2=, G3=, G4=, G5= (+1 more)", "failed    F1=: throttled, F2=: 500",
		"journal   /var/lib/wsops/journal/send-1.jsonl",
		"p prune the gone", "r resume", "esc back",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("summary lacks %q:\n%s", want, v)
		}
	}
	for _, not := range []string{"G6=", "u undo", "ctrl+c cancels", " / "} {
		if strings.Contains(v, not) {
			t.Errorf("summary shows %q:\n%s", not, v)
		}
	}
}

func TestSummaryKeys(t *testing.T) {
	const journal = "/j/send-1.jsonl"
	full := ops.Report{Gone: []string{"G1=", "G2="}, Live: 3, Journal: journal, Resumable: true, Undoable: true}
	for _, tc := range []struct {
		name   string
		report ops.Report
		key    string
		want   tea.Msg // nil: no message
	}{
		{"p prunes the gone", full, "p", PruneGoneMsg{IDs: []string{"G1=", "G2="}, Live: 3}},
		{"p with nothing gone", ops.Report{Journal: journal, Resumable: true}, "p", nil},
		{"r resumes", full, "r", ResumeMsg{Journal: journal}},
		{"r when not resumable", ops.Report{Journal: journal, Undoable: true}, "r", nil},
		{"u undoes", full, "u", UndoMsg{Journal: journal}},
		{"u when not undoable", ops.Report{Journal: journal, Resumable: true}, "u", nil},
		{"esc closes", full, "esc", CloseMsg{}},
		{"esc closes a bare summary", ops.Report{}, "esc", CloseMsg{}},
		{"ctrl+c after the run", full, "ctrl+c", nil},
		{"another key", full, "x", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newModel(t)
			m.Start("send")
			m.Finish(Summary{Report: tc.report})
			m, cmd := m.Update(uitest.Key(tc.key))
			got := uitest.Msgs(cmd)
			switch {
			case tc.want == nil && len(got) != 0:
				t.Errorf("%s yields %#v, want nothing", tc.key, got)
			case tc.want != nil && (len(got) != 1 || !reflect.DeepEqual(got[0], tc.want)):
				t.Errorf("%s yields %#v, want %#v", tc.key, got, tc.want)
			}
			if wantOpen := tc.key != "esc"; m.IsOpen() != wantOpen {
				t.Errorf("open %v after %s, want %v", m.IsOpen(), tc.key, wantOpen)
			}
		})
	}
}

func TestSummaryHintsFollowTheReport(t *testing.T) {
	m := newModel(t)
	m.Start("repair")
	m.Finish(Summary{Report: ops.Report{Journal: "/j/repair-1.jsonl", Undoable: true}})
	v := m.View()
	if !strings.Contains(v, "u undo") || strings.Contains(v, "p prune") || strings.Contains(v, "r resume") {
		t.Errorf("undoable summary's hints:\n%s", v)
	}
	m.Finish(Summary{})
	if v := m.View(); strings.Contains(v, "journal") || strings.Contains(v, "u undo") || !strings.HasSuffix(v, "esc back") {
		t.Errorf("bare summary:\n%s", v)
	}
	m.Close()
	if m.IsOpen() || m.View() != "" {
		t.Error("Close left the view shown")
	}
}

func TestViewSanitizes(t *testing.T) {
	hostile := "x\x1b]52;c;ZXZpbA==\x07\x1b[2Jy"
	m := newModel(t)
	m.Start("send to user " + hostile)
	if v := m.View(); strings.ContainsAny(v, "\x1b\x07") || !strings.Contains(v, `user x\x1b]52;c;ZXZpbA==\x07\x1b[2Jy`) {
		t.Errorf("running view title not sanitized:\n%q", v)
	}
	m.Finish(Summary{Report: ops.Report{
		Gone:    []string{"G1=" + hostile},
		Failed:  []string{"F1=\x1b[31m: boom\u202e"},
		Journal: "/j/\x1b[5mjournal",
	}, Err: errors.New("send: \x1b]0;pwned\x07")})
	v := m.View()
	for _, bad := range []string{"\x1b", "\x07", "\u202e"} {
		if strings.Contains(v, bad) {
			t.Errorf("summary carries a raw %q:\n%q", bad, v)
		}
	}
	for _, want := range []string{`G1=x\x1b]52;c;ZXZpbA==\x07\x1b[2Jy`, `F1=\x1b[31m: boom\u202e`, `/j/\x1b[5mjournal`, `send: \x1b]0;pwned\x07`} {
		if !strings.Contains(v, want) {
			t.Errorf("summary lacks the escaped %q:\n%s", want, v)
		}
	}
	// The ids the prune gets are the raw ones, not their rendering.
	_, cmd := m.Update(uitest.Key("p"))
	if got := uitest.Msgs(cmd); len(got) != 1 || !reflect.DeepEqual(got[0], PruneGoneMsg{IDs: []string{"G1=" + hostile}}) {
		t.Errorf("p yields %#v", got)
	}
}

// An undo's summary on a wide terminal: conflicts are listed as conflicts,
// not as failures, and every line fits — long counts and lists wrap, no
// text is cut off.
func TestSummaryWrapsAndListsConflictsApart(t *testing.T) {
	for _, width := range []int{156, 76, 40} {
		m := New(uitest.PlainStyles())
		m.SetSize(width, 30)
		m.Start("undo repair")
		failed := []string{
			"connectionId=Conn00000000006=: write failed: operation error DynamoDB: UpdateItem, https response error StatusCode: 500, RequestID: 7Q0L7V3LQ0B8QK2E6SHQ2N5C9BVV4KQNSO5AEMVJF66Q9ASUAAJG, api error InternalServerError",
			"connectionId=Conn00000000007=: write failed: context deadline exceeded",
		}
		conflicts := []string{"connectionId=Conn00000000001= entityType", "connectionId=Conn00000000002= subscriptionKey=order#42 entityType"}
		m.Finish(Summary{Report: ops.Report{Action: "repair-undo",
			Counts: []ops.Count{{Label: "restored", N: 3}, {Label: "already so (not ours)", N: 0}, {Label: "conflicts (left as they are)", N: 2},
				{Label: "failed", N: 2}, {Label: "not attempted", N: 0}},
			Failed: failed, Conflicts: conflicts, Journal: "/home/op/.local/state/wsops/journal/repair-undo-20261203T142233Z-7f3a.jsonl",
		}, Err: errors.New("repair-undo: 2 changes failed, 2 conflicts left as they are")})
		v := m.View()
		for i, l := range strings.Split(v, "\n") {
			if w := sanitize.Width(l); w > width {
				t.Errorf("width %d: line %d is %d cells: %q", width, i, w, l)
			}
			if strings.Contains(l, "…") {
				t.Errorf("width %d: line %d cut: %q", width, i, l)
			}
		}
		flat := strings.Join(strings.Fields(v), "")
		for _, want := range append(append([]string{"conflicts (left as they are) 2", "not attempted 0"}, failed...), conflicts...) {
			if !strings.Contains(flat, strings.Join(strings.Fields(want), "")) {
				t.Errorf("width %d: summary lacks %q:\n%s", width, want, v)
			}
		}
		conflictsAt, failedAt := strings.Index(v, "\nconflicts "), strings.Index(v, "\nfailed    ")
		if conflictsAt < 0 || failedAt < 0 || strings.Contains(v[failedAt:], "Conn00000000001=") {
			t.Errorf("width %d: conflicts not listed apart from failures:\n%s", width, v)
		}
	}
}
