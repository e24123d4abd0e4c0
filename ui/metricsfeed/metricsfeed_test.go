package metricsfeed

import (
	"errors"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/reach"
	"wsops/internal/testrig"
	"wsops/internal/uitest"
	"wsops/ops"
	"wsops/ui/confirm"
	"wsops/ui/view"
)

// TestMain fails the package's tests when any goroutine outlives them.
func TestMain(m *testing.M) { testrig.VerifyTestMain(m) }

// harness is the feed as the root holds it: it keeps the reports the feed
// hands to the views.
type harness struct {
	f       *Feed
	reports []ReportMsg
}

// drive returns the feed of a session on the fixture, with ctl as its
// control plane (nil: the profile names no API), on clock.
func drive(t *testing.T, ctl *uitest.Control, clock *uitest.Clock) *uitest.Driver[*harness] {
	opt := uitest.Options{}
	if ctl != nil {
		opt.Deps = ctl.Deps
	}
	c := uitest.New(t, confirm.NewConfirmer(), opt).Common(t)
	c.Now = clock.Now
	return uitest.Drive(t, &harness{f: New(c)}, func(h *harness, msg tea.Msg) (*harness, tea.Cmd) {
		cmd, out := h.f.Update(msg)
		for _, o := range out {
			h.reports = append(h.reports, o.(ReportMsg))
		}
		return h, cmd
	})
}

// settled waits until no fetch runs.
func settled(d *uitest.Driver[*harness]) {
	d.Until("the fetch's end", func(h *harness) bool { return !h.f.State().Fetching }, nil)
}

// The console refreshes every 10 ms for six minutes, and views ask for
// metrics every second: GetMetricData is called once at the start and once
// a minute after — never more — and apigatewayv2 once, for the API's id.
func TestAtMostOneFetchAMinuteWhateverTheRefresh(t *testing.T) {
	ctl, clock := uitest.NewControl(), &uitest.Clock{}
	d := drive(t, ctl, clock)
	d.Run(d.M.f.Start())
	settled(d)
	const minutes = 6
	for step := 1; step <= minutes*60*100; step++ {
		clock.Add(10 * time.Millisecond)
		d.Send(view.RefreshMsg{})
		if step%100 == 0 {
			d.Send(PollMsg{})
		}
		settled(d)
	}
	if n := ctl.MetricsCalls(); n > minutes+1 || n < minutes {
		t.Errorf("%d GetMetricData calls in %d minutes of 10 ms refreshes, want %d (one a minute and the first)", n, minutes, minutes+1)
	}
	if n := ctl.GatewayCalls(); n != 2 {
		t.Errorf("%d apigatewayv2 calls, want 2 (GetApis and GetStages, once, for the API's id)", n)
	}
	if len(d.M.reports) != ctl.MetricsCalls() {
		t.Errorf("%d reports for %d fetches", len(d.M.reports), ctl.MetricsCalls())
	}
	st := d.M.f.State()
	if st.Report == nil || st.Err != nil || !st.At.Equal(uitest.Now.Add(minutes*time.Minute)) {
		t.Errorf("state %+v: want the report of the fetch at minute %d", st, minutes)
	}
}

// While a fetch hangs, no refresh, poll or minute passing starts another;
// once it ends, the next one starts when asked.
func TestAFetchInFlightIsNotStartedTwice(t *testing.T) {
	ctl, clock := uitest.NewControl(), &uitest.Clock{}
	entered, release := ctl.Hold()
	defer release()
	d := drive(t, ctl, clock)
	d.Run(d.M.f.Start())
	<-entered
	for range 500 {
		clock.Add(time.Second)
		d.Send(view.RefreshMsg{})
		d.Send(PollMsg{})
	}
	if n := ctl.MetricsCalls(); n != 1 {
		t.Fatalf("%d GetMetricData calls while the first hangs, want 1", n)
	}
	if !d.M.f.State().Fetching {
		t.Error("the state does not say a fetch runs")
	}
	release()
	settled(d)
	if st := d.M.f.State(); st.Report == nil || st.Err != nil {
		t.Fatalf("state %+v after the fetch ended, want its report", st)
	}
	d.Send(PollMsg{}) // due: the last one started 500 s ago
	settled(d)
	if n := ctl.MetricsCalls(); n != 2 {
		t.Errorf("%d GetMetricData calls, want 2", n)
	}
}

// A failed fetch keeps the last report and says why; the next one, a
// minute later, clears the error.
func TestAFailureKeepsTheLastReport(t *testing.T) {
	ctl, clock := uitest.NewControl(), &uitest.Clock{}
	d := drive(t, ctl, clock)
	d.Run(d.M.f.Start())
	settled(d)
	first := d.M.f.State().Report
	ctl.Fail(nil, uitest.Denied())
	clock.Add(time.Minute)
	d.Send(view.RefreshMsg{})
	settled(d)
	st := d.M.f.State()
	if st.Report != first || !reach.Denied(st.Err) || st.Off {
		t.Fatalf("state %+v after a denied fetch: want the first report kept and the denial", st)
	}
	ctl.Fail(nil, nil)
	d.Send(view.RefreshMsg{}) // not due yet
	if d.M.f.State().Fetching {
		t.Fatal("a fetch started less than a minute after the last")
	}
	clock.Add(time.Minute)
	d.Send(view.RefreshMsg{})
	settled(d)
	if st := d.M.f.State(); st.Err != nil || st.Report == first || !st.At.Equal(clock.Now()) {
		t.Errorf("state %+v: want a new report and no error", st)
	}
}

// A profile that names no API has no metrics: the feed asks once and
// stops.
func TestNoAPIStopsTheFeed(t *testing.T) {
	clock := &uitest.Clock{}
	d := drive(t, nil, clock)
	d.Run(d.M.f.Start())
	settled(d)
	st := d.M.f.State()
	if !st.Off || !errors.Is(st.Err, ops.ErrNoAPI) || len(d.M.reports) != 1 {
		t.Fatalf("state %+v, %d reports: want off, ErrNoAPI, told once", st, len(d.M.reports))
	}
	clock.Add(time.Hour)
	if cmd, _ := d.M.f.Update(PollMsg{}); cmd != nil || d.M.f.State().Fetching {
		t.Error("a feed that is off fetched again")
	}
}

// An answer or a tick of an older fetch (or session) is dropped.
func TestOlderAnswersAreDropped(t *testing.T) {
	ctl, clock := uitest.NewControl(), &uitest.Clock{}
	d := drive(t, ctl, clock)
	d.Run(d.M.f.Start())
	settled(d)
	before := d.M.f.State()
	d.Send(fetchedMsg{gen: d.M.f.gen - 1, err: errors.New("old")})
	if cmd, _ := d.M.f.Update(tickMsg{gen: d.M.f.gen - 1}); cmd != nil {
		t.Error("an old fetch's tick started a fetch")
	}
	if st := d.M.f.State(); st.Err != nil || st.Report != before.Report {
		t.Errorf("state %+v: an old answer was taken", st)
	}
}
