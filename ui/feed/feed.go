// Package feed is the console's live fleet: the registry scanned through
// ops page by page into the query engine's fleet, rescanned on an adaptive
// interval, the rows on screen probed with GetConnection in the background,
// and the whole fleet's summary for the header. It is not a view: the root
// holds it for the frame, and the views that list the fleet (conns, users)
// get its snapshots as ChangedMsg.
package feed

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/ops"
	"wsops/ui/view"
)

// maxRefresh caps the adaptive refresh interval.
const maxRefresh = time.Minute

// probeBatch is how many probe answers the views and the header take at
// once: a pass over 100,000 rows must not filter and sum them up again for
// every answer.
const probeBatch = 32

// historyLen is how many refreshes the sparkline remembers.
const historyLen = 240

// ChangedMsg carries the fleet after it changed; Refreshed is set when a
// scan just ended (a view may then ask for its rows to be probed).
type ChangedMsg struct {
	Snap      fleet.Snapshot
	Refreshed bool
	// Failure is the last scan's error, nil once a scan succeeds: with no
	// rows, the registry could not be read, which is not an empty fleet.
	Failure error
}

// RescanMsg asks for a scan now (after an action, to show what changed;
// ctrl+r).
type RescanMsg struct{}

// PauseMsg pauses the refresh ticks, or resumes them (ctrl+p): a paused
// feed scans only when asked (RescanMsg).
type PauseMsg struct{}

// ProbeMsg tells the feed which rows a view shows, after a scan: they are
// probed first — in a pass over the whole fleet when one is due, else with
// the rows no probe answered for yet.
type ProbeMsg struct{ IDs []string }

// Feed is the live fleet of one session.
type Feed struct {
	c        *view.Common
	interval time.Duration
	fleet    *fleet.Fleet
	sel      ops.Select
	scan     scan
	history  []int
	summary  fleet.Summary
	summing  view.Coalescer
	sums     uint64 // summaries taken: the header may have grown
	// sampleAfter is set when a scan ends: the first summary asked after it
	// gives the sparkline the refresh's total.
	sampleAfter int64
	// onScreen are the rows a view last said it shows: probed first.
	onScreen []string
	// quiet counts the refreshes in a row that changed nothing: the ticks
	// slow down; paused stops them.
	quiet  int
	paused bool
	probe  prober
	// failure is the last scan's error, nil once one succeeds.
	failure error
}

// scan is the scan in progress and the last one's timing.
type scan struct {
	id       int64 // older scans' messages are dropped
	cancel   context.CancelFunc
	running  bool
	started  time.Time
	last     time.Time
	took     time.Duration
	streamed int
}

// New returns the feed of a session, rescanning every interval at least.
func New(c *view.Common, interval time.Duration) *Feed {
	return &Feed{c: c, interval: interval, fleet: fleet.New()}
}

// Start begins a new generation of the fleet from a fresh scan, cancelling
// any scan still running.
func (f *Feed) Start() tea.Cmd {
	if f.scan.cancel != nil {
		f.scan.cancel()
	}
	ctx, cancel := context.WithCancel(f.c.Ctx)
	f.scan = scan{id: view.Seq(), cancel: cancel, running: true, started: f.c.Now(), last: f.scan.last, took: f.scan.took}
	f.fleet.BeginRefresh()
	id, pages := f.scan.id, f.c.Ops.Connections(ctx, f.sel)
	return waitPage(id, pages)
}

// Select reads the fleet again with sel (what the filter pushes down to the
// registry) when it changed.
func (f *Feed) Select(sel ops.Select) tea.Cmd {
	if sel.Same(f.sel) {
		return nil
	}
	f.sel, f.fleet = sel, fleet.New()
	return f.Start()
}

// Snapshot is the fleet as it is now.
func (f *Feed) Snapshot() fleet.Snapshot { return f.fleet.Snapshot() }

// Header is what the frame's header shows of the feed.
type Header struct {
	Summary  fleet.Summary
	Scanning bool
	Streamed int
	Last     time.Time
	History  []int
	// Probing is set while a pass probes the whole fleet, PassDone of
	// PassTotal rows so far; ProbedAt is when the last whole pass ended
	// (how many rows a probe has answered for is Summary.Probed).
	Probing             bool
	PassDone, PassTotal int
	ProbedAt            time.Time
	Paused              bool
	// Failure is the last scan's error, nil once a scan succeeds.
	Failure error
}

// Summaries counts the summaries taken: when it moved, the header may have
// grown (the matrix has a row per app the data holds).
func (f *Feed) Summaries() uint64 { return f.sums }

// Header returns the header's figures.
func (f *Feed) Header() Header {
	p := f.probe
	return Header{Summary: f.summary, Scanning: f.scan.running, Streamed: f.scan.streamed, Last: f.scan.last, History: f.history,
		Probing: p.id != 0 && p.pass, PassDone: p.done, PassTotal: p.total, ProbedAt: p.last, Paused: f.paused,
		Failure: f.failure}
}

// next is the pause before the next refresh: the interval, or three times
// the last scan's duration on fleets where scans take long, doubled for
// every refresh in a row that found nothing new or gone (up to maxRefresh).
func (f *Feed) next() time.Duration {
	d := max(f.interval, 3*f.scan.took)
	for range min(f.quiet, 8) {
		d *= 2
	}
	return min(d, maxRefresh)
}

// Update applies the feed's own messages. It returns its next command and
// the messages every view must get (ChangedMsg, view.RefreshMsg).
func (f *Feed) Update(msg tea.Msg) (tea.Cmd, []tea.Msg) {
	switch msg := msg.(type) {
	case pageMsg:
		if msg.scan != f.scan.id {
			return nil, nil
		}
		f.fleet.Add(msg.page.Items)
		f.scan.streamed += len(msg.page.Items)
		return tea.Batch(waitPage(msg.scan, msg.pages), f.summarize()), f.changed(false)
	case doneMsg:
		if msg.scan != f.scan.id {
			return nil, nil
		}
		return f.done(msg)
	case RescanMsg:
		return f.Start(), nil
	case PauseMsg:
		f.paused = !f.paused
		if f.paused || f.scan.running {
			return nil, nil
		}
		return refreshAfter(f.c.Ctx, f.next(), f.scan.id), nil // resumed: the ticks again
	case tickMsg:
		if msg.scan != f.scan.id || f.paused {
			return nil, nil // a newer scan has its own tick; a paused feed waits to be asked
		}
		return f.Start(), []tea.Msg{view.RefreshMsg{}}
	case ProbeMsg:
		f.onScreen = msg.IDs
		if len(msg.IDs) == 0 {
			return nil, nil
		}
		return f.probeNext(f.c.Now()), nil
	case probeMsg:
		if msg.probe != f.probe.id {
			return nil, nil // an old probe's (or an old session's), cancelled with it
		}
		f.probe.done++
		if msg.known {
			f.probe.known++
			f.fleet.SetProbe(msg.id, msg.gone)
		}
		if f.probe.done%probeBatch != 0 {
			return waitProbe(msg.probe, msg.answers), nil
		}
		return tea.Batch(waitProbe(msg.probe, msg.answers), f.summarize()), f.changed(false)
	case probeDoneMsg:
		if msg.probe != f.probe.id {
			return nil, nil
		}
		f.probe.end(f.c.Now())
		return f.summarize(), f.changed(false)
	case summaryMsg:
		current, again := f.summing.Done(msg.seq)
		if !current {
			return nil, nil
		}
		f.summary = msg.summary
		f.sums++
		if f.sampleAfter != 0 && msg.seq > f.sampleAfter {
			f.sampleAfter = 0
			f.history = append(f.history, msg.summary.Total)
			if n := len(f.history); n > historyLen {
				f.history = f.history[n-historyLen:]
			}
		}
		if again {
			return f.summarize(), nil
		}
		return nil, nil
	}
	return nil, nil
}

func (f *Feed) done(msg doneMsg) (tea.Cmd, []tea.Msg) {
	now := f.c.Now()
	f.scan.running = false
	f.scan.took = now.Sub(f.scan.started)
	var out []tea.Msg
	f.failure = msg.err
	if msg.err != nil {
		f.fleet.AbortRefresh()
		out = append(out, view.StatusMsg{Text: fmt.Sprintf("refresh failed (showing the previous one): %v", msg.err), Err: true})
	} else {
		switch diff := f.fleet.EndRefresh(); {
		case f.scan.last.IsZero(): // the first scan: nothing to compare with
		case diff.Appeared+diff.Vanished == 0:
			f.quiet++
		default:
			f.quiet = 0
		}
		f.scan.last = now
		f.sampleAfter = view.Seq()
	}
	cmds := []tea.Cmd{f.summarize(), refreshAfter(f.c.Ctx, f.next(), f.scan.id)}
	if msg.err == nil {
		cmds = append(cmds, f.probeNext(now))
	}
	return tea.Batch(cmds...), append(out, f.changed(msg.err == nil)...)
}

func (f *Feed) changed(refreshed bool) []tea.Msg {
	return []tea.Msg{ChangedMsg{Snap: f.fleet.Snapshot(), Refreshed: refreshed, Failure: f.failure}}
}

// summarize sums the whole fleet up for the header, off the UI goroutine.
func (f *Feed) summarize() tea.Cmd {
	snap, schema := f.fleet.Snapshot(), f.c.Ops.Schema()
	return f.summing.Ask(func(seq int64) tea.Msg {
		return summaryMsg{seq: seq, summary: snap.Summary(nil, schema)}
	})
}
