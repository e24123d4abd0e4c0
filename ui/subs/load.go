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

// subsMsg is a finished read (or a re-filter), already filtered.
type subsMsg struct {
	seq  int64
	snap fleet.SubsSnapshot
	rows []int32
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
			return subsMsg{seq: seq, err: err}
		}
		store := fleet.NewSubs()
		store.Add(subs)
		snap := store.Snapshot()
		return subsMsg{seq: seq, snap: snap, rows: snap.Query(q)}
	}
}

// refilter filters what was read with the filter as it is typed.
func (m *Model) refilter() tea.Cmd {
	seq, snap, q := m.load.seq, m.src.snap, m.query
	return func() tea.Msg { return subsMsg{seq: seq, snap: snap, rows: snap.Query(q)} }
}

// loaded shows a read's (or a re-filter's) rows.
func (m *Model) loaded(msg subsMsg) tea.Cmd {
	if msg.seq != m.load.seq {
		return nil // superseded by a newer read
	}
	m.load.busy = false
	if msg.err != nil {
		return view.Status("reading subscriptions: "+msg.err.Error(), true)
	}
	m.SetRows(msg.snap, msg.rows)
	return nil
}
