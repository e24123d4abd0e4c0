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

	"wsops/data"
	"wsops/sanitize"
	"wsops/ui/cmdbar"
	"wsops/ui/header"
)

// layout gives every view the space left by the header, breadcrumbs, the
// status line and help.
func (m *Model) layout() {
	if m.width == 0 {
		return
	}
	h := m.bodyHeight()
	m.conns.SetSize(m.width, h)
	m.subs.SetSize(m.width, h)
	m.users.SetSize(m.width, h)
	m.detail.SetSize(m.width, h)
	m.audit.SetSize(m.width, h)
	m.repair.SetSize(m.width, h)
	m.client.SetSize(m.width, h)
	m.dialog.SetSize(m.width-overlayIndent, h)
	m.sendDlg.SetSize(m.width-overlayIndent, h)
	m.runView.SetSize(m.width-overlayIndent, h)
	m.bar.SetWidth(m.width)
	m.help.Width = m.width
}

// bodyHeight is the height left to the view under the header and breadcrumbs.
func (m Model) bodyHeight() int {
	return max(1, m.height-lipgloss.Height(m.headerView())-2-m.helpHeight())
}

// overlayIndent is the left margin of the dialogs and the action view.
const overlayIndent = 2

// overlayView renders the topmost dialog or the action view in the body's space.
func (m Model) overlayView() (string, bool) {
	var v string
	switch {
	case m.dialog.IsOpen():
		v = m.dialog.View()
	case m.sendDlg.IsOpen():
		v = m.sendDlg.View()
	case m.runView.IsOpen():
		v = m.runView.View()
	default:
		return "", false
	}
	lines := strings.Split("\n"+v, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = strings.Repeat(" ", overlayIndent) + l
		}
	}
	return lipgloss.Place(m.width, m.bodyHeight(), lipgloss.Left, lipgloss.Top, strings.Join(lines, "\n")), true
}

// View renders the console.
func (m Model) View() string {
	if m.width == 0 {
		return "starting…"
	}
	parts := []string{m.headerView(), m.breadcrumbs(), m.body(), m.statusLine()}
	if m.showHelp {
		parts = append(parts, m.helpView())
	}
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
	p := m.sess.Profile
	progress := ""
	if m.refresh.scanning {
		progress = fmt.Sprintf("scanning… %d rows", m.refresh.streamed)
	}
	return header.View(header.Info{
		Profile: p.Name, Production: p.Production, ReadOnly: p.ReadOnly,
		Endpoint: endpointOf(p.ManagementURL, p.WebSocketURL), Region: p.Region, Preset: p.Preset,
		Total: m.summary.Total, Stale: m.summary.Stale, Problems: m.summary.Problems, Gone: m.summary.Gone,
		Cells: m.summary.Cells, Breaks: p.Schema.Breaks,
		Apps: axis(p.Schema, m.summary.Cells, true), Entities: axis(p.Schema, m.summary.Cells, false),
		LastRefresh: m.refresh.last, Now: m.opt.Now(), Scanning: m.refresh.scanning, Progress: progress,
		History: m.refresh.history,
	}, m.width, m.st)
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
func axis(s data.Schema, cells map[data.AppEntity]int, apps bool) []string {
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

func (m Model) breadcrumbs() string {
	crumbs := make([]string, len(m.stack))
	for i, v := range m.stack {
		name := viewNames[v]
		if v == viewDetail {
			name += " " + sanitize.Text(m.detail.ID())
		}
		st := m.st.Breadcrumb
		if i == len(m.stack)-1 {
			st = m.st.BreadcrumbActive
		}
		crumbs[i] = st.Render(name)
	}
	line := strings.Join(crumbs, m.st.Muted.Render(" › "))
	if !m.query.Empty() {
		line += m.st.Muted.Render("  filter: ") + sanitize.Text(m.query.String())
	}
	if m.top() == viewConns {
		line += m.st.Muted.Render(fmt.Sprintf("  %d rows", m.conns.Len()))
	}
	return line
}

func (m Model) body() string {
	if v, ok := m.overlayView(); ok {
		return v
	}
	switch m.top() {
	case viewSubs:
		return m.subs.View()
	case viewUsers:
		return m.users.View()
	case viewDetail:
		return m.detail.View()
	case viewAudit:
		return m.audit.View()
	case viewRepair:
		return m.repair.View()
	case viewClient:
		return m.client.View()
	}
	return m.conns.View()
}

func (m Model) statusLine() string {
	switch {
	case m.bar.Mode() != cmdbar.Off:
		return m.bar.View()
	case m.status != "" && m.statusErr:
		return m.st.Error.Render(sanitize.Text(m.status))
	case m.status != "":
		return m.st.StatusBar.Render(sanitize.Text(m.status))
	case m.overlay():
		return m.help.ShortHelpView(m.viewKeys())
	}
	return m.st.Muted.Render("? help  : command  / filter  enter details  esc back  q quit")
}

func (m Model) viewKeys() []key.Binding {
	switch {
	case m.dialog.IsOpen():
		return m.dialog.KeyMap()
	case m.sendDlg.IsOpen():
		return m.sendDlg.KeyMap()
	case m.runView.IsOpen():
		return m.runView.KeyMap()
	}
	switch m.top() {
	case viewConns:
		return m.conns.KeyMap()
	case viewSubs:
		return m.subs.KeyMap()
	case viewUsers:
		return m.users.KeyMap()
	case viewAudit:
		return m.audit.KeyMap()
	case viewRepair:
		return m.repair.KeyMap()
	case viewDetail:
		return m.detail.KeyMap()
	case viewClient:
		return m.client.KeyMap()
	}
	return nil
}

func (m Model) helpView() string {
	return m.help.FullHelpView([][]key.Binding{m.keys.bindings(), m.viewKeys()})
}

func (m Model) helpHeight() int {
	if !m.showHelp {
		return 0
	}
	return lipgloss.Height(m.helpView()) + 1
}
