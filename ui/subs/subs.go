// Package subs is the console's subscriptions view: topics (or rooms), the
// connection and user behind each, and the active flag.
package subs

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/internal/human"
	"wsops/ui/detail"
	"wsops/ui/styles"
	"wsops/ui/table"
)

var columns = []table.Column{
	{Title: "KEY", Width: 28}, {Title: "CONNECTION", Width: 18}, {Title: "USER", Width: 20},
	{Title: "ENTITY", Width: 10}, {Title: "ACTIVE", Width: 6}, {Title: "AGE", Width: 5}, {Title: "PROBLEMS", Flex: true},
}

// Model is the subscriptions view.
type Model struct {
	table table.Model
	keys  KeyMap
	src   source
}

// New returns an empty subscriptions view.
func New(st styles.Styles, now func() time.Time) Model {
	m := Model{table: table.New(columns, st), src: source{now: now}, keys: DefaultKeyMap()}
	m.table.SetEmptyText("no subscriptions")
	return m
}

// SetRows shows the given rows of a snapshot.
func (m *Model) SetRows(snap fleet.SubsSnapshot, rows []int32) {
	m.src.snap, m.src.rows = snap, rows
	m.table.SetSource(m.src)
}

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) { m.table.SetSize(w, h) }

// Update handles enter (the connection's details); the rest goes to the table.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && key.Matches(k, m.keys.Open) {
		if c := m.table.Cursor(); c >= 0 && c < len(m.src.rows) {
			id := m.src.snap.Sub(int(m.src.rows[c])).ConnectionID
			return m, func() tea.Msg { return detail.OpenMsg{ID: id} }
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.table, cmd = m.table.Update(msg)
	return m, cmd
}

// View renders the table.
func (m Model) View() string { return m.table.View() }

// KeyMap returns the view's keys for help.
func (m Model) KeyMap() []key.Binding {
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
	return []string{x.Key, x.ConnectionID, x.User, x.Entity, active, human.AgeSince(x.CreatedAt, s.now()), strings.Join(x.Problems, "; ")}
}
func (s source) Style(i int) table.RowStyle {
	if len(s.snap.Sub(int(s.rows[i])).Problems) > 0 {
		return table.Problem
	}
	return 0
}
