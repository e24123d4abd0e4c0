package table

import (
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"wsops/ui/styles"
)

// testStyles are the default styles on a renderer with a fixed profile, so
// tests neither depend on the terminal nor touch lipgloss's global renderer.
func testStyles(p termenv.Profile) styles.Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	r.SetHasDarkBackground(true)
	return styles.NewFor(r, styles.DefaultTheme())
}

// rows is a Source backed by slices.
type rows struct {
	cells  [][]string
	styles []RowStyle
}

func (r rows) Len() int             { return len(r.cells) }
func (r rows) Cells(i int) []string { return r.cells[i] }
func (r rows) Style(i int) RowStyle {
	if i < len(r.styles) {
		return r.styles[i]
	}
	return 0
}

// numbered is a source of n rows whose only cell is the row's index.
func numbered(n int) rows {
	r := rows{cells: make([][]string, n)}
	for i := range r.cells {
		r.cells[i] = []string{strings.Repeat("x", i%7), "row"}
	}
	return r
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// checkFrame asserts the frame has exactly h lines of exactly w cells and
// carries no escape sequence other than SGR colours and attributes.
func checkFrame(t *testing.T, view string, w, h int) {
	t.Helper()
	if w <= 0 || h <= 0 {
		if view != "" {
			t.Fatalf("size %dx%d: view %q, want empty", w, h, view)
		}
		return
	}
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Fatalf("size %dx%d: %d lines, want %d:\n%s", w, h, len(lines), h, view)
	}
	for i, l := range lines {
		if got := lipgloss.Width(l); got != w {
			t.Fatalf("size %dx%d: line %d is %d cells wide: %q", w, h, i, got, l)
		}
		if rest := sgr.ReplaceAllString(l, ""); strings.ContainsAny(rest, "\x1b\x07\x00\r\u009b") {
			t.Fatalf("line %d carries a raw control character: %q", i, l)
		}
	}
}
