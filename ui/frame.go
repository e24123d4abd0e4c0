package ui

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"wsops/internal/reach"
	"wsops/ops"
	"wsops/sanitize"
	"wsops/ui/cmdbar"
	"wsops/ui/header"
	"wsops/ui/view"
)

// layout gives every view, and the action overlay, the space left by the
// header, the breadcrumb, the status line and help.
func (m *Model) layout() {
	if m.width == 0 {
		return
	}
	h := m.bodyHeight()
	for _, v := range m.views {
		v.SetSize(m.width, h)
	}
	m.actions.SetSize(m.width, h)
	m.bar.SetWidth(m.width)
	m.help.Width = m.width
}

// bodyHeight is the height left to the view under the header and breadcrumbs.
func (m Model) bodyHeight() int {
	return max(1, m.height-lipgloss.Height(m.headerView())-2)
}

// View renders the console.
func (m Model) View() string {
	if m.width == 0 {
		return "starting…"
	}
	parts := []string{m.headerView(), m.breadcrumbs(), m.body(), m.statusLine()}
	return fitScreen(strings.Join(parts, "\n"), m.width, m.height)
}

// fitScreen cuts every line of view to width cells (styling kept) and the
// view to height lines: a line the terminal wrapped, or one line too many,
// would scroll the header off the screen. Components fit their own lines;
// this is the net under the breadcrumbs, status and help lines on narrow
// terminals.
func fitScreen(view string, width, height int) string {
	lines := strings.Split(view, "\n")
	if height > 0 && len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > width {
			lines[i] = ansi.Truncate(l, width, "…")
		}
	}
	return strings.Join(lines, "\n")
}

func (m Model) headerView() string {
	p, f := m.sess.Profile, m.feed.Header()
	progress := ""
	if f.Scanning {
		progress = fmt.Sprintf("scanning… %d rows", f.Streamed)
	}
	sum := f.Summary
	info := header.Info{
		Profile: p.Name, Production: p.Production, ReadOnly: p.ReadOnly,
		Endpoint: endpointOf(p.ManagementURL, p.WebSocketURL), Region: p.Region, Preset: p.Preset,
		Total: sum.Total, Stale: sum.Stale, Probed: sum.Probed, Problems: sum.Problems,
		ProbedAt: f.ProbedAt, Probing: f.Probing, ProbeDone: f.PassDone, ProbeTotal: f.PassTotal,
		Cells: sum.Cells, Breaks: p.Schema.Breaks,
		Apps: axis(p.Schema, sum.Cells, true), Entities: axis(p.Schema, sum.Cells, false),
		LastRefresh: f.Last, Now: m.opt.Now(), Scanning: f.Scanning, Paused: f.Paused, Progress: progress,
		History: f.History, Failure: failure(f.Failure),
	}
	if ms := m.metrics.State(); m.height >= stripMinHeight && !ms.Off {
		info.Metrics, info.MetricsAt = ms.Report, ms.At
		info.MetricsNA = ms.Report == nil && ms.Err != nil
	}
	return header.View(info, m.width, m.st)
}

// stripMinHeight is the least terminal height that shows the header's
// metrics strip: below it, the body's rows matter more.
const stripMinHeight = 30

// failure is a scan's error as the header says it: what to do first,
// where that is plain, then the error.
func failure(err error) string {
	if err == nil {
		return ""
	}
	if h := reach.Hint(err); h != "" {
		return h + " (" + err.Error() + ")"
	}
	return err.Error()
}

func endpointOf(mgmt, ws string) string {
	if ws != "" {
		return ws
	}
	return mgmt
}

// maxMatrixRows caps the header's matrix: bad data with many distinct apps
// must not push the table off the screen.
const maxMatrixRows = 8

// axis lists the matrix's apps (or entity types): the preset rule's, then the
// others seen in the data, most connections first, so unknown values show up
// too; apps beyond maxMatrixRows are summed up as "+N more".
func axis(s ops.Schema, cells map[ops.AppEntity]int, apps bool) []string {
	pick := func(app, entity string) string {
		if apps {
			return app
		}
		return entity
	}
	seen := map[string]bool{}
	for app, entity := range s.AppEntity {
		seen[pick(app, entity)] = true
	}
	rule := slices.Sorted(maps.Keys(seen))
	count := map[string]int{}
	for c, n := range cells {
		if v := pick(c.App, c.EntityType); !seen[v] {
			count[v] += n
		}
	}
	extra := slices.SortedFunc(maps.Keys(count), func(a, b string) int {
		return cmp.Or(count[b]-count[a], strings.Compare(a, b))
	})
	if room := maxMatrixRows - len(rule); apps && len(extra) > room {
		extra = append(extra[:max(0, room-1)], fmt.Sprintf("+%d more", len(extra)-max(0, room-1)))
	}
	return append(rule, extra...)
}

// breadcrumbs names the views shown, the filter, and the top view's note.
func (m Model) breadcrumbs() string {
	crumbs := make([]string, len(m.stack))
	for i, name := range m.stack {
		st := m.st.Breadcrumb
		if i == len(m.stack)-1 {
			st = m.st.BreadcrumbActive
		}
		crumbs[i] = st.Render(m.views[name].Title())
	}
	line := strings.Join(crumbs, m.st.Muted.Render(" › "))
	if !m.query.Empty() {
		line += m.st.Muted.Render("  filter: ") + sanitize.Text(m.query.String())
	}
	if n, ok := m.top().(view.Noter); ok {
		line += m.st.Muted.Render("  " + n.Note())
	}
	return line
}

// body is the top view, or the action overlay over it, or the help.
func (m Model) body() string {
	if m.showHelp {
		h := m.bodyHeight()
		return lipgloss.Place(m.width, h, lipgloss.Left, lipgloss.Top, m.helpView(m.width, h))
	}
	body := m.top().View()
	if m.actions.IsOpen() {
		body = m.actions.View()
	}
	// Every body fills its space: the status line stays at the bottom.
	return lipgloss.Place(m.width, m.bodyHeight(), lipgloss.Left, lipgloss.Top, body)
}

func (m Model) statusLine() string {
	switch {
	case m.bar.Mode() != cmdbar.Off:
		return m.bar.View()
	case m.status != "" && m.statusErr:
		return m.st.Error.Render(sanitize.Text(m.status))
	case m.status != "":
		return m.st.StatusBar.Render(sanitize.Text(m.status))
	case m.showHelp:
		return m.st.Muted.Render("? or esc closes the help")
	case m.actions.IsOpen():
		return m.help.ShortHelpView(m.viewKeys())
	}
	return m.st.Muted.Render("? help  : command  / filter  enter details  esc back  q quit")
}

// viewKeys are the keys of what has them: the action overlay or the top view.
func (m Model) viewKeys() []key.Binding {
	if m.actions.IsOpen() {
		return m.actions.KeyMap()
	}
	return m.top().KeyMap()
}

// helpView is the help in the body's place: the keys of what has them
// (the view on top, or the action overlay) first, then the console's, in as
// many columns as the width holds; what the height cannot hold is counted.
func (m Model) helpView(width, height int) string {
	own, global := m.viewKeys(), m.keys.bindings()
	entries := make([][2]string, 0, len(own)+len(global)+1)
	kw := 0
	for _, b := range slices.Concat(own, []key.Binding{{}}, global) {
		h := b.Help()
		entries = append(entries, [2]string{h.Key, h.Desc})
		kw = max(kw, lipgloss.Width(h.Key))
	}
	cw := 0
	for _, e := range entries {
		cw = max(cw, kw+2+lipgloss.Width(e[1]))
	}
	cw = min(cw, max(36, (width-2)/2), width) // two columns from 74 cells: long texts are cut
	cols := max(1, (width+2)/(cw+2))
	commands := lipgloss.NewStyle().Width(width).Render(m.st.Muted.Render("commands: " + m.usage()))
	height -= lipgloss.Height(commands) + 1
	rows := (len(entries) + cols - 1) / cols
	more := 0
	if rows > height {
		rows = max(1, height-1)
		more = len(entries) - rows*cols
	}
	cells := make([][]string, rows) // column-major: a column reads down
	for i, e := range entries[:min(len(entries), rows*cols)] {
		cell := ""
		if e[0] != "" || e[1] != "" {
			cell = ansi.Truncate(m.st.Key.Render(fmt.Sprintf("%-*s", kw, e[0]))+"  "+m.st.Muted.Render(e[1]), cw, "…")
		}
		cells[i%rows] = append(cells[i%rows], cell+strings.Repeat(" ", cw-lipgloss.Width(cell)))
	}
	lines := make([]string, rows)
	for r, row := range cells {
		lines[r] = strings.TrimRight(strings.Join(row, "  "), " ")
	}
	if more > 0 {
		lines = append(lines, m.st.Muted.Render(fmt.Sprintf("… %d more: a taller terminal shows them", more)))
	}
	return strings.Join(append(lines, "", commands), "\n")
}
