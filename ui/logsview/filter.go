package logsview

import (
	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
)

// connsMsg is the connections the registry's keys of the filter select in
// the fleet (job seq of the coalescer).
type connsMsg struct {
	seq   int64
	conns map[string]bool
}

// refilter applies the console's filter: at once for what lines carry;
// the registry's keys select their connections in a command (a query of
// the whole fleet), and show nothing until it answers.
func (m *Model) refilter() tea.Cmd {
	var cmd tea.Cmd
	if m.query.Registry().Empty() {
		m.conns = nil
	} else {
		m.conns = map[string]bool{}
		cmd = m.askConns()
	}
	m.ring.filter(matcherOf(m.query, m.conns))
	return cmd
}

// askConns asks the coalescer for the connections the filter's registry
// keys select in the fleet held now.
func (m *Model) askConns() tea.Cmd {
	snap, q := m.snap, m.query.Registry()
	return m.resolve.Ask(func(seq int64) tea.Msg { return selectIn(snap, q, seq) })
}

// selectIn is the ids of the connections of snap q selects, vanished ones
// included (their logs are what an operator looks for).
func selectIn(snap fleet.Snapshot, q fleet.Query, seq int64) tea.Msg {
	idx := snap.Query(q, fleet.ByID, false)
	conns := make(map[string]bool, len(idx))
	for _, i := range idx {
		conns[snap.Row(int(i)).ID] = true
	}
	return connsMsg{seq: seq, conns: conns}
}

// conned applies the connections selected, and selects again when the
// filter or the fleet changed meanwhile.
func (m *Model) conned(msg connsMsg) tea.Cmd {
	current, again := m.resolve.Done(msg.seq)
	if !current {
		return nil
	}
	if !m.query.Registry().Empty() {
		m.conns = msg.conns
		m.ring.filter(matcherOf(m.query, m.conns))
	}
	if again {
		return m.askConns()
	}
	return nil
}
