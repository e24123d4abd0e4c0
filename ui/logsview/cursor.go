package logsview

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/ui/view"
)

// key handles the view's keys.
func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	rows := m.rows()
	switch {
	case key.Matches(k, m.keys.Pause):
		m.togglePause()
	case key.Matches(k, m.keys.Open):
		return m.open()
	case key.Matches(k, m.keys.Up):
		m.move(-1)
	case key.Matches(k, m.keys.Down):
		m.move(1)
	case key.Matches(k, m.keys.PageUp):
		m.move(-rows)
	case key.Matches(k, m.keys.PageDown):
		m.move(rows)
	case key.Matches(k, m.keys.Oldest):
		m.move(-len(m.ring.shown))
	case key.Matches(k, m.keys.Newest):
		m.follow = true
	}
	return nil
}

// rows is how many lines the view lists under its state line.
func (m *Model) rows() int { return max(1, m.height-1) }

// window is the place in the shown lines of the first line on a screen of
// rows lines, and of the line under the cursor (-1 when none is shown).
func (m *Model) window(rows int) (first, cursor int) {
	n := len(m.ring.shown)
	rows = max(1, rows)
	if n == 0 {
		return 0, -1
	}
	if m.follow {
		return max(0, n-rows), n - 1
	}
	cursor = min(m.ring.index(m.cursor), n-1)
	first = min(m.ring.index(m.first), n-1)
	if cursor < first {
		first = cursor
	}
	if cursor >= first+rows {
		first = cursor - rows + 1
	}
	return max(0, min(first, n-rows)), cursor
}

// move moves the cursor by delta lines (newer when positive); onto the
// newest line, the view follows the tail again.
func (m *Model) move(delta int) {
	n, rows := len(m.ring.shown), m.rows()
	first, cursor := m.window(rows)
	if cursor < 0 {
		return
	}
	cursor = max(0, min(cursor+delta, n-1))
	if cursor == n-1 && delta > 0 {
		m.follow = true
		return
	}
	if cursor < first {
		first = cursor
	}
	if cursor >= first+rows {
		first = cursor - rows + 1
	}
	m.follow, m.cursor, m.first = false, m.ring.shown[cursor], m.ring.shown[first]
}

// open opens the detail of the connection of the line under the cursor.
func (m *Model) open() tea.Cmd {
	_, cursor := m.window(m.rows())
	if cursor < 0 {
		return nil
	}
	e := m.ring.at(m.ring.shown[cursor])
	if e == nil || e.line.ConnectionID == "" {
		return view.Status("this line names no connection (yet: an execution or handler line takes its request's connection when the access line comes)", false)
	}
	return view.Cmd(view.OpenMsg{Name: "detail", Arg: e.line.ConnectionID})
}
