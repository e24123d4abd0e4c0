// Package table is a virtualized table component: it asks its Source only for
// the rows on screen, so a frame costs the same for ten rows or a million.
// Sorting, filtering and marking belong to the caller; the table shows a sort
// indicator, the cursor, marks and each row's state.
package table

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/ui/styles"
)

// RowStyle is a set of flags describing a row's state.
type RowStyle uint8

// Row states. A row may carry several; the gutter shows Marked, Appeared and
// Vanished as glyphs, and the row's colour follows the most urgent state.
const (
	Appeared RowStyle = 1 << iota // new since the previous refresh: `+` in the gutter
	Vanished                      // gone since the previous refresh: `-` in the gutter
	Problem                       // the record has problems
	Gone                          // API Gateway no longer knows the connection
	Live                          // the connection is confirmed live
	Marked                        // selected for a bulk action: `*` in the gutter
)

// GutterWidth is the width of the leading gutter that holds the mark glyph
// and the appeared/vanished glyph.
const GutterWidth = 2

// Source is the table's data: the caller's rows, already filtered and sorted.
// The table calls Cells and Style only for the rows it shows. A source should
// not change after SetSource; hand the table a new one instead.
type Source interface {
	Len() int
	Cells(i int) []string // row i's cells, raw: the table sanitizes and fits them
	Style(i int) RowStyle
}

// Column describes one column.
type Column struct {
	Title string
	Width int  // cells; ignored when Flex
	Flex  bool // takes the width the other columns leave; at most one column
	// Min is how narrow the column may get when the columns do not fit (0:
	// Width, or nothing for the flex column): the fixed columns give up
	// cells in turn, down to their Min, before any column is cut at the
	// right edge.
	Min int
	// Middle cuts a value too long for the column in its middle ("7KMe…Y4=")
	// rather than at its end: for ids, whose ends tell them apart.
	Middle bool
	// Brief, when set, stands in for a value too long for the column: the
	// column shows Brief(value, width), cut to fit, rather than the value's
	// start (ProblemsBrief: a marker and a count, the details spelling
	// them out).
	Brief func(value string, width int) string
}

// problemsSep joins a row's problems in one cell.
const problemsSep = "; "

// JoinProblems is a row's problems as one cell, for a column whose Brief
// is ProblemsBrief.
func JoinProblems(problems []string) string { return strings.Join(problems, problemsSep) }

// ProblemsBrief is a problems column's Brief: "! 1 problem", "! 3 problems",
// or where that does not fit "! 3".
func ProblemsBrief(cell string, width int) string {
	n := strings.Count(cell, problemsSep) + 1
	s := fmt.Sprintf("! %d problems", n)
	if n == 1 {
		s = "! 1 problem"
	}
	if len(s) > width {
		return fmt.Sprintf("! %d", n)
	}
	return s
}

// Model is the table component. The zero value is not usable; call New.
type Model struct {
	cols      []Column
	widths    []int // each column's width at the current size; 0: not shown
	look      *look
	keys      KeyMap
	src       Source
	n         int // src.Len() as of SetSource
	cursor    int
	offset    int // first row shown
	w, h      int
	sortCol   int
	sortDesc  bool
	emptyText string
}

// New returns a table with the given columns, styled by st. It shows nothing
// until SetSize gives it a size.
func New(cols []Column, st styles.Styles) Model {
	return Model{
		cols:      append([]Column(nil), cols...),
		look:      newLook(st),
		keys:      DefaultKeyMap(),
		sortCol:   -1,
		emptyText: "no rows",
	}
}

// Init implements the bubbletea component contract; the table needs no command.
func (m Model) Init() tea.Cmd { return nil }

// Update moves the cursor on the table's keys and ignores everything else.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Up):
		m.SetCursor(m.cursor - 1)
	case key.Matches(k, m.keys.Down):
		m.SetCursor(m.cursor + 1)
	case key.Matches(k, m.keys.PageUp):
		m.page(-1)
	case key.Matches(k, m.keys.PageDown):
		m.page(1)
	case key.Matches(k, m.keys.Home):
		m.SetCursor(0)
	case key.Matches(k, m.keys.End):
		m.SetCursor(m.n - 1)
	}
	return m, nil
}

// page moves the cursor and the window together by one screen, as less does.
func (m *Model) page(dir int) {
	step := max(1, m.body())
	m.offset += dir * step
	m.cursor += dir * step
	m.clamp()
}

// SetColumns replaces the columns, keeping the rows, cursor and sort.
func (m *Model) SetColumns(cols []Column) {
	m.cols = append([]Column(nil), cols...)
	m.widths = layout(m.cols, m.w-GutterWidth)
}

// SetSize sets the table's size in cells: one header line and h-1 rows.
func (m *Model) SetSize(w, h int) {
	m.w, m.h = max(0, w), max(0, h)
	m.widths = layout(m.cols, m.w-GutterWidth)
	m.clamp()
}

// Size returns the table's size as set by SetSize.
func (m Model) Size() (w, h int) { return m.w, m.h }

// SetSource replaces the rows. The cursor keeps its index, clamped to the new
// length; a caller that wants it on the same record restores it with
// SetCursor. A nil source is an empty table.
func (m *Model) SetSource(src Source) {
	m.src, m.n = src, 0
	if src != nil {
		m.n = src.Len()
	}
	m.clamp()
}

// Len is the number of rows of the source.
func (m Model) Len() int { return m.n }

// Cursor returns the row index under the cursor (0 when the table is empty).
func (m Model) Cursor() int { return m.cursor }

// SetCursor moves the cursor to row i, clamped, scrolling as little as
// needed to show it.
func (m *Model) SetCursor(i int) {
	m.cursor = i
	m.clamp()
}

// Window returns the rows on screen, [start, end).
func (m Model) Window() (start, end int) {
	return m.offset, min(m.n, m.offset+m.body())
}

// SetSort sets the sort indicator: ▲ (ascending) or ▼ (descending) on column
// col's title; col < 0 hides it. Sorting the rows is the caller's job.
func (m *Model) SetSort(col int, desc bool) { m.sortCol, m.sortDesc = col, desc }

// Sort returns the sort indicator's column (-1: none) and direction.
func (m Model) Sort() (col int, desc bool) { return m.sortCol, m.sortDesc }

// SetEmptyText sets the line shown when the source has no rows.
func (m *Model) SetEmptyText(s string) { m.emptyText = s }

// KeyMap returns the table's keys, for help.
func (m Model) KeyMap() KeyMap { return m.keys }

// SetKeyMap replaces the table's keys.
func (m *Model) SetKeyMap(k KeyMap) { m.keys = k }

// body is the number of row lines under the header.
func (m Model) body() int { return max(0, m.h-1) }

// clamp keeps the cursor on a row and the window on the cursor, without
// blank lines at the bottom when there are rows to fill them.
func (m *Model) clamp() {
	m.cursor = max(0, min(m.cursor, m.n-1))
	body := m.body()
	m.offset = max(0, min(m.offset, m.n-body))
	switch {
	case m.cursor < m.offset:
		m.offset = m.cursor
	case body > 0 && m.cursor >= m.offset+body:
		m.offset = m.cursor - body + 1
	case body == 0:
		m.offset = m.cursor
	}
}

// shrink is each fixed column's width when all must fit avail cells with
// the flex column at its Min: the columns with room above their Min give
// up a cell each in turn, until they fit or none has room left.
func shrink(cols []Column, avail int) []int {
	w := make([]int, len(cols))
	need := len(cols) - 1 // the spaces between columns
	for i, c := range cols {
		w[i] = max(0, c.Width)
		if c.Flex {
			w[i] = 0
			need += max(0, c.Min)
		}
		need += w[i]
	}
	for over := need - avail; over > 0; {
		gave := false
		for i := len(cols) - 1; i >= 0 && over > 0; i-- {
			if c := cols[i]; !c.Flex && c.Min > 0 && w[i] > c.Min {
				w[i]--
				over--
				gave = true
			}
		}
		if !gave {
			break
		}
	}
	return w
}

// layout gives each column its width within avail cells, one space between
// columns: fixed columns as asked (shrunk towards their Min when the columns
// do not fit), the flex column what is left; columns past the right edge
// are cut or dropped (width 0).
func layout(cols []Column, avail int) []int {
	widths := make([]int, len(cols))
	want := shrink(cols, avail)
	fixed := 0
	for i, c := range cols {
		if !c.Flex {
			fixed += want[i]
		}
		if i > 0 {
			fixed++
		}
	}
	flex := max(0, avail-fixed)
	x := 0
	for i, c := range cols {
		w := want[i]
		if c.Flex {
			w, flex = flex, 0 // a second flex column gets nothing
		}
		sep := 0
		if x > 0 {
			sep = 1
		}
		if w = min(w, avail-x-sep); w > 0 {
			widths[i] = w
			x += sep + w
		}
	}
	return widths
}
