package apiview

import (
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"wsops/internal/uitest"
	"wsops/metrics"
	"wsops/ops"
	"wsops/ui/confirm"
	"wsops/ui/metricsfeed"
	"wsops/ui/view"
)

// newView is the API view of a session on the fixture whose control plane
// is ctl (nil: the profile names no API), at 120×60.
func newView(t *testing.T, ctl *uitest.Control) (*Model, *uitest.Driver[*Model]) {
	t.Helper()
	var deps func(*ops.Deps)
	if ctl != nil {
		deps = ctl.Deps
	}
	return newViewWith(t, deps)
}

// newViewWith is newView with the Ops' dependencies adjusted by deps.
func newViewWith(t *testing.T, deps func(*ops.Deps)) (*Model, *uitest.Driver[*Model]) {
	t.Helper()
	c := uitest.New(t, confirm.NewConfirmer(), uitest.Options{Deps: deps}).Common(t)
	c.Styles = uitest.PlainStyles()
	m := New(c).(*Model)
	m.SetSize(120, 60)
	d := uitest.Drive(t, m, func(m *Model, msg tea.Msg) (*Model, tea.Cmd) { _, cmd := m.Update(msg); return m, cmd })
	return m, d
}

// opened is the view once opened and its description read.
func opened(t *testing.T, ctl *uitest.Control) (*Model, *uitest.Driver[*Model]) {
	t.Helper()
	m, d := newView(t, ctl)
	d.Run(m.Open(""))
	d.Until("the description", func(m *Model) bool { return !m.loading }, (*Model).View)
	return m, d
}

func TestOpenShowsTheAPIStageRoutesAndWarnings(t *testing.T) {
	ctl := uitest.NewControl()
	m, _ := opened(t, ctl)
	if m.err != nil {
		t.Fatal(m.err)
	}
	// Four warnings, not five: the registry has not been read, so the
	// throttling is not checked against its load (the console's goldens
	// show the fifth).
	v := m.View()
	st, _ := m.report.API.Stage("dev")
	for _, want := range []string{
		"API " + uitest.APIName + "  " + uitest.APIID,
		"endpoint         wss://" + uitest.APIID + ".execute-api.us-east-1.amazonaws.com",
		"route selection  $request.body.action",
		"Stage dev", "wss://" + uitest.APIID + ".execute-api.us-east-1.amazonaws.com/dev",
		"https://" + uitest.APIID + ".execute-api.us-east-1.amazonaws.com/dev",
		st.Defaults.Summary(), "route heartbeat  " + st.PerRoute["heartbeat"].Summary(), st.AccessLog.Summary(),
		"Routes (8)", "$connect", "AWS_PROXY     wizz-ws-connect", "subscribe_order", "wizz-ws-router",
		`debug\x1b[2J`, "(none)",
		"Warnings (4)", "! execution logging is OFF on stage dev", "fix: set the stage's default route settings' logging level",
		"routes the wizz preset uses are missing: unsubscribe_business_status",
		"registry (wsops)", "the registry has not been read yet", "API Gateway publishes no gauge of live connections",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "\x1b") {
		t.Errorf("the hostile route key reached the screen raw:\n%q", v)
	}
	if got := m.Note(); got != uitest.APIName+" · 4 warnings" {
		t.Errorf("note %q", got)
	}
	if n := ctl.GatewayCalls(); n != 4 {
		t.Errorf("%d apigatewayv2 calls to describe the API, want 4", n)
	}
}

// The console's refresh reads nothing; r reads the API again (and asks the
// root's schedule for metrics, which decides).
func TestOnlyOpenAndRReadTheAPI(t *testing.T) {
	ctl := uitest.NewControl()
	m, d := opened(t, ctl)
	for range 50 {
		if _, cmd := m.Update(view.RefreshMsg{}); cmd != nil {
			t.Fatal("a console refresh made the API view read")
		}
	}
	if n := ctl.GatewayCalls(); n != 4 {
		t.Fatalf("%d apigatewayv2 calls after refreshes, want 4", n)
	}
	_, cmd := m.Update(uitest.Key("r"))
	if !m.loading || !strings.Contains(m.Note(), "reading again") {
		t.Errorf("r: loading %v, note %q", m.loading, m.Note())
	}
	msgs := uitest.Msgs(cmd)
	polls := 0
	for _, msg := range msgs {
		if _, ok := msg.(metricsfeed.PollMsg); ok {
			polls++
		}
		d.Send(msg)
	}
	if polls != 1 || m.loading {
		t.Errorf("r: %d polls (want 1), loading %v", polls, m.loading)
	}
	if n := ctl.GatewayCalls(); n != 8 {
		t.Errorf("%d apigatewayv2 calls after r, want 8", n)
	}
}

// Each way of failing is said in plain words in the view; the denial
// names the IAM action.
func TestFailuresAreSaidInPlainWords(t *testing.T) {
	refused := fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
	for _, c := range []struct {
		name string
		err  error // nil: no control plane at all
		want []string
	}{
		{"no API", nil, []string{"does not say which API it uses", "set `api`"}},
		{"denied", uitest.Denied(), []string{"AWS refused the call", "denied — the credentials lack the IAM action apigateway:GET"}},
		{"unreachable", refused, []string{"apigatewayv2's endpoint cannot be reached (nothing answers", "apigateway_url"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ctl *uitest.Control
			if c.err != nil {
				ctl = uitest.NewControl()
				ctl.Fail(c.err, c.err)
			}
			m, _ := opened(t, ctl)
			v := m.View()
			for _, want := range append(c.want, "API  cannot be read") {
				if !strings.Contains(v, want) {
					t.Errorf("view lacks %q:\n%s", want, v)
				}
			}
			if m.Note() != "cannot read the API" {
				t.Errorf("note %q", m.Note())
			}
		})
	}
}

// The metrics are drawn from the root's reports: a line per series, and
// what could not be read said once.
func TestTrafficFromTheSchedulesReports(t *testing.T) {
	ctl := uitest.NewControl()
	m, _ := opened(t, ctl)
	if v := m.View(); !strings.Contains(v, "reading CloudWatch…") {
		t.Errorf("no report yet, view:\n%s", v)
	}
	r, err := metrics.Fetch(t.Context(), ctl, metrics.Query{APIID: uitest.APIID, Stage: "dev", Since: time.Hour, Now: uitest.Now})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(metricsfeed.ReportMsg{State: metricsfeed.State{Report: r, At: uitest.Now.Add(-2 * time.Minute)}})
	v := m.View()
	for _, s := range r.Series {
		want := fmt.Sprintf("%-20s %9s %10s", s.ID, s.TotalText(), s.LastText())
		if !strings.Contains(v, want) {
			t.Errorf("view lacks the row %q:\n%s", want, v)
		}
	}
	if !strings.Contains(v, "read 2m ago") || !strings.Contains(v, "OLDEST → NEWEST") {
		t.Errorf("view:\n%s", v)
	}
	m.Update(metricsfeed.ReportMsg{State: metricsfeed.State{Report: r, At: uitest.Now, Err: uitest.Denied()}})
	if v := m.View(); !strings.Contains(v, "the last read failed (these figures are older)") {
		t.Errorf("a failed read after a good one, view:\n%s", v)
	}
	m.Update(metricsfeed.ReportMsg{State: metricsfeed.State{Off: true, Err: ops.ErrNoAPI}})
	if v := m.View(); !strings.Contains(v, "none: CloudWatch keeps an API's figures by its id") || strings.Contains(v, "reading CloudWatch") {
		t.Errorf("no API to read metrics of, view:\n%s", v)
	}
	m.Update(metricsfeed.ReportMsg{State: metricsfeed.State{Err: fmt.Errorf("cloudwatch GetMetricData: denied — the credentials lack the IAM action cloudwatch:GetMetricData: %w", uitest.Denied())}})
	if v := m.View(); !strings.Contains(v, "cloudwatch:GetMetricData") || strings.Contains(v, "SERIES") {
		t.Errorf("a denied first read, view:\n%s", v)
	}
}

// Taller than the screen, the view scrolls; every line fits the width.
func TestScrollsAndFits(t *testing.T) {
	m, _ := opened(t, uitest.NewControl())
	for _, w := range []int{30, 60, 80, 120, 200} {
		m.SetSize(w, 12)
		lines := strings.Split(m.View(), "\n")
		if len(lines) != 12 {
			t.Errorf("%d wide: %d lines, want 12", w, len(lines))
		}
		for i, l := range strings.Split(m.render(w), "\n") {
			if lw := lipgloss.Width(l); lw > w {
				t.Errorf("%d wide: line %d is %d cells: %q", w, i, lw, l)
			}
		}
	}
	m.SetSize(120, 12)
	first := m.View()
	m.Update(uitest.Key("j"))
	if m.vp.YOffset != 1 || m.View() == first {
		t.Errorf("j: offset %d", m.vp.YOffset)
	}
	m.Update(tea.KeyMsg{Type: tea.KeyPgDown})
	if m.vp.YOffset <= 1 {
		t.Errorf("pgdown: offset %d", m.vp.YOffset)
	}
	m.Update(metricsfeed.ReportMsg{}) // a redraw keeps the place
	if m.vp.YOffset <= 1 {
		t.Errorf("a redraw scrolled back to %d", m.vp.YOffset)
	}
}

// An answer to an older read is dropped.
func TestAnOlderAnswerIsDropped(t *testing.T) {
	m, _ := opened(t, uitest.NewControl())
	report := m.report
	m.Update(describedMsg{seq: m.seq - 1, err: uitest.Denied()})
	if m.err != nil || m.report != report {
		t.Error("an older read's answer was taken")
	}
}
