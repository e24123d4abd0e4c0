package logsview

import (
	"strings"
	"testing"
	"time"

	"wsops/internal/uitest"
	"wsops/ui/view"
)

const lambda1, lambda2 = "c3e2a9f1-7b7d-4b1e-9d8e-2f1a5c6b7d8e", "d4f3b0a2-8c8e-4c2f-8e9f-3a2b6d7c8e9f"

// traceable is the fake control plane with a traceable access log and
// CloudWatch Logs holding one request.
func traceable() *uitest.Control {
	ctl := uitest.NewControl()
	ctl.AccessFormat = uitest.TraceableFormat
	ctl.Logs = uitest.NewLogs(uitest.Request(uitest.Now.Add(-20*time.Second), "Conn00000000001=", "R1=", lambda1, "CONNECT", "$connect", "200", "connected driver-0001")...)
	return ctl
}

// Opened, the view finds the groups and tails them (polling: the fake has
// no StartLiveTail); covered, it stops; back on top, it tails again and
// picks up what came meanwhile, each line once.
func TestTailsTheGroupsWhileOnTop(t *testing.T) {
	ctl := traceable()
	m, d := newView(t, ctl)
	d.Run(m.Open(""))
	d.Until("the request's lines", func(m *Model) bool { held, _ := m.Lines(); return held == 6 }, (*Model).View)
	v := m.View()
	for _, want := range []string{"live: 6 log groups", "polling (the endpoint has no StartLiveTail)", "keeps the last 5000 lines",
		"$connect         200  Conn00000000001=  request R1=", "handler   " + "2026-11-22T09:59:40.002Z  " + lambda1 + "  INFO  connected driver-0001"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	for _, seq := range m.ring.shown {
		if e := m.ring.at(seq); e.line.ConnectionID != "Conn00000000001=" {
			t.Errorf("a line not joined to its request: %+v", e.line)
		}
	}
	d.Send(view.TopMsg{Name: "conns"})
	if m.Tailing() {
		t.Fatal("covered, the view still tails")
	}
	ctl.Logs.Put(uitest.Request(uitest.Now.Add(-5*time.Second), "Conn00000000005=", "R2=", lambda2, "MESSAGE", "subscribe_order", "502", "boom")...)
	d.Send(view.TopMsg{Name: "logs"})
	if !m.Tailing() {
		t.Fatal("back on top, the view does not tail")
	}
	d.Until("the new request", func(m *Model) bool { held, _ := m.Lines(); return held == 12 }, (*Model).View)
	if n := ctl.GatewayCalls(); n != 4 {
		t.Errorf("%d apigatewayv2 calls: the groups were looked up again (want 4, once a session)", n)
	}
}

// What cannot be tailed is said in plain words, with the IAM action a
// denial names.
func TestTailFailuresAreSaidInPlainWords(t *testing.T) {
	m, d := newView(t, nil)
	d.Run(m.Open(""))
	d.Until("the failure", func(m *Model) bool { return m.Err() != nil }, (*Model).View)
	if v := m.View(); !strings.Contains(v, "This profile does not say which API it uses") || !strings.Contains(v, "not tailing") {
		t.Errorf("no API:\n%s", v)
	}

	ctl := traceable()
	ctl.Logs.Fail(uitest.Denied())
	m, d = newView(t, ctl)
	d.Run(m.Open(""))
	d.Until("the failure", func(m *Model) bool { return m.Err() != nil && !m.Tailing() }, (*Model).View)
	v := m.View()
	for _, want := range []string{"AWS refused the call: the credentials lack the IAM action named below", "lack the IAM action logs:"} {
		if !strings.Contains(v, want) {
			t.Errorf("denied: view lacks %q:\n%s", want, v)
		}
	}
}
