package table

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
)

// harness runs a table as a program, the way a view embeds it: it sizes the
// table on WindowSizeMsg and quits on q.
type harness struct{ t Model }

func (h harness) Init() tea.Cmd { return h.t.Init() }

func (h harness) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		h.t.SetSize(msg.Width, msg.Height)
		return h, nil
	case tea.KeyMsg:
		if msg.String() == "q" {
			return h, tea.Quit
		}
	}
	var cmd tea.Cmd
	h.t, cmd = h.t.Update(msg)
	return h, cmd
}

func (h harness) View() string { return h.t.View() }

// run drives the table through teatest at w×h with the given keys and
// returns the final table.
func run(t *testing.T, m Model, w, h int, keys ...tea.KeyMsg) Model {
	t.Helper()
	tm := teatest.NewTestModel(t, harness{m}, teatest.WithInitialTermSize(w, h))
	for _, k := range keys {
		tm.Send(k)
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	return tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(harness).t
}

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

var connColumns = []Column{
	{Title: "ID", Width: 16}, {Title: "USER", Width: 10}, {Title: "APP", Width: 14},
	{Title: "ENTITY", Width: 8}, {Title: "PROBLEMS", Flex: true},
}

// TestGoldenStates: appeared, vanished, problem, gone, live and marked rows,
// sorted by APP descending, the cursor moved down past the first screen.
func TestGoldenStates(t *testing.T) {
	src := rows{}
	add := func(rs RowStyle, cells ...string) {
		src.cells, src.styles = append(src.cells, cells), append(src.styles, rs)
	}
	add(0, "Ab1cDeFgHiJkLw=", "u-001", "order-receiver", "customer", `entityType "customer" but app order-receiver`)
	add(Problem, "Ab2cDeFgHiJkLw=", "u-002", "order-receiver", "customer", `entityType "customer" but app order-receiver`)
	add(Appeared, "Ab3cDeFgHiJkLw=", "u-003", "order-receiver", "merchant", "")
	add(Vanished, "Ab4cDeFgHiJkLw=", "u-004", "drivers", "driver", "")
	add(Marked, "Ab5cDeFgHiJkLw=", "u-005", "drivers", "driver", "")
	add(Marked|Appeared, "Ab6cDeFgHiJkLw=", "u-006", "drivers", "driver", "")
	add(Gone|Problem, "Ab7cDeFgHiJkLw=", "u-007", "customers", "customer", "older than 2h; ttl expired")
	add(Live, "Ab8cDeFgHiJkLw=", "u-008", "customers", "customer", "")
	add(Marked|Problem, "Ab9cDeFgHiJkLw=", "", "customers", "customer", "missing userId")
	add(0, "AbAcDeFgHiJkLw=", "u-010", "customers", "customer", "")
	add(Appeared, "AbBcDeFgHiJkLw=", "u-011", "customers", "customer", "")

	m := New(connColumns, testStyles(termenv.Ascii))
	m.SetSource(src)
	m.SetSort(2, true)
	// 80×8: a header and 7 rows. Eight downs reach row 8 and scroll by two;
	// one up leaves the window where it is.
	m = run(t, m, 80, 8, append(rep(tea.KeyMsg{Type: tea.KeyDown}, 8), runes("k"))...)
	if c, start := m.Cursor(), first(m.Window()); c != 7 || start != 2 {
		t.Fatalf("cursor %d window start %d, want 7 and 2", c, start)
	}
	if col, desc := m.Sort(); col != 2 || !desc {
		t.Fatalf("Sort() = %d, %v", col, desc)
	}
	view := m.View()
	checkFrame(t, view, 80, 8)
	teatest.RequireEqualOutput(t, golden(m, view))
}

// TestGoldenHostile: terminal escapes from records are shown escaped, wide and
// combining characters keep the columns aligned.
func TestGoldenHostile(t *testing.T) {
	src := rows{cells: [][]string{
		{"osc52", "\x1b]52;c;cm0gLXJmIH4=\x07", "clipboard write"},
		{"clear", "\x1b[2J\x1b[H", "erase display"},
		{"cjk", "山田太郎", "wide: 2 cells each"},
		{"cjk-cut", "東京都渋谷区神南一丁目", "cut at a wide rune, padded"},
		{"combining", "Zoe\u0308 Rene\u0301e", "e + U+0308, e + U+0301"},
		{"bidi", "abc\u202edef", "right-to-left override"},
		{"ctl", "tab\there\x00nul\x7fdel", "C0 and DEL"},
		{"bad-utf8", "ok\xff\xfe", "invalid bytes"},
	}, styles: []RowStyle{Problem, Problem, 0, 0, Appeared, Vanished, Marked, Gone}}
	m := New([]Column{{Title: "CASE", Width: 9}, {Title: "VALUE", Width: 20}, {Title: "NOTE", Flex: true}}, testStyles(termenv.Ascii))
	m.SetSource(src)
	m.SetSort(0, false)
	m = run(t, m, 64, 10, runes("G"))
	if m.Cursor() != 7 {
		t.Fatalf("cursor %d, want 7", m.Cursor())
	}
	view := m.View()
	checkFrame(t, view, 64, 10)
	if strings.ContainsAny(view, "\x1b\x07\x00\u202e") {
		t.Fatalf("raw control character in %q", view)
	}
	teatest.RequireEqualOutput(t, golden(m, view))
}

func rep(k tea.KeyMsg, n int) []tea.KeyMsg {
	ks := make([]tea.KeyMsg, n)
	for i := range ks {
		ks[i] = k
	}
	return ks
}

// golden is the frame followed by a line naming the cursor, which the ASCII
// profile cannot show.
func golden(m Model, view string) []byte {
	start, end := m.Window()
	return fmt.Appendf(nil, "%s\n-- cursor on row %d, rows [%d, %d) of %d shown --\n", view, m.Cursor(), start, end, m.Len())
}

func first(a, _ int) int { return a }
