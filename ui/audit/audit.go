// Package audit is the console's audit view: the last entries of the audit
// log, newest first.
package audit

import (
	"fmt"
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/ops/auditlog"
	"wsops/ui/table"
	"wsops/ui/view"
)

var columns = []table.Column{
	{Title: "TIME", Width: 19}, {Title: "PROFILE", Width: 14, Min: 8}, {Title: "CALLER", Width: 22, Min: 8}, {Title: "ACTION", Width: 7},
	{Title: "TARGETS", Width: 7, Min: 4}, {Title: "RESULT", Width: 34, Min: 10}, {Title: "TOOK", Width: 8, Min: 5}, {Title: "FILTER / ERROR", Flex: true, Min: 10},
}

// Def registers the view.
var Def = view.Def{Name: "audit", Usage: ":audit", New: New}

// tail is how many audit entries the view shows.
const tail = 500

// Model is the audit view.
type Model struct {
	c     *view.Common
	table table.Model
	top   bool
}

// New returns an empty audit view.
func New(c *view.Common) view.View {
	m := &Model{c: c, table: table.New(columns, c.Styles)}
	m.table.SetEmptyText("no audit entries yet: every send, logout, prune and repair leaves one")
	return m
}

// Init does nothing: the view reads when opened.
func (m *Model) Init() tea.Cmd { return nil }

// Open reads the log.
func (m *Model) Open(string) tea.Cmd { m.top = true; return m.read() }

// Title names the view.
func (m *Model) Title() string { return Def.Name }

// entriesMsg carries the log's last entries.
type entriesMsg struct {
	entries []auditlog.Entry
	err     error
}

// read reads the last entries of the log the session's actions write.
func (m *Model) read() tea.Cmd {
	o := m.c.Ops
	return func() tea.Msg {
		entries, err := o.AuditTail(tail)
		return entriesMsg{entries: entries, err: err}
	}
}

// SetEntries shows entries (oldest first, as the log holds them) newest first.
func (m *Model) SetEntries(entries []auditlog.Entry) {
	rows := slices.Clone(entries)
	slices.Reverse(rows)
	m.table.SetSource(source(rows))
}

// SetEmptyText says what to show with no entries (e.g. why the log could not be read).
func (m *Model) SetEmptyText(text string) { m.table.SetEmptyText(text) }

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) { m.table.SetSize(w, h) }

// Update shows what was read, reads again on every refresh while on top,
// and scrolls.
func (m *Model) Update(msg tea.Msg) (view.View, tea.Cmd) {
	switch msg := msg.(type) {
	case entriesMsg:
		if msg.err != nil {
			m.SetEmptyText("cannot read the audit log: " + msg.err.Error())
		}
		m.SetEntries(msg.entries)
		return m, nil
	case view.RefreshMsg:
		if m.top {
			return m, m.read()
		}
		return m, nil
	case view.TopMsg:
		m.top = msg.Name == Def.Name
		return m, nil
	}
	var cmd tea.Cmd
	m.table, cmd = m.table.Update(msg)
	return m, cmd
}

// View renders the table.
func (m *Model) View() string { return m.table.View() }

// KeyMap returns the view's keys for help.
func (m *Model) KeyMap() []key.Binding { return m.table.KeyMap().ShortHelp() }

type source []auditlog.Entry

func (s source) Len() int { return len(s) }
func (s source) Cells(i int) []string {
	e := s[i]
	note := e.Filter
	if e.Error != "" {
		note += " — " + e.Error
	}
	return []string{e.Time.Local().Format("2006-01-02 15:04:05"), e.Profile, e.Caller, e.Action,
		fmt.Sprint(e.Targets), e.ResultText(), fmt.Sprintf("%dms", e.DurationMS), note}
}
func (s source) Style(i int) table.RowStyle {
	if s[i].Error != "" {
		return table.Problem
	}
	return 0
}
