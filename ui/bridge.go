package ui

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/data"
	"wsops/fleet"
	"wsops/mgmt"
	"wsops/ops"
	"wsops/ops/auditlog"
)

// The bridge turns the registry's and the management API's channels into
// messages. Every command captures what it needs before it returns its
// closure and never reads the model from its goroutine; each stream is
// re-armed with a wait command after every event (bubbletea's realtime
// pattern).

// scanPageMsg is one page of a connections scan.
type scanPageMsg struct {
	scan  int
	page  data.Page[data.Connection]
	pages <-chan data.Page[data.Connection]
}

// scanDoneMsg ends a scan; Err is set when it failed part way.
type scanDoneMsg struct {
	scan int
	Err  error
}

// startScanCmd starts a scan of the registry and waits for its first page.
func startScanCmd(ctx context.Context, reg *data.Registry, sel data.Select, scan int) tea.Cmd {
	return func() tea.Msg {
		return waitPage(scan, reg.Connections(ctx, sel))()
	}
}

// waitPage waits for the next page of a scan.
func waitPage(scan int, pages <-chan data.Page[data.Connection]) tea.Cmd {
	return func() tea.Msg {
		pg, ok := <-pages
		switch {
		case !ok:
			return scanDoneMsg{scan: scan}
		case pg.Err != nil:
			return scanDoneMsg{scan: scan, Err: pg.Err}
		}
		return scanPageMsg{scan: scan, page: pg, pages: pages}
	}
}

// subsMsg is a finished subscriptions read, already filtered.
type subsMsg struct {
	seq  int
	snap fleet.SubsSnapshot
	rows []int32
	Err  error
}

// loadSubsCmd reads the subscriptions sel picks and filters them with q,
// all off the UI goroutine.
func loadSubsCmd(ctx context.Context, seq int, reg *data.Registry, sel data.Select, q fleet.Query) tea.Cmd {
	return func() tea.Msg {
		subs, err := data.Collect(ctx, reg.Subscriptions(ctx, sel))
		if err != nil {
			return subsMsg{seq: seq, Err: err}
		}
		store := fleet.NewSubs()
		store.Add(subs)
		snap := store.Snapshot()
		return subsMsg{seq: seq, snap: snap, rows: snap.Query(q)}
	}
}

// querySubsCmd re-filters loaded subscriptions (a filter keystroke).
func querySubsCmd(seq int, snap fleet.SubsSnapshot, q fleet.Query) tea.Cmd {
	return func() tea.Msg { return subsMsg{seq: seq, snap: snap, rows: snap.Query(q)} }
}

// queryMsg carries what one query computed from one snapshot.
type queryMsg struct {
	seq     int
	snap    fleet.Snapshot
	rows    []int32
	summary fleet.Summary // over the whole fleet, for the header
	users   []fleet.User  // over the selected rows; nil unless asked for
}

// queryCmd filters, sorts and summarises a snapshot off the UI goroutine.
func queryCmd(seq int, snap fleet.Snapshot, q fleet.Query, key fleet.SortKey, desc bool, schema data.Schema, withUsers bool) tea.Cmd {
	return func() tea.Msg {
		msg := queryMsg{seq: seq, snap: snap, rows: snap.Query(q, key, desc), summary: snap.Summary(nil, schema)}
		if withUsers {
			msg.users = snap.Users(msg.rows)
		}
		return msg
	}
}

// probeMsg is one GetConnection answer of a background probe of session gen.
type probeMsg struct {
	gen     int
	id      string
	gone    bool
	known   bool // false: the probe failed (throttled, error): nothing learned
	answers <-chan ops.Live
}

// probeDoneMsg ends a background probe of session gen.
type probeDoneMsg struct{ gen int }

// probeCmd asks GetConnection about ids (the visible rows), through ops'
// light background probe at rps.
func probeCmd(ctx context.Context, gen int, o *ops.Ops, ids []string, rps float64) tea.Cmd {
	return func() tea.Msg {
		return waitProbe(gen, o.Probe(ctx, mgmt.StreamIDs(ids), rps, true))()
	}
}

func waitProbe(gen int, answers <-chan ops.Live) tea.Cmd {
	return func() tea.Msg {
		for l := range answers {
			if !l.Final {
				return probeMsg{gen: gen, id: l.ID, gone: l.Status == ops.LiveGone, known: l.Status != ops.LiveUnknown, answers: answers}
			}
		}
		return probeDoneMsg{gen: gen}
	}
}

// detailMsg is everything the detail view shows about one connection.
type detailMsg struct {
	id      string
	conn    data.Connection
	connErr error
	subs    []data.Subscription
	subsErr error
	live    mgmt.ConnectionInfo
	liveErr error
}

// loadDetailCmd reads one record, its subscriptions and its live status.
func loadDetailCmd(ctx context.Context, reg *data.Registry, m *mgmt.Client, id string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		d := detailMsg{id: id}
		d.conn, d.connErr = reg.Connection(ctx, id)
		d.subs, d.subsErr = reg.SubscriptionsOf(ctx, id)
		d.live, d.liveErr = m.Get(ctx, id)
		return d
	}
}

// tickMsg asks for the next refresh.
type tickMsg struct{ scan int }

// refreshAfter asks for the next refresh after d, unless ctx (the
// session's) ends first: tea.Tick would hold its goroutine for the whole
// interval after the console quit or switched profiles.
func refreshAfter(ctx context.Context, d time.Duration, scan int) tea.Cmd {
	return func() tea.Msg {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
			return tickMsg{scan: scan}
		case <-ctx.Done():
			return nil
		}
	}
}

// auditMsg carries the audit log's last entries.
type auditMsg struct {
	entries []auditlog.Entry
	Err     error
}

// auditTail is how many audit entries the view shows.
const auditTail = 500

func loadAuditCmd(path string) tea.Cmd {
	return func() tea.Msg {
		if path == "" {
			return auditMsg{Err: errors.New("no audit log configured")}
		}
		entries, _, err := auditlog.New(path).Tail(auditTail)
		return auditMsg{entries: entries, Err: err}
	}
}
