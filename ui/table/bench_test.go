package table

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"
)

// fleet100k is a Source over 100,000 connection-like rows, every state
// represented, some cells needing escapes or holding wide characters.
func fleet100k() rows {
	apps := []string{"drivers", "customers", "order-receiver"}
	ents := []string{"driver", "customer", "merchant"}
	r := rows{cells: make([][]string, 100_000), styles: make([]RowStyle, 100_000)}
	for i := range r.cells {
		user := fmt.Sprintf("user-%06d", i%37_000)
		switch i % 97 {
		case 0:
			user = "山田太郎-" + user
		case 1:
			user = "\x1b[2J" + user
		}
		problems := ""
		if i%13 == 0 {
			problems = `entityType "customer" but app order-receiver; older than 2h`
		}
		r.cells[i] = []string{
			fmt.Sprintf("Q%014dw=", i), user, apps[i%3], ents[(i/3)%3], []string{"ios", "android", "web"}[i%3],
			fmt.Sprintf("%dm", i%120), problems,
		}
		r.styles[i] = RowStyle(i % 64)
	}
	return r
}

var benchColumns = []Column{
	{Title: "ID", Width: 18}, {Title: "USER", Width: 20}, {Title: "APP", Width: 15},
	{Title: "ENTITY", Width: 10}, {Title: "PLATFORM", Width: 8}, {Title: "AGE", Width: 5},
	{Title: "PROBLEMS", Flex: true},
}

// BenchmarkView100k renders one 160×45 frame of a 100,000-row source in true
// colour, the cursor mid-way. Target: under 5 ms per frame.
func BenchmarkView100k(b *testing.B) {
	m := New(benchColumns, testStyles(termenv.TrueColor))
	m.SetSize(160, 45)
	m.SetSource(fleet100k())
	m.SetSort(1, false)
	m.SetCursor(50_000)
	if v := m.View(); strings.Count(v, "\n") != 44 {
		b.Fatalf("frame has %d lines", strings.Count(v, "\n")+1)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkScroll100k is one key press and the frame after it, as a user
// holding page-down sees it.
func BenchmarkScroll100k(b *testing.B) {
	m := New(benchColumns, testStyles(termenv.TrueColor))
	m.SetSize(160, 45)
	m.SetSource(fleet100k())
	down := tea.KeyMsg{Type: tea.KeyPgDown}
	b.ReportAllocs()
	for b.Loop() {
		if m.Cursor() == m.Len()-1 {
			m.SetCursor(0)
		}
		m, _ = m.Update(down)
		_ = m.View()
	}
}
