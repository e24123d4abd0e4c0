package feed

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/ops"
)

// The feed's streams become messages: every command captures what it needs
// before it returns its closure and never reads the feed from its
// goroutine; each stream is re-armed with a wait after every event
// (bubbletea's realtime pattern).

// pageMsg is one page of a scan.
type pageMsg struct {
	scan  int64
	page  ops.Page
	pages <-chan ops.Page
}

// doneMsg ends a scan; err is set when it failed part way.
type doneMsg struct {
	scan int64
	err  error
}

// waitPage waits for the next page of a scan.
func waitPage(scan int64, pages <-chan ops.Page) tea.Cmd {
	return func() tea.Msg {
		pg, ok := <-pages
		switch {
		case !ok:
			return doneMsg{scan: scan}
		case pg.Err != nil:
			return doneMsg{scan: scan, err: pg.Err}
		}
		return pageMsg{scan: scan, page: pg, pages: pages}
	}
}

// summaryMsg is the whole fleet's summary, for the header.
type summaryMsg struct {
	seq     int64
	summary fleet.Summary
}

// probeMsg is one GetConnection answer of a background probe.
type probeMsg struct {
	probe   int64
	id      string
	gone    bool
	known   bool // false: the probe failed (throttled, error): nothing learned
	answers <-chan ops.Live
}

// probeDoneMsg ends a background probe.
type probeDoneMsg struct{ probe int64 }

// probe asks GetConnection about ids through ops' light background probe
// at rps (0: the profile's rate).
func probe(ctx context.Context, o *ops.Ops, id int64, ids <-chan string, rps float64) tea.Cmd {
	return func() tea.Msg {
		return waitProbe(id, o.Probe(ctx, ids, rps, true))()
	}
}

func waitProbe(id int64, answers <-chan ops.Live) tea.Cmd {
	return func() tea.Msg {
		for l := range answers {
			if !l.Final {
				return probeMsg{probe: id, id: l.ID, gone: l.Status == ops.LiveGone, known: l.Status != ops.LiveUnknown, answers: answers}
			}
		}
		return probeDoneMsg{probe: id}
	}
}

// tickMsg asks for the next refresh.
type tickMsg struct{ scan int64 }

// refreshAfter asks for the next refresh after d, unless ctx (the
// session's) ends first: tea.Tick would hold its goroutine for the whole
// interval after the console quit or switched profiles.
func refreshAfter(ctx context.Context, d time.Duration, scan int64) tea.Cmd {
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
