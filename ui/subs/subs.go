// Package subs is the console's subscriptions view: topics (or rooms), the
// connection and user behind each, and the active flag.
package subs

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/internal/human"
	"wsops/ops"
	"wsops/ui/table"
	"wsops/ui/view"
)

var columns = []table.Column{
	{Title: "KEY", Width: 28, Min: 14, Middle: true}, {Title: "CONNECTION", Width: 18, Min: 10, Middle: true}, {Title: "USER", Width: 20, Min: 12},
	{Title: "ENTITY", Width: 10, Min: 8}, {Title: "ACTIVE", Width: 6}, {Title: "AGE", Width: 5}, {Title: "PROBLEMS", Flex: true, Min: 10, Brief: table.ProblemsBrief},
}

// Def registers the view.
var Def = view.Def{Name: "subs", Aliases: []string{"subscriptions"}, Usage: ":subs", New: New}

// Model is the subscriptions view: it reads the subscriptions the filter
// pushes down to the registry, and filters them as the filter is typed.
type Model struct {
	c     *view.Common
	table table.Model
	keys  KeyMap
	src   source
	query fleet.Query
	// pushed is what the last read asked the registry for.
	pushed ops.Select
	load   load
	// filtering is the re-filter in progress (0: none): older ones' rows
	// are dropped.
	filtering int64
	top       bool
}

// New returns an empty subscriptions view.
func New(c *view.Common) view.View {
	m := &Model{c: c, table: table.New(columns, c.Styles), src: source{now: c.Now}, keys: DefaultKeyMap()}
	m.table.SetEmptyText("no subscriptions")
	return m
}

// Init does nothing: the view reads when opened.
func (m *Model) Init() tea.Cmd { return nil }

// Open reads the subscriptions.
func (m *Model) Open(string) tea.Cmd { m.top = true; return m.read() }

// Title names the view.
func (m *Model) Title() string { return Def.Name }

// SetRows shows the given rows of a snapshot.
func (m *Model) SetRows(snap fleet.SubsSnapshot, rows []int32) {
	m.src.snap, m.src.rows = snap, rows
	m.table.SetSource(m.src)
}

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) { m.table.SetSize(w, h) }

// Update handles enter (the connection's details), reads, the filter and
// the refresh tick; the rest goes to the table.
func (m *Model) Update(msg tea.Msg) (view.View, tea.Cmd) {
	switch msg := msg.(type) {
	case subsMsg:
		return m, m.loaded(msg)
	case view.FilterMsg:
		m.query = msg.Query
		if !m.top {
			return m, nil
		}
		if !msg.Live && !msg.Query.Select().Same(m.pushed) {
			return m, m.read()
		}
		return m, m.refilter()
	case view.TopMsg:
		covered := !m.top
		m.top = msg.Name == Def.Name
		if !m.top || !covered || m.load.seq == 0 {
			return m, nil
		}
		// Back on top: what the filter became meanwhile applies now.
		if !m.query.Select().Same(m.pushed) {
			return m, m.read()
		}
		return m, m.refilter()
	case view.RefreshMsg:
		if m.top && !m.load.busy {
			return m, m.read()
		}
		return m, nil
	case tea.KeyMsg:
		if !key.Matches(msg, m.keys.Open) {
			break
		}
		if c := m.table.Cursor(); c >= 0 && c < len(m.src.rows) {
			id := m.src.snap.Sub(int(m.src.rows[c])).ConnectionID
			return m, view.Cmd(view.OpenMsg{Name: "detail", Arg: id})
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.table, cmd = m.table.Update(msg)
	return m, cmd
}

// View renders the table.
func (m *Model) View() string { return m.table.View() }

// KeyMap returns the view's keys for help.
func (m *Model) KeyMap() []key.Binding {
	return append([]key.Binding{m.keys.Open}, m.table.KeyMap().ShortHelp()...)
}

type source struct {
	snap fleet.SubsSnapshot
	rows []int32
	now  func() time.Time
}

func (s source) Len() int { return len(s.rows) }
func (s source) Cells(i int) []string {
	x := s.snap.Sub(int(s.rows[i]))
	active := "no"
	if x.Active {
		active = "yes"
	}
	return []string{x.Key, x.ConnectionID, x.User, x.Entity, active, human.AgeSince(x.CreatedAt, s.now()), table.JoinProblems(x.Problems)}
}
func (s source) Style(i int) table.RowStyle {
	if len(s.snap.Sub(int(s.rows[i])).Problems) > 0 {
		return table.Problem
	}
	return 0
}
