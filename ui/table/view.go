package table

import (
	"strings"

	"github.com/charmbracelet/lipgloss"

	"wsops/sanitize"
	"wsops/ui/styles"
)

// Sort indicators and gutter glyphs.
const (
	ascGlyph      = "▲"
	descGlyph     = "▼"
	markGlyph     = '*'
	appearedGlyph = '+'
	vanishedGlyph = '-'
)

// Row colours, most urgent last: a row takes the colour of its most urgent state.
const (
	kindRow = iota
	kindLive
	kindAppeared
	kindProblem
	kindGone
	kindVanished
	kinds
)

// look is the table's styles, combined once in New and shared read-only by
// every copy of the Model.
type look struct {
	header, muted lipgloss.Style
	rows          [kinds][2][2]lipgloss.Style // [kind][marked][cursor]
}

func newLook(st styles.Styles) *look {
	l := &look{header: st.TableHeader, muted: st.Muted}
	base := [kinds]lipgloss.Style{st.Row, st.Live, st.RowAppeared, st.Problem, st.Gone, st.RowVanished}
	for k, s := range base {
		marked := s.Inherit(st.RowMarked) // the state's colour, the mark's weight
		if k == kindRow {
			marked = st.RowMarked.Inherit(s)
		}
		l.rows[k][0][0], l.rows[k][1][0] = s, marked
		l.rows[k][0][1], l.rows[k][1][1] = st.RowCursor.Inherit(s), st.RowCursor.Inherit(marked)
	}
	return l
}

func kindOf(rs RowStyle) int {
	switch {
	case rs&Vanished != 0:
		return kindVanished
	case rs&Gone != 0:
		return kindGone
	case rs&Problem != 0:
		return kindProblem
	case rs&Appeared != 0:
		return kindAppeared
	case rs&Live != 0:
		return kindLive
	}
	return kindRow
}

// View renders the header line and the rows on screen: exactly h lines (blank
// ones below the last row), each exactly w cells wide. It returns "" until
// SetSize gives the table a size.
func (m Model) View() string {
	if m.w <= 0 || m.h <= 0 {
		return ""
	}
	var out, line strings.Builder
	out.Grow(m.h * (m.w + 64))
	line.Grow(m.w * 4)

	line.WriteString(strings.Repeat(" ", GutterWidth))
	m.cells(&line, func(i, w int) string { return m.title(i, w) })
	out.WriteString(m.look.header.Render(m.fit(line.String())))

	lines := 1
	if m.n == 0 && m.h > 1 {
		out.WriteByte('\n')
		out.WriteString(m.look.muted.Render(sanitize.Cell(strings.Repeat(" ", GutterWidth)+m.emptyText, m.w)))
		lines++
	}
	start, end := m.Window()
	if m.src != nil {
		end = min(end, m.src.Len()) // a source that shrank behind SetSource's back
	}
	for r := start; r < end; r++ {
		cells, rs := m.src.Cells(r), m.src.Style(r)
		line.Reset()
		line.WriteByte(gutter(rs&Marked != 0, markGlyph))
		switch {
		case rs&Vanished != 0:
			line.WriteByte(vanishedGlyph)
		case rs&Appeared != 0:
			line.WriteByte(appearedGlyph)
		default:
			line.WriteByte(' ')
		}
		m.cells(&line, func(i, w int) string {
			switch {
			case i >= len(cells):
				return strings.Repeat(" ", w)
			case m.cols[i].Brief != nil && sanitize.Width(sanitize.Text(cells[i])) > w:
				return sanitize.Cell(m.cols[i].Brief(cells[i], w), w)
			case m.cols[i].Middle:
				return middle(cells[i], w)
			}
			return sanitize.Cell(cells[i], w)
		})
		st := &m.look.rows[kindOf(rs)][b2i(rs&Marked != 0)][b2i(r == m.cursor)]
		out.WriteByte('\n')
		out.WriteString(st.Render(m.fit(line.String())))
		lines++
	}
	if lines < m.h {
		blank := "\n" + strings.Repeat(" ", m.w)
		out.WriteString(strings.Repeat(blank, m.h-lines))
	}
	return out.String()
}

// cells writes the shown columns after the gutter: cell(i, w) must return
// exactly w cells; columns are separated by one space and the line is padded
// to the table's width.
func (m Model) cells(b *strings.Builder, cell func(i, w int) string) {
	used := 0
	for i, w := range m.widths {
		if w <= 0 {
			continue
		}
		if used > 0 {
			b.WriteByte(' ')
			used++
		}
		b.WriteString(cell(i, w))
		used += w
	}
	if pad := m.w - GutterWidth - used; pad > 0 {
		b.WriteString(strings.Repeat(" ", pad))
	}
}

// title is column i's title fitted to w cells, with the sort indicator kept
// visible when the title has to be cut.
func (m Model) title(i, w int) string {
	t := sanitize.Text(m.cols[i].Title)
	if i != m.sortCol {
		return sanitize.Cell(t, w)
	}
	ind := ascGlyph
	if m.sortDesc {
		ind = descGlyph
	}
	if w < 3 {
		return sanitize.Cell(ind, w)
	}
	if sanitize.Width(t)+2 > w {
		t = strings.TrimRight(sanitize.Cell(t, w-2), " ")
	}
	return sanitize.Cell(t+" "+ind, w)
}

// fit cuts a line when the table is narrower than its gutter; otherwise the
// layout already made it exactly m.w cells.
func (m Model) fit(s string) string {
	if m.w < GutterWidth {
		return s[:m.w] // the gutter is ASCII
	}
	return s
}

func gutter(on bool, glyph byte) byte {
	if on {
		return glyph
	}
	return ' '
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// middle fits s to w cells, cutting a value too long in its middle.
func middle(s string, w int) string {
	s = sanitize.Text(s)
	if sanitize.Width(s) <= w || w < 5 {
		return sanitize.Cell(s, w)
	}
	r := []rune(s)
	head := (w - 1) / 2
	tail := w - 1 - head
	if len(r) < head+tail { // wide runes: the plain cut is right
		return sanitize.Cell(s, w)
	}
	return sanitize.Cell(string(r[:head])+"…"+string(r[len(r)-tail:]), w)
}
