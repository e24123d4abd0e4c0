package table

import (
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"
)

var _ help.KeyMap = KeyMap{}

func press(s string) tea.KeyMsg {
	switch s {
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	case "ctrl+b":
		return tea.KeyMsg{Type: tea.KeyCtrlB}
	case "ctrl+f":
		return tea.KeyMsg{Type: tea.KeyCtrlF}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// sized is a table of n numbered rows at 40×11: a header and 10 rows.
func sized(n int) Model {
	m := New([]Column{{Title: "A", Width: 8}, {Title: "B", Flex: true}}, testStyles(termenv.Ascii))
	m.SetSize(40, 11)
	m.SetSource(numbered(n))
	return m
}

func TestUpdateKeys(t *testing.T) {
	for _, tc := range []struct {
		name          string
		n             int
		keys          []string
		cursor, start int
		wantEnd       int
	}{
		{"down", 100, []string{"down"}, 1, 0, 10},
		{"j", 100, []string{"j", "j"}, 2, 0, 10},
		{"up at top stays", 100, []string{"up", "k"}, 0, 0, 10},
		{"down past the window scrolls by one", 100, rep10("down", 10), 10, 1, 11},
		{"up back into the window does not scroll", 100, append(rep10("down", 10), "up"), 9, 1, 11},
		{"up above the window scrolls", 100, []string{"pgdown", "up"}, 9, 9, 19},
		{"pgup from the end", 100, []string{"G", "pgup", "up", "up"}, 87, 80, 90},
		{"pgdown moves cursor and window", 100, []string{"pgdown"}, 10, 10, 20},
		{"ctrl+f", 100, []string{"ctrl+f", "ctrl+f"}, 20, 20, 30},
		{"pgdown at the end clamps", 100, []string{"G", "pgdown"}, 99, 90, 100},
		{"pgdown near the end keeps a full window", 100, []string{"pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown"}, 99, 90, 100},
		{"pgup at the top clamps", 100, []string{"down", "down", "pgup"}, 0, 0, 10},
		{"ctrl+b", 100, []string{"pgdown", "pgdown", "ctrl+b"}, 10, 10, 20},
		{"end", 100, []string{"end"}, 99, 90, 100},
		{"G then g", 100, []string{"G", "g"}, 0, 0, 10},
		{"home", 100, []string{"pgdown", "home"}, 0, 0, 10},
		{"down at the bottom stays", 100, []string{"G", "down", "j"}, 99, 90, 100},
		{"short source: pgdown goes to the last row", 4, []string{"pgdown"}, 3, 0, 4},
		{"short source: end", 4, []string{"end"}, 3, 0, 4},
		{"empty source", 0, []string{"down", "pgdown", "end", "up", "home"}, 0, 0, 0},
		{"other keys are ignored", 100, []string{"x", "enter", " "}, 0, 0, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := sized(tc.n)
			for _, k := range tc.keys {
				var cmd tea.Cmd
				if m, cmd = m.Update(press(k)); cmd != nil {
					t.Fatalf("key %q returned a command", k)
				}
			}
			start, end := m.Window()
			if m.Cursor() != tc.cursor || start != tc.start || end != tc.wantEnd {
				t.Fatalf("cursor %d window [%d,%d), want %d [%d,%d)", m.Cursor(), start, end, tc.cursor, tc.start, tc.wantEnd)
			}
			checkFrame(t, m.View(), 40, 11)
		})
	}
}

func rep10(k string, n int) []string {
	return strings.Split(strings.Repeat(k+" ", n)[:len(k)*n+n-1], " ")
}

func TestNonKeyMessagesAreIgnored(t *testing.T) {
	m := sized(100)
	m.SetCursor(42)
	m, cmd := m.Update(tea.WindowSizeMsg{Width: 10, Height: 3})
	if cmd != nil || m.Cursor() != 42 {
		t.Fatalf("cursor %d, cmd %v", m.Cursor(), cmd)
	}
	if w, h := m.Size(); w != 40 || h != 11 {
		t.Fatalf("a WindowSizeMsg resized the table to %dx%d; sizes come from SetSize", w, h)
	}
	if m.Init() != nil {
		t.Fatal("Init returned a command")
	}
}

func TestSetSourceClamps(t *testing.T) {
	m := sized(100)
	m.SetCursor(50)
	m.SetSource(numbered(20))
	if start, end := m.Window(); m.Cursor() != 19 || start != 10 || end != 20 {
		t.Fatalf("shrunk to 20: cursor %d window [%d,%d), want 19 [10,20)", m.Cursor(), start, end)
	}
	m.SetCursor(12)
	m.SetSource(numbered(1000)) // growing keeps the index and the window
	if start, _ := m.Window(); m.Cursor() != 12 || start != 10 {
		t.Fatalf("grown: cursor %d start %d, want 12 and 10", m.Cursor(), start)
	}
	m.SetSource(numbered(15)) // the window pulls back to show a full screen
	if start, end := m.Window(); m.Cursor() != 12 || start != 5 || end != 15 {
		t.Fatalf("shrunk to 15: cursor %d window [%d,%d), want 12 [5,15)", m.Cursor(), start, end)
	}
	m.SetSource(numbered(0))
	if start, end := m.Window(); m.Cursor() != 0 || start != 0 || end != 0 || m.Len() != 0 {
		t.Fatalf("empty: cursor %d window [%d,%d)", m.Cursor(), start, end)
	}
	m.SetSource(nil)
	if m.Len() != 0 || !strings.Contains(m.View(), "no rows") {
		t.Fatalf("nil source: len %d view %q", m.Len(), m.View())
	}
}

func TestSetCursorScrollsMinimally(t *testing.T) {
	m := sized(1000)
	for _, tc := range []struct{ to, cursor, start int }{
		{500, 500, 491}, {495, 495, 491}, {480, 480, 480}, {-5, 0, 0}, {5000, 999, 990},
	} {
		m.SetCursor(tc.to)
		if start, _ := m.Window(); m.Cursor() != tc.cursor || start != tc.start {
			t.Fatalf("SetCursor(%d): cursor %d start %d, want %d %d", tc.to, m.Cursor(), start, tc.cursor, tc.start)
		}
	}
}

func TestSetSize(t *testing.T) {
	m := sized(100)
	m.SetCursor(50) // window [41, 51)
	m.SetSize(40, 4)
	if start, end := m.Window(); m.Cursor() != 50 || start != 48 || end != 51 {
		t.Fatalf("shorter: cursor %d window [%d,%d), want 50 [48,51)", m.Cursor(), start, end)
	}
	m.SetSize(40, 40)
	if start, end := m.Window(); m.Cursor() != 50 || start != 48 || end != 87 {
		t.Fatalf("taller: cursor %d window [%d,%d), want 50 [48,87)", m.Cursor(), start, end)
	}
	m.SetCursor(99)
	m.SetSize(40, 1) // header only
	if start, end := m.Window(); m.Cursor() != 99 || start != end {
		t.Fatalf("header only: cursor %d window [%d,%d)", m.Cursor(), start, end)
	}
	if v := New(nil, testStyles(termenv.Ascii)).View(); v != "" {
		t.Fatalf("unsized table renders %q", v)
	}
}

// TestEveryLineHasTheWidth renders many sizes, states and hostile cells and
// checks every line's width with lipgloss, in ASCII and in true colour.
func TestEveryLineHasTheWidth(t *testing.T) {
	src := rows{cells: [][]string{
		{"山田太郎", "Zoe\u0308", "\x1b]52;c;Zm9v\x07", "e\u0301e\u0301e\u0301"},
		{"a\tb", "東京", "\x1b[2J", ""},
		{"", "", "", "", "extra cell"},
		{"x"},
	}, styles: []RowStyle{Marked | Appeared, Vanished | Problem, Gone | Live, Marked}}
	cols := []Column{{Title: "名前", Width: 5}, {Title: "USER", Width: 3}, {Title: "RAW", Flex: true}, {Title: "LAST", Width: 4}}
	for _, p := range []termenv.Profile{termenv.Ascii, termenv.TrueColor} {
		m := New(cols, testStyles(p))
		m.SetSource(src)
		for _, sort := range []int{-1, 0, 2} {
			m.SetSort(sort, sort == 2)
			for w := 0; w <= 50; w++ {
				for h := 0; h <= 7; h++ {
					m.SetSize(w, h)
					m.SetCursor(w % 4)
					checkFrame(t, m.View(), w, h)
				}
			}
		}
		m.SetSource(nil)
		m.SetEmptyText("no connections match app:drivers")
		for w := 0; w <= 50; w++ {
			m.SetSize(w, 3)
			checkFrame(t, m.View(), w, 3)
		}
	}
}

func TestSortIndicator(t *testing.T) {
	m := New([]Column{{Title: "CONNECTION", Width: 6}, {Title: "USER", Width: 8}}, testStyles(termenv.Ascii))
	m.SetSize(30, 2)
	for _, tc := range []struct {
		col  int
		desc bool
		want string
	}{
		{-1, false, "  CONNE… USER                 "},
		{0, false, "  CON… ▲ USER                 "},
		{0, true, "  CON… ▼ USER                 "},
		{1, true, "  CONNE… USER ▼               "},
	} {
		m.SetSort(tc.col, tc.desc)
		if got := strings.Split(m.View(), "\n")[0]; got != tc.want {
			t.Errorf("sort %d %v: header %q, want %q", tc.col, tc.desc, got, tc.want)
		}
	}
}

// TestCursorAndStatesAreStyled checks, under a colour profile, that the
// cursor row and only it has the highlight background, and that states
// render differently from plain rows.
func TestCursorAndStatesAreStyled(t *testing.T) {
	src := rows{cells: [][]string{{"a"}, {"a"}, {"a"}, {"a"}, {"a"}, {"a"}, {"a"}}, styles: []RowStyle{0, 0, Problem, Gone, Appeared, Vanished, Marked}}
	m := New([]Column{{Title: "X", Width: 4}}, testStyles(termenv.TrueColor))
	m.SetSize(10, 8)
	m.SetSource(src)
	m.SetCursor(1)
	lines := strings.Split(m.View(), "\n")[1:]
	const highlight = ";48;2;" // a true-colour background: only RowCursor sets one
	seen := map[string]int{}
	for i, l := range lines {
		if got := strings.Contains(l, highlight); got != (i == 1) {
			t.Errorf("row %d: highlighted %v: %q", i, got, l)
		}
		if i != 1 {
			if prev, dup := seen[l]; dup && !(i == 0 || prev == 0) {
				t.Errorf("rows %d and %d render alike: %q", prev, i, l)
			}
			seen[l] = i
		}
	}
	if lines[0] == lines[2] || lines[0] == lines[3] || lines[0] == lines[6] {
		t.Errorf("state rows render like a plain row:\n%s", strings.Join(lines, "\n"))
	}
}

func TestKeyMapHelp(t *testing.T) {
	k := sized(1).KeyMap()
	if len(k.ShortHelp()) != 6 || len(k.FullHelp()) != 3 {
		t.Fatalf("help: %d short, %d columns", len(k.ShortHelp()), len(k.FullHelp()))
	}
	for _, b := range k.ShortHelp() {
		if b.Help().Key == "" || b.Help().Desc == "" || len(b.Keys()) != 2 {
			t.Errorf("binding %v lacks help or a vi alternative", b.Keys())
		}
	}
	m := sized(100)
	custom := DefaultKeyMap()
	custom.Down.SetKeys("n")
	m.SetKeyMap(custom)
	m, _ = m.Update(press("n"))
	m, _ = m.Update(press("down"))
	if m.Cursor() != 1 {
		t.Fatalf("custom key map: cursor %d, want 1", m.Cursor())
	}
}

// shrinking is a source that loses rows after SetSource, as a careless
// caller's mutable slice would.
type shrinking struct{ rows *[][]string }

func (s shrinking) Len() int             { return len(*s.rows) }
func (s shrinking) Cells(i int) []string { return (*s.rows)[i] }
func (s shrinking) Style(int) RowStyle   { return 0 }

func TestSourceShrinkingBehindTheTableDoesNotPanic(t *testing.T) {
	r := numbered(50).cells
	m := sized(0)
	m.SetSource(shrinking{&r})
	m.SetCursor(5)
	r = r[:3]
	checkFrame(t, m.View(), 40, 11)
}

func TestSetColumns(t *testing.T) {
	m := sized(100)
	m.SetCursor(30)
	m.SetSort(1, true)
	m.SetColumns([]Column{{Title: "ONLY", Flex: true}, {Title: "B", Width: 3}})
	head := strings.Split(m.View(), "\n")[0]
	if !strings.HasPrefix(head, "  ONLY ") || !strings.HasSuffix(head, " B ▼") || m.Cursor() != 30 {
		t.Fatalf("header %q, cursor %d", head, m.Cursor())
	}
	checkFrame(t, m.View(), 40, 11)
}
