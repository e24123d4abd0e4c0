// Package metricsfeed is the console's one schedule of CloudWatch reads:
// the API stage's own metrics (connects, messages, errors, latency),
// fetched in a background command at most once a minute, whatever the
// refresh interval or the number of views, and never twice at once. The
// root holds it, as it holds the fleet's feed: the header's strip draws its
// state, and every view gets its reports as ReportMsg (a view that wants
// them sooner asks with PollMsg, which the schedule may decline).
//
// A profile that names no API (ops.ErrNoAPI) has no metrics: the feed stops
// asking for the rest of the session.
package metricsfeed

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/metrics"
	"wsops/ops"
	"wsops/ui/view"
)

// Interval is the least time between the starts of two fetches.
const Interval = time.Minute

// Window and Period are what each fetch reads: the last hour, per minute.
const (
	Window = time.Hour
	Period = time.Minute
)

// timeout bounds one fetch.
const timeout = 30 * time.Second

// State is what the feed knows of the API's metrics.
type State struct {
	// Report is the last report read (nil: none yet); At is when its
	// fetch started.
	Report *metrics.Report
	At     time.Time
	// Err is the last fetch's error, nil once one succeeds.
	Err error
	// Off says the profile names no API: no metrics in this session.
	Off bool
	// Fetching says a fetch runs.
	Fetching bool
}

// ReportMsg is the feed's state after a fetch ended, for every view.
type ReportMsg struct{ State State }

// PollMsg asks for a fetch now, which the feed starts only when one is
// due (a minute after the last one started) and none runs.
type PollMsg struct{}

// fetchedMsg ends fetch gen.
type fetchedMsg struct {
	gen    int64
	report *metrics.Report
	err    error
}

// tickMsg asks, a minute after fetch gen ended, for the next one.
type tickMsg struct{ gen int64 }

// Feed schedules one session's metrics fetches.
type Feed struct {
	c *view.Common
	// gen is the last fetch's: answers and ticks of older ones (or of an
	// older session's feed) are dropped.
	gen     int64
	started time.Time // when the last fetch started (by the session's clock)
	st      State
}

// New returns the feed of a session; Start begins it.
func New(c *view.Common) *Feed { return &Feed{c: c} }

// State is what the feed knows now.
func (f *Feed) State() State { return f.st }

// Start makes the first fetch.
func (f *Feed) Start() tea.Cmd { return f.poll() }

// Update takes the feed's own messages, PollMsg and view.RefreshMsg (the
// console's refresh: a fetch when one is due). It returns its next command
// and what every view must get (ReportMsg, after a fetch).
func (f *Feed) Update(msg tea.Msg) (tea.Cmd, []tea.Msg) {
	switch msg := msg.(type) {
	case fetchedMsg:
		if msg.gen != f.gen || !f.st.Fetching {
			return nil, nil
		}
		f.st.Fetching = false
		switch {
		case errors.Is(msg.err, ops.ErrNoAPI):
			f.st.Off, f.st.Err = true, msg.err
			return nil, []tea.Msg{ReportMsg{State: f.st}}
		case msg.err != nil:
			f.st.Err = msg.err // the last report, if any, stays: the strip shows what it knew
		default:
			f.st.Report, f.st.At, f.st.Err = msg.report, f.started, nil
		}
		return after(f.c.Ctx, Interval, f.gen), []tea.Msg{ReportMsg{State: f.st}}
	case tickMsg:
		if msg.gen != f.gen {
			return nil, nil
		}
		return f.poll(), nil
	case PollMsg, view.RefreshMsg:
		return f.poll(), nil
	}
	return nil, nil
}

// due reports whether a fetch may start at now.
func (f *Feed) due(now time.Time) bool {
	return !f.st.Off && !f.st.Fetching && (f.started.IsZero() || now.Sub(f.started) >= Interval)
}

// poll starts a fetch when one is due.
func (f *Feed) poll() tea.Cmd {
	now := f.c.Now()
	if !f.due(now) {
		return nil
	}
	f.gen, f.started, f.st.Fetching = view.Seq(), now, true
	ctx, o, gen := f.c.Ctx, f.c.Ops, f.gen
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		r, err := o.Metrics(ctx, ops.MetricsQuery{Since: Window, Period: Period})
		return fetchedMsg{gen: gen, report: r, err: err}
	}
}

// after asks for the next fetch after d, unless ctx (the session's) ends
// first: tea.Tick would hold its goroutine for the whole interval after the
// console quit or switched profiles.
func after(ctx context.Context, d time.Duration, gen int64) tea.Cmd {
	return func() tea.Msg {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
			return tickMsg{gen: gen}
		case <-ctx.Done():
			return nil
		}
	}
}
