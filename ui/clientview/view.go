package clientview

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"wsops/sanitize"
	"wsops/wsclient"
)

// editorHeight is the editor's height in lines.
const editorHeight = 3

// headerLines is the lines above the timeline: tabs, URL, record, problems,
// broadcast, rule.
const headerLines = 6

// footerLines is the lines under the timeline: rule, editor, validation, status.
const footerLines = 1 + editorHeight + 1 + 1

func (m Model) timelineHeight() int { return max(1, m.height-headerLines-footerLines) }

// View renders the view.
func (m Model) View() string {
	t := m.current()
	var lines []string
	switch {
	case m.mode == modeForm:
		lines = append(lines, m.form.view("New test client", m.st))
		lines = append(lines, m.st.Muted.Render("Empty fields take the profile's defaults; a pasted token replaces minting."))
		return m.fit(lines)
	case t == nil:
		lines = append(lines, m.st.Muted.Render("No test client yet: n opens one, or :client user=U,app=A,entity=E,platform=P"))
		return m.fit(append(lines, m.statusLine()))
	}
	lines = append(lines, m.tabsLine(), m.connLine(t))
	lines = append(lines, m.recordLines(t)...)
	lines = append(lines, m.broadcastLine(t))
	switch m.mode {
	case modeSaved:
		lines = append(lines, m.savedView())
	case modeFill:
		lines = append(lines, m.fill.view("Fill in "+sanitize.Text(m.fillFor.Name), m.st))
	default:
		lines = append(lines, m.rule(m.timelineTitle(t)))
		lines = append(lines, m.timeline(t, m.timelineHeight())...)
	}
	foot := []string{m.rule("message (JSON)"), m.editor.View(), m.validation()}
	if m.mode == modeSearch {
		foot[2] = m.search.View()
	}
	footHeight := strings.Count(strings.Join(foot, "\n"), "\n") + 1
	body := m.fitHeight(lines, m.height-footHeight-1)
	return strings.Join(append(append(body, foot...), m.statusLine()), "\n")
}

// fit pads or cuts lines to the view's height.
func (m Model) fit(lines []string) string { return strings.Join(m.fitHeight(lines, m.height), "\n") }

func (m Model) fitHeight(lines []string, h int) []string {
	var out []string
	for _, l := range lines {
		out = append(out, strings.Split(l, "\n")...)
	}
	if len(out) > h {
		out = out[:max(0, h)]
	}
	for len(out) < h {
		out = append(out, "")
	}
	return out
}

func (m Model) tabsLine() string {
	parts := make([]string, len(m.tabs))
	for i, t := range m.tabs {
		label := "[" + sanitize.Text(t.title()) + "]"
		if i == m.cur {
			parts[i] = m.st.BreadcrumbActive.Render(label)
		} else {
			parts[i] = m.st.Breadcrumb.Render(label)
		}
	}
	return strings.Join(parts, " ") + m.st.Muted.Render("  n new  tab next  w close")
}

func (m Model) connLine(t *tab) string {
	state := t.state.String()
	st := m.st.Muted
	switch t.state {
	case wsclient.StateOpen:
		st = m.st.Live
	case wsclient.StateClosed:
		st = m.st.Gone
	}
	var last, rtt, auto string
	if t.last != "" && t.state != wsclient.StateOpen {
		last = "  " + sanitize.Text(t.last)
	}
	if t.rtt.N > 0 {
		rtt = fmt.Sprintf("  rtt p50 %s p99 %s (%d)", round(t.rtt.P50), round(t.rtt.P99), t.rtt.N)
	}
	if t.reconnect {
		auto = "  auto-reconnect"
	}
	u := sanitize.Text(t.c.DisplayURL())
	room := m.width - len(state) - 1 - sanitize.Width(last+rtt+auto)
	if sanitize.Width(u) > room {
		u = sanitize.Cell(u, max(20, room))
	}
	return st.Render(state) + " " + u + m.st.Error.Render(last) + m.st.Muted.Render(rtt+auto)
}

// recordLines are the two lines about the client's own registry record.
func (m Model) recordLines(t *tab) []string {
	switch {
	case t.own != nil:
		o := t.own
		rec := fmt.Sprintf("record %s  user %s  app %s  entity %s  platform %s",
			o.ID, orDash(o.User), orDash(o.App), orDash(o.EntityType), orDash(o.Platform))
		line := m.st.Title.Render("registry ") + sanitize.Text(rec)
		if ps := t.problems(); len(ps) > 0 {
			return []string{line, m.st.Problem.Render("problems: " + sanitize.Text(strings.Join(ps, "; ")))}
		}
		return []string{line, m.st.Live.Render("problems: none")}
	case t.locating:
		return []string{m.st.Muted.Render("registry: looking for this connection's record…"), ""}
	case t.ownErr != nil:
		return []string{m.st.Error.Render("registry: " + sanitize.Text(t.ownErr.Error())), ""}
	}
	return []string{m.st.Muted.Render("registry: not connected"), ""}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (m Model) broadcastLine(t *tab) string {
	switch {
	case t.bcast.result == "":
		return m.st.Muted.Render("b sends a test broadcast to this connection through the management API")
	case t.bcast.failed:
		return m.st.Error.Render(sanitize.Text(t.bcast.result))
	case t.bcast.pending:
		return m.st.Muted.Render(sanitize.Text(t.bcast.result))
	}
	return m.st.Live.Render(sanitize.Text(t.bcast.result))
}

func (m Model) timelineTitle(t *tab) string {
	s := fmt.Sprintf("timeline: %d frames", t.frames)
	if m.query != "" {
		s += fmt.Sprintf(", matching %q", m.query)
	}
	if t.scroll > 0 {
		s += fmt.Sprintf(", %d lines up (G follows)", t.scroll)
	}
	return s
}

func (m Model) rule(title string) string {
	title = "── " + sanitize.Text(title) + " "
	return m.st.Muted.Render(title + strings.Repeat("─", max(0, m.width-sanitize.Width(title))))
}

// timeline renders the tab's entries that match the search, newest at the
// bottom, h lines, scrolled up by the tab's scroll.
func (m Model) timeline(t *tab, h int) []string {
	var lines []string
	for _, e := range t.ents {
		if m.query != "" && !strings.Contains(strings.ToLower(e.data), strings.ToLower(m.query)) {
			continue
		}
		lines = append(lines, m.entryLines(e)...)
	}
	end := max(0, len(lines)-t.scroll)
	start := max(0, end-h)
	return lines[start:end]
}

func (m Model) entryLines(e entry) []string {
	ts := e.time.Format("15:04:05.000")
	if !e.frame {
		return []string{m.st.Muted.Render(ts + " ── " + sanitize.Text(e.data))}
	}
	arrow := m.st.Key.Render(e.dir.Arrow())
	if e.dir == wsclient.In {
		arrow = m.st.Live.Render(e.dir.Arrow())
	}
	prefix := fmt.Sprintf("%s %s %6s ", ts, arrow, size(e.size))
	width := max(10, m.width-len(ts)-10)
	if !m.pretty {
		return []string{prefix + sanitize.Cell(e.data, width)}
	}
	var b bytes.Buffer
	if json.Indent(&b, []byte(e.data), "", "  ") != nil {
		return []string{prefix + sanitize.Cell(e.data, width)}
	}
	pretty := strings.Split(b.String(), "\n")
	out := []string{prefix + sanitize.Cell(pretty[0], width)}
	pad := strings.Repeat(" ", len(ts)+10)
	for _, l := range pretty[1:] {
		out = append(out, pad+sanitize.Cell(l, width))
	}
	return out
}

// size is a byte count in a few characters: 812B, 3.4K, 128K.
func size(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%dB", n)
	case n < 10*1024:
		return fmt.Sprintf("%.1fK", float64(n)/1024)
	}
	return fmt.Sprintf("%dK", n/1024)
}

func (m Model) savedView() string {
	var b strings.Builder
	b.WriteString(m.st.Title.Render("Saved messages") + m.st.Muted.Render("  enter picks ({{placeholders}} are asked for), esc back") + "\n")
	for i, msg := range m.deps.Messages {
		line := fmt.Sprintf("  %-28s %s", sanitize.Text(msg.Name), sanitize.Cell(msg.Data, max(10, m.width-34)))
		if i == m.saved {
			line = m.st.RowCursor.Render("> " + line[2:])
		}
		b.WriteString(line + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (m Model) validation() string {
	text := m.editor.Value()
	if strings.TrimSpace(text) == "" {
		if m.mode == modeEditor {
			return m.st.Muted.Render("ctrl+s sends  ctrl+p/ctrl+n history  esc back")
		}
		return m.st.Muted.Render("e edits a message, m picks a saved one")
	}
	sz := fmt.Sprintf("  %s / 128K", size(len(text)))
	if why := validate(text); why != "" {
		return m.st.Error.Render(sanitize.Text(why)) + m.st.Muted.Render(sz)
	}
	return m.st.Live.Render("valid JSON") + m.st.Muted.Render(sz+"  ctrl+s sends")
}

func (m Model) statusLine() string {
	if m.status == "" {
		return ""
	}
	if m.statusErr {
		return m.st.Error.Render(sanitize.Text(m.status))
	}
	return m.st.StatusBar.Render(sanitize.Text(m.status))
}
