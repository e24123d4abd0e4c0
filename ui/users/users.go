// Package users is the console's users view: one row per user with the
// number of connections, the apps and the entity types they hold.
package users

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/ui/feed"
	"wsops/ui/table"
	"wsops/ui/view"
)

// name is the view's name in the registry and its `:` command.
const name = "users"

// Def registers the view.
var Def = view.Def{Name: name, Usage: ":users", New: New}

var columns = []table.Column{
	{Title: "USER", Width: 28, Min: 14}, {Title: "CONNS", Width: 6}, {Title: "APPS", Width: 36, Min: 16}, {Title: "ENTITY TYPES", Flex: true, Min: 10},
}

// Model is the users view.
type Model struct {
	table table.Model
	users []fleet.User
	keys  KeyMap
	// follow keeps the feed's snapshot and the filter, and runs the query
	// that sums the users up.
	follow feed.Follower
}

// New returns an empty users view.
func New(c *view.Common) view.View {
	m := &Model{table: table.New(columns, c.Styles), keys: DefaultKeyMap(), follow: feed.NewFollower(name, false)}
	m.table.SetEmptyText("no users")
	return m
}

// Init does nothing: the users come from the feed.
func (m *Model) Init() tea.Cmd { return nil }

// Open sums the users up.
func (m *Model) Open(string) tea.Cmd {
	m.follow.Follow(view.TopMsg{Name: Def.Name})
	return m.requery()
}

// Title names the view.
func (m *Model) Title() string { return Def.Name }

// usersMsg carries the users of the rows one query picked.
type usersMsg struct {
	seq   int64
	users []fleet.User
}

// requery sums up the users of the filtered snapshot, while on top.
func (m *Model) requery() tea.Cmd {
	snap, q := m.follow.Snapshot(), m.follow.Query()
	return m.follow.Ask(func(seq int64) tea.Msg {
		return usersMsg{seq: seq, users: snap.Users(snap.Query(q, fleet.ByID, false))}
	})
}

// SetUsers shows users.
func (m *Model) SetUsers(users []fleet.User) {
	m.users = users
	m.table.SetSource(source(users))
}

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) { m.table.SetSize(w, h) }

// Update handles enter (the user's connections), the feed's snapshots and
// the filter; the rest goes to the table.
func (m *Model) Update(msg tea.Msg) (view.View, tea.Cmd) {
	switch msg := msg.(type) {
	case feed.ChangedMsg, view.FilterMsg, view.TopMsg:
		if m.follow.Follow(msg) {
			return m, m.requery()
		}
		return m, nil
	case usersMsg:
		current, again := m.follow.Done(msg.seq)
		if current {
			m.SetUsers(msg.users)
		}
		if again {
			return m, m.requery()
		}
		return m, nil
	case tea.KeyMsg:
		if !key.Matches(msg, m.keys.Open) {
			break
		}
		// Records with no user cannot be filtered by user (an empty user: filter is no filter).
		if c := m.table.Cursor(); c >= 0 && c < len(m.users) && m.users[c].ID != "" {
			q := fleet.Query{User: m.users[c].ID}
			return m, view.Cmd(view.ApplyFilterMsg{Text: q.String(), Show: "conns"})
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
