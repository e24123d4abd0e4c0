package logsview

import (
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/internal/uitest"
	"wsops/logs"
	"wsops/ui/confirm"
	"wsops/ui/view"
)

// newView is the logs view of a session on the fixture whose control
// plane is ctl (nil: the profile names no API), at 120×20, plain styles.
func newView(t testing.TB, ctl *uitest.Control) (*Model, *uitest.Driver[*Model]) {
	t.Helper()
	opt := uitest.Options{}
	if ctl != nil {
		opt.Deps = ctl.Deps
	}
	c := uitest.New(t, confirm.NewConfirmer(), opt).Common(t)
	c.Styles = uitest.PlainStyles()
	m := New(c).(*Model)
	m.SetSize(120, 20)
	d := uitest.Drive(t, m, func(m *Model, msg tea.Msg) (*Model, tea.Cmd) { _, cmd := m.Update(msg); return m, cmd })
	return m, d
}

// requestLines is one request's lines as the tail gets them: the execution
// line, the handler's START, its own line, REPORT, then the access line
// (API Gateway writes it when the request ends).
func requestLines(at time.Time, conn, rid, route, status, said string) []logs.Line {
	lambda := "lam-" + rid
	ms := func(n int) time.Time { return at.Add(time.Duration(n) * time.Millisecond) }
	return []logs.Line{
		{Time: ms(0), Kind: logs.KindExecution, RequestID: rid, Message: "(" + rid + ") Received request. Route: " + route, EventID: rid + "/x"},
		{Time: ms(1), Kind: logs.KindHandler, RequestID: lambda, Message: "START RequestId: " + lambda, EventID: rid + "/s"},
		{Time: ms(2), Kind: logs.KindHandler, RequestID: lambda, Message: "2026-11-22T10:00:00.000Z\t" + lambda + "\tINFO\t" + said, EventID: rid + "/h"},
		{Time: ms(3), Kind: logs.KindHandler, RequestID: lambda, Message: "REPORT RequestId: " + lambda + "\tDuration: 3.21 ms", EventID: rid + "/r"},
		{Time: ms(4), Kind: logs.KindAccess, RequestID: rid, ConnectionID: conn, IntegrationRequestID: lambda, Route: route, Status: status,
			EventType: "MESSAGE", Message: `{"requestId":"` + rid + `"}`, EventID: rid + "/a"},
	}
}

// traffic is three requests: a connect, a failed message and a heartbeat,
// of two of the fixture's connections.
func traffic() []logs.Line {
	at := uitest.Now.Add(-time.Minute)
	var out []logs.Line
	out = append(out, requestLines(at, "Conn00000000001=", "R1=", "$connect", "200", "connected driver-0001")...)
	out = append(out, requestLines(at.Add(time.Second), "Conn00000000005=", "R2=", "subscribe_order", "502", "boom: table missing")...)
	out = append(out, requestLines(at.Add(2*time.Second), "Conn00000000001=", "R3=", "heartbeat", "200", "ack")...)
	return out
}

// filter sets the console's filter, as the root does when it is submitted.
func filter(t testing.TB, m *Model, text string) tea.Cmd {
	t.Helper()
	q, err := fleet.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	_, cmd := m.Update(view.FilterMsg{Query: q})
	return cmd
}

// shownIDs are the event ids of the lines shown, oldest first.
func shownIDs(m *Model) []string {
	var ids []string
	for _, seq := range m.ring.shown {
		ids = append(ids, m.ring.at(seq).line.EventID)
	}
	return ids
}

// numbered are n distinct lines of heartbeat traffic, numbered from base.
func numbered(base, n int) []logs.Line {
	out := make([]logs.Line, n)
	for i := range out {
		out[i] = logs.Line{Time: uitest.Now, Kind: logs.KindAccess, Route: "heartbeat", Status: "200",
			RequestID: fmt.Sprintf("N%07d=", base+i), ConnectionID: "Conn00000000002=", EventID: fmt.Sprintf("n%d", base+i)}
	}
	return out
}
