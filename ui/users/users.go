// Package users is the console's users view: one row per user with the
// number of connections, the apps and the entity types they hold.
package users

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/ui/styles"
	"wsops/ui/table"
)

// OpenMsg asks for the connections of one user.
type OpenMsg struct{ User string }

var columns = []table.Column{
	{Title: "USER", Width: 28}, {Title: "CONNS", Width: 6}, {Title: "APPS", Width: 36}, {Title: "ENTITY TYPES", Flex: true},
}

// Model is the users view.
type Model struct {
	table table.Model
	users []fleet.User
	keys  KeyMap
}

// New returns an empty users view.
func New(st styles.Styles) Model {
	m := Model{table: table.New(columns, st), keys: DefaultKeyMap()}
	m.table.SetEmptyText("no users")
	return m
}

// SetUsers shows users.
func (m *Model) SetUsers(users []fleet.User) {
	m.users = users
	m.table.SetSource(source(users))
}

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) { m.table.SetSize(w, h) }

// Update handles enter; the rest goes to the table.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && key.Matches(k, m.keys.Open) {
		// Records with no user cannot be filtered by user (an empty user: filter is no filter).
		if c := m.table.Cursor(); c >= 0 && c < len(m.users) && m.users[c].ID != "" {
			u := m.users[c].ID
			return m, func() tea.Msg { return OpenMsg{User: u} }
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

type source []fleet.User

func (s source) Len() int { return len(s) }
func (s source) Cells(i int) []string {
	u := s[i]
	return []string{u.ID, strconv.Itoa(u.Conns), strings.Join(u.Apps, ", "), strings.Join(u.Entities, ", ")}
}
func (s source) Style(i int) table.RowStyle {
	if len(s[i].Entities) > 1 {
		return table.Problem // one user registered under several entity types
	}
	return 0
}
