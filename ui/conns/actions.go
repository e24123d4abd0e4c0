package conns

import (
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/ops"
	"wsops/ui/action"
	"wsops/ui/view"
)

// queryMsg carries the rows one query picked from one snapshot.
type queryMsg struct {
	seq  int64
	snap fleet.Snapshot
	rows []int32
}

// requery filters and sorts the newest snapshot off the UI goroutine, while
// the view is on top (once it is uncovered, otherwise).
func (m *Model) requery() tea.Cmd {
	snap, q, key, desc := m.follow.Snapshot(), m.follow.Query(), sortKeys[m.sortCol], m.desc
	return m.follow.Ask(func(seq int64) tea.Msg {
		return queryMsg{seq: seq, snap: snap, rows: snap.Query(q, key, desc)}
	})
}

// command runs :send [all], :logout and :prune on the view's rows.
func (m *Model) command(c view.CommandMsg) tea.Cmd {
	switch {
	case c.Name == "send" && c.Arg == "all":
		t := ops.Targets{Select: m.follow.Query().Select()}
		if t.Validate() != nil {
			t = ops.Targets{All: true}
		}
		return m.send(t)
	case c.Arg != "":
		return view.Status(fmt.Sprintf(":%s takes no argument (:send all sends to the filter's selection)", c.Name), true)
	case c.Name == "send":
		return m.send(ops.Targets{Conns: m.Targets()})
	case c.Name == "logout":
		return m.logout()
	}
	return m.prune()
}

// send asks for the send dialog to t.
func (m *Model) send(t ops.Targets) tea.Cmd { return view.Cmd(action.SendMsg{Targets: t}) }

// logout force-logs out the marked rows (or the cursor's), once the
// operator has seen (and perhaps edited) the notice they will receive.
func (m *Model) logout() tea.Cmd {
	return view.Cmd(action.LogoutMsg{Targets: ops.Targets{Conns: m.Targets()}})
}

// prune deletes the records of gone connections among what the filter
// pushes down to the registry.
func (m *Model) prune() tea.Cmd {
	req := ops.PruneRequest{Select: m.follow.Query().Select(), Grace: ops.DefaultPruneGrace}
	return view.Cmd(action.StartMsg{Title: "prune stale records", Do: func(ctx context.Context, o *ops.Ops, p func(ops.Progress)) (ops.Report, error) {
		res, err := o.Prune(ctx, req, p)
		return res.Report(), err
	}})
}
