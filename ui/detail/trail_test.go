package detail

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/uitest"
	"wsops/ui/confirm"
	"wsops/ui/trail"
	"wsops/ui/view"
)

// UUIDs of the fake handlers' requests.
const (
	lamConnect = "c3e2a9f1-7b7d-4b1e-9d8e-2f1a5c6b7d8e"
	lamOther   = "d4f3b0a2-8c8e-4c2f-8e9f-3a2b6d7c8e9f"
	lamSub     = "e5a4c1b3-9d9f-4d3a-9fa0-4b3c7e8d9fa0"
	lamOld     = "f6b5d2c4-aea0-4e4b-a0b1-5c4d8f9ea0b1"
	lamLater   = "a7c6e3d5-bfb1-4f5c-b1c2-6d5e9fa0b1c2"
)

// logsOf is the fake control plane with a traceable access log and, in
// CloudWatch Logs, two requests of Conn00000000006= in the last hour, one
// older, and one of another connection.
func logsOf() *uitest.Control {
	ctl := uitest.NewControl()
	ctl.AccessFormat = uitest.TraceableFormat
	var events []uitest.LogEvent
	for _, r := range [][]uitest.LogEvent{
		uitest.Request(uitest.Now.Add(-2*time.Hour), "Conn00000000006=", "OLD=", lamOld, "CONNECT", "$connect", "200", "too old"),
		uitest.Request(uitest.Now.Add(-30*time.Minute), "Conn00000000006=", "C6=", lamConnect, "CONNECT", "$connect", "200", "connected merchant-0002"),
		uitest.Request(uitest.Now.Add(-20*time.Minute), "Conn00000000001=", "C1=", lamOther, "CONNECT", "$connect", "200", "connected driver-0001"),
		uitest.Request(uitest.Now.Add(-10*time.Minute), "Conn00000000006=", "S6=", lamSub, "MESSAGE", "subscribe_order", "502", "subscribe failed: boom"),
	} {
		events = append(events, r...)
	}
	ctl.Logs = uitest.NewLogs(events...)
	return ctl
}

// withTrail is the detail view of id on ctl (nil: the profile names no
// API) once both its read and its trail's ended or follow.
func withTrail(t *testing.T, ctl *uitest.Control, id string) (*Model, *uitest.Driver[*Model]) {
	t.Helper()
	opt := uitest.Options{}
	if ctl != nil {
		opt.Deps = ctl.Deps
	}
	c := uitest.New(t, confirm.NewConfirmer(), opt).Common(t)
	c.Styles = uitest.PlainStyles()
	m := New(c).(*Model)
	m.SetSize(120, 50)
	d := uitest.Drive(t, m, func(m *Model, msg tea.Msg) (*Model, tea.Cmd) { _, cmd := m.Update(msg); return m, cmd })
	d.Run(m.Open(id))
	d.Until("the details and the trail", func(m *Model) bool {
		return m.content != nil && m.trail.State() != trail.Reading
	}, (*Model).View)
	return m, d
}

// The trail is the connection's requests of the last hour, grouped as
// `wsops logs --conn` prints them, newest at the bottom, and no other
// connection's; it follows live while the detail is on top.
func TestTrailShowsTheLastHourAndFollows(t *testing.T) {
	ctl := logsOf()
	m, d := withTrail(t, ctl, "Conn00000000006=")
	if m.trail.State() != trail.Following {
		t.Fatalf("trail %v (%v):\n%s", m.trail.State(), m.trail.Err(), m.View())
	}
	v := m.View()
	want := []string{
		"Trail  last hour · 2 requests · following live",
		"$connect         200  Conn00000000006=  request C6=",
		"               handler 6.21 ms",
		"execution (C6=) Received request. Route: $connect",
		"handler   START RequestId: " + lamConnect,
		"connected merchant-0002",
		"subscribe_order  502  Conn00000000006=  request S6=",
		"subscribe failed: boom",
	}
	last := -1
	for _, w := range want {
		i := strings.Index(v, w)
		if i < 0 {
			t.Errorf("view lacks %q:\n%s", w, v)
			continue
		}
		if i < last {
			t.Errorf("%q is out of order:\n%s", w, v)
		}
		last = max(last, i)
	}
	for _, not := range []string{"Conn00000000001=", "too old", "C1="} {
		if strings.Contains(v, not) {
			t.Errorf("the trail shows %q:\n%s", not, v)
		}
	}
	if !strings.Contains(v, "Attributes:") || !strings.Contains(v, "Subscriptions (1):") {
		t.Errorf("the details are gone:\n%s", v)
	}

	// A new request of the connection arrives while the detail is open.
	ctl.Logs.Put(uitest.Request(uitest.Now.Add(-2*time.Second), "Conn00000000006=", "L6=", lamLater, "MESSAGE", "heartbeat", "200", "ack")...)
	d.Until("the new request", func(m *Model) bool { return len(m.trail.Requests()) == 3 }, (*Model).View)
	rs := m.trail.Requests()
	if rs[2].Access.RequestID != "L6=" || len(rs[2].Lines) != 5 {
		t.Errorf("the followed request: %+v", rs[2])
	}

	// Covered, the trail stops following; back on top, it reads and follows again.
	d.Send(view.TopMsg{Name: "subs"})
	if m.trail.Running() {
		t.Fatal("covered, the trail still follows")
	}
	d.Send(view.TopMsg{Name: Def.Name})
	d.Until("the trail again", func(m *Model) bool { return m.trail.State() == trail.Following }, (*Model).View)
	if n := len(m.trail.Requests()); n != 3 {
		t.Errorf("%d requests after the trail was read again, want 3", n)
	}
	if n := ctl.GatewayCalls(); n != 4 {
		t.Errorf("%d apigatewayv2 calls: the log groups were looked up again (want 4, once a session)", n)
	}
}

// What keeps a trail from being read is said in plain words in its place;
// the rest of the detail keeps working.
func TestTrailFailuresAreSaidInPlainWords(t *testing.T) {
	untraceable := uitest.NewControl() // its stage's access log carries no connection id
	untraceable.Logs = uitest.NewLogs()
	denied := logsOf()
	denied.Logs.Fail(uitest.Denied())
	for _, c := range []struct {
		name string
		ctl  *uitest.Control
		want []string
	}{
		{"no API", nil, []string{"This profile does not say which API it uses"}},
		{"no connection id", untraceable, []string{"access log format carries no connection id", "$context.connectionId"}},
		{"denied", denied, []string{"AWS refused the call", "lack the IAM action", "logs:FilterLogEvents"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, _ := withTrail(t, c.ctl, "Conn00000000006=")
			if m.trail.State() != trail.Failed {
				t.Fatalf("trail %v", m.trail.State())
			}
			v := m.View()
			for _, w := range append(c.want, "Trail  cannot be read", "Attributes:", "Subscriptions (1):") {
				if !strings.Contains(v, w) {
					t.Errorf("view lacks %q:\n%s", w, v)
				}
			}
		})
	}
}

// The trail scrolls with [ and ]; the details keep their keys.
func TestTrailScrolls(t *testing.T) {
	m, _ := withTrail(t, logsOf(), "Conn00000000006=")
	m.SetSize(120, 20) // a trail of 10 lines: 9 rows of 14
	v := m.View()
	if strings.Contains(v, "request C6=") || !strings.Contains(v, "subscribe failed: boom") {
		t.Fatalf("the trail does not end with the newest rows:\n%s", v)
	}
	m.Update(uitest.Key("["))
	m.Update(uitest.Key("["))
	if v := m.View(); !strings.Contains(v, "request C6=") || !strings.Contains(v, "scrolled up 5") {
		t.Errorf("[: the older rows are not shown:\n%s", v)
	}
	m.Update(uitest.Key("]"))
	m.Update(uitest.Key("]"))
	if v := m.View(); strings.Contains(v, "scrolled up") || !strings.Contains(v, "subscribe failed: boom") {
		t.Errorf("]: back to the newest:\n%s", v)
	}
	if lines := strings.Split(m.View(), "\n"); len(lines) != 20 {
		t.Errorf("%d lines in a 20-line view", len(lines))
	}
}
