package trail

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"wsops/internal/human"
	"wsops/sanitize"
	"wsops/ui/logtail"
)

// Scroll moves a view of rows rows by n: older when n > 0, newer when
// n < 0; back at 0 it shows the newest rows again.
func (m *Model) Scroll(n, rows int) {
	m.back = max(0, min(m.back+n, len(m.book.lines())-rows))
}

// Needs is how many lines the trail needs at width to show everything it
// holds: a view may give it less (it then shows the newest rows).
func (m *Model) Needs(width int) int {
	width = max(1, width)
	n := 1 // the title
	switch {
	case m.state == Failed:
		n += len(m.explain(width, ""))
	case len(m.book.reqs) == 0:
		n++
	default:
		n += len(m.book.lines())
		if m.book.unjoined != "" {
			n++
		}
		if m.book.dropped > 0 {
			n++
		}
	}
	if m.state == Ended && m.err != nil {
		n += len(m.explain(width, "Following stopped. "))
	}
	return n
}

// View renders the trail in width × height cells: a title line, then the
// rows (newest at the bottom), or why the trail cannot be read.
func (m *Model) View(width, height int) string {
	if height <= 0 {
		return ""
	}
	width = max(1, width)
	out := []string{m.titleLine(width)}
	body := height - 1
	var tail []string // said under the rows: why the follow ended
	if m.state == Ended && m.err != nil {
		tail = m.explain(width, "Following stopped. ")
	}
	var rows []string
	switch {
	case m.state == Failed:
		rows = m.explain(width, "")
	case len(m.book.reqs) == 0 && m.state == Reading:
		rows = []string{m.st.Muted.Render("reading the last hour of the logs…")}
	case len(m.book.reqs) == 0:
		rows = []string{m.st.Muted.Render("no request of this connection in the last hour")}
	default:
		rows = m.rows(width, max(0, body-len(tail)))
	}
	out = append(out, rows...)
	out = append(out, tail...)
	if len(out) > height {
		out = out[:height]
	}
	return strings.Join(out, "\n")
}

// titleLine names the trail and says where it is.
func (m *Model) titleLine(width int) string {
	parts := []string{"last hour"}
	if n := len(m.book.reqs); n > 0 || m.state != Failed {
		parts = append(parts, count(n, "request", "requests"))
	}
	switch m.state {
	case Reading:
		parts = append(parts, "reading…")
	case Following:
		parts = append(parts, "following live")
	case Ended:
		parts = append(parts, "not following")
	case Failed:
		parts = []string{"cannot be read"}
	}
	if m.back > 0 {
		parts = append(parts, fmt.Sprintf("scrolled up %d (] newer)", m.back))
	}
	if m.notice != "" && m.state == Following {
		parts = append(parts, sanitize.Text(logtail.Short(m.notice)))
	}
	return ansi.Truncate(m.st.Title.Render("Trail")+m.st.Muted.Render("  "+strings.Join(parts, " · ")), width, "…")
}

// rows are the book's rows that fit in n lines, ending back rows above the
// newest; notes about the whole trail first.
func (m *Model) rows(width, n int) []string {
	var notes []string
	if m.book.unjoined != "" {
		notes = append(notes, m.st.Muted.Render(ansi.Truncate("note: "+sanitize.Text(m.book.unjoined), width, "…")))
	}
	if m.book.dropped > 0 {
		notes = append(notes, m.st.Muted.Render(fmt.Sprintf("(%d older requests not kept: a trail keeps the last %d)", m.book.dropped, MaxRequests)))
	}
	all := m.book.lines()
	if len(notes) >= n {
		notes = nil // the rows matter more than the notes
	}
	n -= len(notes)
	end := max(0, len(all)-m.back)
	start := max(0, end-n)
	out := notes
	for _, r := range all[start:end] {
		text := ansi.Truncate(r.text, width, "…")
		switch {
		case r.head && len(r.status) == 3 && r.status[0] >= '4':
			text = m.st.Error.Render(text)
		case r.head:
			text = m.st.App.Render(text)
		default:
			text = m.st.Muted.Render(text)
		}
		out = append(out, text)
	}
	return out
}

// explain is why the trail failed or its follow ended, in plain words,
// then the error itself when it says more, wrapped to width.
func (m *Model) explain(width int, lead string) []string {
	text, detail := logtail.Explain(m.err)
	var out []string
	for _, l := range human.Wrap(sanitize.Text(lead+text), width, "") {
		out = append(out, m.st.Error.Render(l))
	}
	if detail {
		for _, l := range human.Wrap(sanitize.Text(m.err.Error()), width, "  ") {
			out = append(out, m.st.Muted.Render(l))
		}
	}
	return out
}

// count is n things in words: "1 line", "3 lines".
func count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, human.Plural(n, one, many))
}
