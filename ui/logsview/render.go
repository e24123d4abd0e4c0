package logsview

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"wsops/internal/human"
	"wsops/logs"
	"wsops/sanitize"
	"wsops/ui/logtail"
)

// Note counts the lines, after the breadcrumb.
func (m *Model) Note() string {
	held, shown := m.Lines()
	note := count(held, "line", "lines")
	if shown != held {
		note = fmt.Sprintf("%d of %s", shown, note)
	}
	switch {
	case m.paused:
		note += " · paused"
	case !m.follow:
		note += " · scrolled (G follows)"
	}
	return note
}

// View renders the state line, then the lines on screen, newest at the
// bottom; or why the logs cannot be tailed.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	out := []string{ansi.Truncate(m.stateLine(), m.width, "…")}
	if m.err != nil {
		out = append(out, m.explain()...)
	}
	held, shown := m.Lines()
	switch {
	case m.finding:
		out = append(out, m.st.Muted.Render("finding the API's log groups…"))
	case held == 0 && m.err == nil:
		out = append(out, m.st.Muted.Render("waiting for lines…"))
	case held > 0 && shown == 0:
		out = append(out, m.st.Muted.Render(fmt.Sprintf("none of the %s held matches the filter", count(held, "line", "lines"))))
	default:
		out = append(out, m.lines(m.height-len(out))...)
	}
	if len(out) > m.height {
		out = out[:m.height]
	}
	return strings.Join(out, "\n")
}

// stateLine says what the tail does: paused with how many lines held,
// following how many groups, or not.
func (m *Model) stateLine() string {
	var parts []string
	switch {
	case m.finding:
		parts = append(parts, "finding the log groups…")
	case m.tail != nil && m.reader != nil:
		parts = append(parts, "live: "+count(len(m.reader.Groups.All()), "log group", "log groups"))
		if m.notice != "" {
			parts = append(parts, sanitize.Text(logtail.Short(m.notice)))
		}
	default:
		parts = append(parts, "not tailing")
	}
	parts = append(parts, fmt.Sprintf("keeps the last %d lines", Bound))
	line := m.st.Muted.Render(strings.Join(parts, " · "))
	if m.paused {
		return m.st.Problem.Render(m.pausedText()) + m.st.Muted.Render(" · ") + line
	}
	return line
}

// pausedText says how many lines came while paused.
func (m *Model) pausedText() string {
	came, held := m.Held()
	switch {
	case came == 0:
		return "PAUSED (space resumes)"
	case came > held:
		return fmt.Sprintf("PAUSED: %d new lines came, the newest %d held (space resumes)", came, held)
	}
	return fmt.Sprintf("PAUSED: %s held, shown on resume (space)", count(held, "new line", "new lines"))
}

// explain says why the logs cannot be tailed, wrapped to the width.
func (m *Model) explain() []string {
	text, detail := logtail.Explain(m.err)
	if m.ring.len() > 0 {
		text = "The tail stopped. " + text
	}
	var out []string
	for _, l := range human.Wrap(sanitize.Text(text), m.width, "") {
		out = append(out, m.st.Error.Render(l))
	}
	if detail {
		for _, l := range human.Wrap(sanitize.Text(m.err.Error()), m.width, "  ") {
			out = append(out, m.st.Muted.Render(l))
		}
	}
	return out
}

// lines are the shown lines on screen, at most n, each fitted to the
// width behind a gutter that marks the cursor.
func (m *Model) lines(n int) []string {
	first, cursor := m.window(n)
	shown := m.ring.shown
	end := min(len(shown), first+max(0, n))
	out := make([]string, 0, end-first)
	for i := first; i < end; i++ {
		e := m.ring.at(shown[i])
		if e == nil {
			continue
		}
		gutter := "  "
		if i == cursor {
			gutter = "▸ "
		}
		text := ansi.Truncate(gutter+logs.Row(e.line), m.width, "…")
		switch {
		case i == cursor:
			text = m.st.RowCursor.Render(text)
		case e.line.Kind == logs.KindAccess && len(e.line.Status) == 3 && e.line.Status[0] >= '4':
			text = m.st.Error.Render(text)
		case e.line.Kind == logs.KindAccess:
			text = m.st.App.Render(text)
		default:
			text = m.st.Muted.Render(text)
		}
		out = append(out, text)
	}
	return out
}

// count is n things in words: "1 line", "3 lines".
func count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, human.Plural(n, one, many))
}
