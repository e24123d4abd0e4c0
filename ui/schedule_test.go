package ui

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/faultproxy"
	"wsops/internal/uitest"
	"wsops/ops"
	"wsops/ui/confirm"
)

// countingGateway is a management API that answers no call, as a dead
// endpoint does but without the network, and counts them.
type countingGateway struct{ calls atomic.Int64 }

var errNoAnswer = errors.New("no answer")

func (g *countingGateway) Get(context.Context, string) (ops.ConnectionInfo, error) {
	g.calls.Add(1)
	return ops.ConnectionInfo{}, errNoAnswer
}
func (g *countingGateway) Post(context.Context, string, []byte) error {
	g.calls.Add(1)
	return errNoAnswer
}
func (g *countingGateway) Delete(context.Context, string) error { g.calls.Add(1); return errNoAnswer }

// calls are what one run of the console asked of each backend.
type calls struct{ scans, dynamo, mgmt, gateway, metrics int }

// scheduleMinutes is how long, on the console's clock, scheduleRun runs.
const scheduleMinutes = 6

// scheduleRun drives the console for scheduleMinutes on a clock the test
// moves, refreshing every second of it (ctrl+r: a scan of the registry,
// and a refresh for every view and the metrics schedule), with :api opened
// at 0:30, read again with r at 3:20, and opened again at 5:00. Each
// refresh is waited for to the end — its scan, its probe, any metrics read
// and the API view's read — so both runs make the same calls in the same
// order. withControl gives the session its API's control plane; without
// it, the console is as before the API view and the metrics: nothing asks
// apigatewayv2 or CloudWatch.
func scheduleRun(t *testing.T, withControl bool) calls {
	t.Helper()
	var dyn *faultproxy.Proxy
	gw, ctl := &countingGateway{}, uitest.NewControl()
	opt := uitest.Options{Gateway: gw, DynamoVia: func(upstream string) string {
		dyn = faultproxy.Start(t, faultproxy.Options{Upstream: upstream, Service: faultproxy.DynamoDB})
		return dyn.URL
	}}
	if withControl {
		opt.Deps = ctl.Deps
	}
	c, clock := confirm.NewConfirmer(), &uitest.Clock{}
	fx := uitest.New(t, c, opt)
	o := options(fx, c)
	o.Now = clock.Now // the console's own ticks (an hour apart) never come: the refreshes are the test's
	r := &rig{Driver: uitest.Drive(t, New(t.Context(), o), update), t: t, fx: fx, c: c}
	r.Send(tea.WindowSizeMsg{Width: 160, Height: 45})
	r.Run(r.M.Init())
	scans := 1
	settle := func() {
		t.Helper()
		r.until("the refresh's end", func(m Model) bool {
			h := m.feed.Header()
			return !h.Scanning && h.Last.Equal(clock.Now()) && !h.Probing && !m.metrics.State().Fetching &&
				!strings.Contains(m.api().Note(), "reading")
		})
	}
	settle()
	for s := 1; s <= scheduleMinutes*60; s++ {
		clock.Add(time.Second)
		switch s {
		case 30:
			r.command("api")
		case 200:
			r.Send(runes("r"))
		case 300:
			r.Send(esc)
			r.command("api")
		}
		r.Send(tea.KeyMsg{Type: tea.KeyCtrlR})
		scans++
		settle()
	}
	if r.M.topName() != "api" {
		t.Fatalf("the run ended on %s, not api", r.M.topName())
	}
	return calls{scans: scans, dynamo: dyn.Requests(), mgmt: int(gw.calls.Load()), gateway: ctl.GatewayCalls(), metrics: ctl.MetricsCalls()}
}

// TestReadsOfTheAPIDoNotFollowTheRefresh: over six minutes of a refresh a
// second, with :api opened twice and read again once, CloudWatch is read
// once a minute (and at the start), apigatewayv2 only for the three reads
// of the API (and once for the API's id, which the metrics need) — and the
// registry and the management API get exactly the calls they got before
// the API view and the metrics existed, but for each read of the API's
// DescribeTable of the two tables, whose indexes it checks.
func TestReadsOfTheAPIDoNotFollowTheRefresh(t *testing.T) {
	before := scheduleRun(t, false)
	after := scheduleRun(t, true)
	t.Logf("before: %+v", before)
	t.Logf("after:  %+v", after)
	if before.gateway != 0 || before.metrics != 0 {
		t.Errorf("with no control plane, %d apigatewayv2 and %d CloudWatch calls", before.gateway, before.metrics)
	}
	if after.metrics > scheduleMinutes+1 || after.metrics < scheduleMinutes {
		t.Errorf("%d GetMetricData calls in %d minutes of %d refreshes, want at most %d (one a minute and the first)",
			after.metrics, scheduleMinutes, after.scans, scheduleMinutes+1)
	}
	const describe, findID = 4, 2 // GetApis, GetStages, GetIntegrations, GetRoutes; GetApis, GetStages
	if want := 3*describe + findID; after.gateway != want {
		t.Errorf("%d apigatewayv2 calls, want %d: %d for each of the 3 reads of the API, %d once for its id", after.gateway, want, describe, findID)
	}
	const reads, tables = 3, 2 // each read of the API checks the indexes of both wizz tables
	if after.dynamo != before.dynamo+reads*tables || after.mgmt != before.mgmt {
		t.Errorf("registry and management API calls changed: %d DynamoDB and %d management calls before, %d and %d after (want %d more DynamoDB calls: %d DescribeTable for each of the %d reads of the API)",
			before.dynamo, before.mgmt, after.dynamo, after.mgmt, reads*tables, tables, reads)
	}
	if before.dynamo%before.scans != 0 || before.mgmt == 0 {
		t.Errorf("%d DynamoDB requests for %d scans (not the same for every scan), %d management calls", before.dynamo, before.scans, before.mgmt)
	}
}
