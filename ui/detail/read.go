package detail

import (
	"errors"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/ops"
	"wsops/ui/view"
)

// readMsg is what one read found.
type readMsg struct {
	seq int64
	in  ops.Inspection
}

// read reads the record, subscriptions and live status of the connection shown.
func (m *Model) read() tea.Cmd {
	m.seq = view.Seq()
	ctx, o, seq, id := m.c.Ctx, m.c.Ops, m.seq, m.id
	return func() tea.Msg { return readMsg{seq: seq, in: o.Inspect(ctx, id)} }
}

// toggledMsg ends a subscription's active-flag toggle.
type toggledMsg struct {
	id  string // the connection whose details to read again
	key string
	err error
}

// toggle flips a subscription's active flag through ops, which asks for
// confirmation (app is its connection's, for the blast radius).
func (m *Model) toggle(sub ops.Subscription, app string) tea.Cmd {
	ctx, o := m.c.Ctx, m.c.Ops
	return tea.Batch(view.Status("toggling isActive of "+sub.Key+"…", false), func() tea.Msg {
		return toggledMsg{id: sub.ConnectionID, key: sub.Key, err: o.ToggleActive(ctx, sub, app)}
	})
}

// toggled says how a toggle ended, and reads the details again.
func (m *Model) toggled(msg toggledMsg) tea.Cmd {
	status := view.Status("toggled isActive of "+msg.key, false)
	switch {
	case errors.Is(msg.err, ops.ErrConflict):
		status = view.Status(msg.key+": changed by someone else since it was read; left as it is (reloaded)", true)
	case msg.err != nil:
		status = view.Status(msg.err.Error(), true)
	}
	if m.id != msg.id {
		return status
	}
	return tea.Batch(status, m.read())
}
