package client

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"wsops/client/testclient"
	"wsops/data"
)

// TestGoldenClientView renders two tabs at 110×26: an open merchant client
// whose registry record breaks the app rule, with a test broadcast, frames
// (one carrying an escape sequence) and RTTs; and a client whose upgrade was
// refused.
func TestGoldenClientView(t *testing.T) {
	m := New(testStyles(), Deps{Ctx: context.Background()})
	m.SetSize(110, 26)
	at := time.Date(2026, 11, 22, 3, 4, 5, 0, time.UTC)
	token := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJtLTEifQ.c2lnbmF0dXJlLWZvci10aGUtZ29sZGVuLWZpbGU"
	open := &tab{id: 1, spec: Spec{User: "m-1", App: "order-receiver", EntityType: "merchant"},
		c: testclient.New(testclient.Options{URL: "ws://127.0.0.1:8787/dev", Query: url.Values{"token": {token}, "platform": {"ios"}}})}
	for i, ev := range []testclient.Event{
		{Kind: testclient.KindState, State: testclient.StateConnecting, Conn: 1},
		{Kind: testclient.KindState, State: testclient.StateOpen, Conn: 1},
		{Kind: testclient.KindFrame, Dir: testclient.Out, Conn: 1, Data: []byte(`{"action":"heartbeat"}`)},
		{Kind: testclient.KindFrame, Dir: testclient.In, Conn: 1, Data: []byte(`{"type":"heartbeat_ack","ts":1795318983031}`)},
		{Kind: testclient.KindFrame, Dir: testclient.In, Conn: 1, Data: []byte("{\"note\":\"\x1b[2Jhostile\"}")},
	} {
		ev.Time = at.Add(time.Duration(i) * 1500 * time.Microsecond)
		open.apply(ev)
	}
	open.locating = false
	open.own = &data.Connection{ID: "L0SM9cOFvHcCIhw=", User: "m-1", App: "order-receiver", EntityType: "customer", Platform: "ios",
		Problems: []string{`entityType "customer" but appId order-receiver`}}
	open.rtt = testclient.RTTStats{N: 12, P50: 1200 * time.Microsecond, P99: 3400 * time.Microsecond}
	open.bcast = broadcast{result: "test broadcast arrived 1.61ms after the post"}

	refused := &tab{id: 2, spec: Spec{Source: "pasted token"},
		c: testclient.New(testclient.Options{URL: "ws://127.0.0.1:8787/dev", Query: url.Values{"token": {"not-a-jwt"}, "platform": {"web"}}})}
	refused.apply(testclient.Event{Kind: testclient.KindState, State: testclient.StateClosed, Conn: 1, Time: at,
		Rejected: &testclient.Rejection{Status: 401, Body: "Unauthorized"}})

	m.tabs = []*tab{open, refused}
	t.Run("open", func(t *testing.T) { golden.RequireEqual(t, []byte(m.View())) })
	m.cur = 1
	t.Run("rejected", func(t *testing.T) { golden.RequireEqual(t, []byte(m.View())) })
}
