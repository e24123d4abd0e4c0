// Package conns is the console's connections view: one row per registry
// record, sortable, with marks for multi-select.
package conns

import (
	"fmt"
	"slices"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/internal/human"
	"wsops/ops"
	"wsops/ui/feed"
	"wsops/ui/table"
	"wsops/ui/view"
)

// columns, in the order of sortKeys.
var columns = []table.Column{
	{Title: "ID", Width: 18, Min: 10, Middle: true}, {Title: "USER", Width: 20, Min: 12}, {Title: "APP", Width: 15, Min: 9},
	{Title: "ENTITY", Width: 10, Min: 8}, {Title: "PLATFORM", Width: 8, Min: 7}, {Title: "AGE", Width: 5},
	{Title: "PROBLEMS", Flex: true, Min: 10, Brief: table.ProblemsBrief},
}

var sortKeys = []fleet.SortKey{
	fleet.ByID, fleet.ByUser, fleet.ByApp, fleet.ByEntity, fleet.ByPlatform, fleet.ByAge, fleet.ByProblems,
}

// name is the view's name in the registry and its `:` command.
const name = "conns"

// Def registers the view: :conns, and the actions on its rows.
var Def = view.Def{Name: name, Aliases: []string{"connections"}, Commands: []string{"send", "logout", "prune"},
	Usage: ":conns", CommandUsage: ":send [all] :logout :prune", New: New}

// probeWindow is how many rows around the cursor the background probe asks
// about first.
const probeWindow = 60

// Model is the connections view.
type Model struct {
	c       *view.Common
	table   table.Model
	keys    KeyMap
	src     source
	sortCol int
	desc    bool
	// follow keeps the feed's snapshot and the filter, and runs the query
	// that filters and sorts them.
	follow feed.Follower
	// probeDue is set when a scan ended: the next rows listed are probed.
	probeDue bool
	// anchor is the row last marked with space, where v's range starts.
	anchor string
}

// New returns an empty connections view.
func New(c *view.Common) view.View {
	m := &Model{c: c, table: table.New(columns, c.Styles), keys: DefaultKeyMap(), src: source{marks: map[string]bool{}, now: c.Now},
		follow: feed.NewFollower(name, true)}
	m.table.SetEmptyText(emptyText(nil))
	return m
}

// emptyText is what the table says with no rows: none match, or the
// registry could not be read (the header says why).
func emptyText(failure error) string {
	if failure != nil {
		return "cannot read the registry: see the header and the status line"
	}
	return "no connections"
}

// Init does nothing: the rows come from the feed.
func (m *Model) Init() tea.Cmd { return nil }

// Open shows the rows.
func (m *Model) Open(string) tea.Cmd { return nil }

// Title names the view.
func (m *Model) Title() string { return "conns" }

// Note is the row count and the marks', after the breadcrumb.
func (m *Model) Note() string {
	if n := len(m.Marked()); n > 0 {
		return fmt.Sprintf("%d rows, %d marked", m.Len(), n)
	}
	return fmt.Sprintf("%d rows", m.Len())
}

// Captures takes esc while rows are marked: it clears the marks before it
// goes back.
func (m *Model) Captures(k tea.KeyMsg) bool {
	return key.Matches(k, m.keys.ClearMarks) && len(m.src.marks) > 0
}

// markRange marks every row from the last one marked with space (the
// first row, when none) to the cursor.
func (m *Model) markRange() {
	cur, from := m.table.Cursor(), 0
	if at, ok := m.src.snap.Index(m.anchor); ok {
		from = max(0, slices.Index(m.src.rows, int32(at)))
	}
	for i := min(from, cur); i <= max(from, cur) && i < len(m.src.rows); i++ {
		m.src.marks[m.src.snap.Row(int(m.src.rows[i])).ID] = true
	}
}

// SetRows shows the given rows of a snapshot, keeping the cursor on the
// connection it was on when that connection is still listed.
func (m *Model) SetRows(snap fleet.Snapshot, rows []int32) {
	current, hadCurrent := m.Selected()
	m.src.snap, m.src.rows = snap, rows
	m.table.SetSource(m.src)
	if hadCurrent {
		if at, ok := snap.Index(current); ok {
			for i, r := range rows {
				if int(r) == at {
					m.table.SetCursor(i)
					break
				}
			}
		}
	}
}

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) { m.table.SetSize(w, h) }

// Querying reports whether the rows are being filtered and sorted anew.
func (m *Model) Querying() bool { return m.follow.Busy() }

// Len is the number of rows shown.
func (m Model) Len() int { return len(m.src.rows) }

// Selected returns the id under the cursor.
func (m Model) Selected() (string, bool) {
	c := m.table.Cursor()
	if c < 0 || c >= len(m.src.rows) {
		return "", false
	}
	return m.src.snap.Row(int(m.src.rows[c])).ID, true
}

// Marked returns the marked ids that are still listed.
func (m Model) Marked() []string {
	var ids []string
	for _, r := range m.src.rows {
		if id := m.src.snap.Row(int(r)).ID; m.src.marks[id] {
			ids = append(ids, id)
		}
	}
	return ids
}

// Targets returns the marked ids that are still listed, else the id under
// the cursor: whom an action on the view reaches.
func (m Model) Targets() []string {
	if ids := m.Marked(); len(ids) > 0 {
		return ids
	}
	if id, ok := m.Selected(); ok {
		return []string{id}
	}
	return nil
}

// Window returns the ids of the rows around the cursor, at most n of them:
// what is on screen, for the background probe.
func (m Model) Window(n int) []string {
	start := max(0, m.table.Cursor()-n/2)
	var ids []string
	for i := start; i < len(m.src.rows) && len(ids) < n; i++ {
		ids = append(ids, m.src.snap.Row(int(m.src.rows[i])).ID)
	}
	return ids
}

// Update handles the view's keys, the feed's snapshots, the filter and the
// commands on its rows; the rest goes to the table.
func (m *Model) Update(msg tea.Msg) (view.View, tea.Cmd) {
	switch msg := msg.(type) {
	case feed.ChangedMsg, view.FilterMsg, view.TopMsg:
		if c, ok := msg.(feed.ChangedMsg); ok {
			m.probeDue = m.probeDue || c.Refreshed
			m.table.SetEmptyText(emptyText(c.Failure))
		}
		if m.follow.Follow(msg) {
			return m, m.requery()
		}
		return m, nil
	case queryMsg:
		current, again := m.follow.Done(msg.seq)
		if !current {
			return m, nil
		}
		m.SetRows(msg.snap, msg.rows)
		var probe tea.Cmd
		if m.probeDue && m.Len() > 0 {
			// A scan ended: the rows on screen are probed once it is listed.
			m.probeDue = false
			probe = view.Cmd(feed.ProbeMsg{IDs: m.Window(probeWindow)})
		}
		if again {
			return m, tea.Batch(probe, m.requery())
		}
		return m, probe
	case view.CommandMsg:
		return m, m.command(msg)
	case tea.KeyMsg:
		return m, m.key(msg)
	}
	var cmd tea.Cmd
	m.table, cmd = m.table.Update(msg)
	return m, cmd
}

// key handles the view's keys; the rest go to the table.
func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Mark):
		if id, ok := m.Selected(); ok {
			m.src.marks[id] = !m.src.marks[id]
			if !m.src.marks[id] {
				delete(m.src.marks, id)
			}
			m.anchor = id
		}
		return nil
	case key.Matches(k, m.keys.MarkRange):
		m.markRange()
		return nil
	case key.Matches(k, m.keys.MarkAll):
		for _, r := range m.src.rows {
			m.src.marks[m.src.snap.Row(int(r)).ID] = true
		}
		return nil
	case key.Matches(k, m.keys.ClearMarks):
		clear(m.src.marks)
		return nil
	case key.Matches(k, m.keys.Open):
		if id, ok := m.Selected(); ok {
			return view.Cmd(view.OpenMsg{Name: "detail", Arg: id})
		}
		return nil
	case key.Matches(k, m.keys.Send):
		return m.send(ops.Targets{Conns: m.Targets()})
	case key.Matches(k, m.keys.Logout):
		return m.logout()
	case key.Matches(k, m.keys.SortNext), key.Matches(k, m.keys.SortReverse):
		if key.Matches(k, m.keys.SortNext) {
			m.sortCol = (m.sortCol + 1) % len(sortKeys)
		} else {
			m.desc = !m.desc
		}
		m.table.SetSort(m.sortCol, m.desc)
		return m.requery()
	}
	var cmd tea.Cmd
	m.table, cmd = m.table.Update(k)
	return cmd
}

// View renders the table.
func (m *Model) View() string { return m.table.View() }

// KeyMap returns the view's keys and the table's, for help.
func (m *Model) KeyMap() []key.Binding {
	return append(m.keys.FullHelp()[0], m.table.KeyMap().ShortHelp()...)
}

// source adapts a snapshot and its selected rows to the table.
type source struct {
	snap  fleet.Snapshot
	rows  []int32
	marks map[string]bool
	now   func() time.Time
}

func (s source) Len() int { return len(s.rows) }

func (s source) Cells(i int) []string {
	r := s.snap.Row(int(s.rows[i]))
	return []string{r.ID, r.User, r.App, r.Entity, r.Platform, human.AgeSince(r.ConnectedAt, s.now()), table.JoinProblems(r.Problems)}
}

func (s source) Style(i int) table.RowStyle {
	at := int(s.rows[i])
	st, r := s.snap.State(at), s.snap.Row(at)
	var rs table.RowStyle
	if st&fleet.Appeared != 0 {
		rs |= table.Appeared
	}
	if st&fleet.Vanished != 0 {
		rs |= table.Vanished
	}
	if st&fleet.Gone != 0 {
		rs |= table.Gone
	}
	if st&fleet.Live != 0 {
		rs |= table.Live
	}
	if len(r.Problems) > 0 {
		rs |= table.Problem
	}
	if s.marks[r.ID] {
		rs |= table.Marked
	}
	return rs
}
