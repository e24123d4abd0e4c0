package subs

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/ui/view"
)

// load is the read in progress: a newer one supersedes (cancels) an
// older, whose late answer is dropped by its sequence number.
type load struct {
	seq    int64
	cancel context.CancelFunc
	busy   bool
}

// subsMsg is a finished read (or a re-filter), filtered with q.
type subsMsg struct {
	seq  int64
	read bool
	snap fleet.SubsSnapshot
	rows []int32
	q    fleet.Query
	err  error
}

// read reads the subscriptions the filter pushes down and filters them,
// off the UI goroutine, superseding any read in progress.
func (m *Model) read() tea.Cmd {
	if m.load.cancel != nil {
		m.load.cancel()
	}
	ctx, cancel := context.WithCancel(m.c.Ctx)
	m.pushed = m.query.Select()
	m.load = load{seq: view.Seq(), cancel: cancel, busy: true}
	o, seq, sel, q := m.c.Ops, m.load.seq, m.pushed, m.query
	return func() tea.Msg {
		subs, err := o.Subscriptions(ctx, sel)
		if err != nil {
			return subsMsg{seq: seq, read: true, err: err}
		}
		store := fleet.NewSubs()
		store.Add(subs)
		snap := store.Snapshot()
		return subsMsg{seq: seq, read: true, snap: snap, rows: snap.Query(q), q: q}
	}
}

// refilter filters what was read with the filter as it is typed; while a
// read runs, that read filters with the newest filter when it lands.
func (m *Model) refilter() tea.Cmd {
	if m.load.busy {
		return nil
	}
	m.filtering = view.Seq()
	seq, snap, q := m.filtering, m.src.snap, m.query
	return func() tea.Msg { return subsMsg{seq: seq, snap: snap, rows: snap.Query(q), q: q} }
}

// loaded shows a read's (or a re-filter's) rows, and filters them again
// when the filter changed since they were filtered.
func (m *Model) loaded(msg subsMsg) tea.Cmd {
	switch {
	case msg.read && msg.seq == m.load.seq:
		m.load.busy = false
		if msg.err != nil {
			return view.Status("reading subscriptions: "+msg.err.Error(), true)
		}
	case !msg.read && msg.seq == m.filtering && !m.load.busy:
		m.filtering = 0
	default:
		return nil // superseded by a newer read or re-filter
	}
	m.SetRows(msg.snap, msg.rows)
	if msg.q.String() != m.query.String() {
		return m.refilter()
	}
	return nil
}
