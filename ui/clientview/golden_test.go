package clientview

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"wsops/data"
	"wsops/wsclient"
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
		c: wsclient.New(wsclient.Options{URL: "ws://127.0.0.1:8787/dev", Query: url.Values{"token": {token}, "platform": {"ios"}}})}
	for i, ev := range []wsclient.Event{
		{Kind: wsclient.KindState, State: wsclient.StateConnecting, Conn: 1},
		{Kind: wsclient.KindState, State: wsclient.StateOpen, Conn: 1},
		{Kind: wsclient.KindFrame, Dir: wsclient.Out, Conn: 1, Data: []byte(`{"action":"heartbeat"}`)},
		{Kind: wsclient.KindFrame, Dir: wsclient.In, Conn: 1, Data: []byte(`{"type":"heartbeat_ack","ts":1795318983031}`)},
		{Kind: wsclient.KindFrame, Dir: wsclient.In, Conn: 1, Data: []byte("{\"note\":\"\x1b[2Jhostile\"}")},
	} {
		ev.Time = at.Add(time.Duration(i) * 1500 * time.Microsecond)
		open.apply(ev)
	}
	open.locating = false
	open.own = &data.Connection{ID: "L0SM9cOFvHcCIhw=", User: "m-1", App: "order-receiver", EntityType: "customer", Platform: "ios",
		Problems: []string{`entityType "customer" but appId order-receiver`}}
	open.rtt = wsclient.RTTStats{N: 12, P50: 1200 * time.Microsecond, P99: 3400 * time.Microsecond}
	open.bcast = broadcast{result: "test broadcast arrived 1.61ms after the post"}

	refused := &tab{id: 2, spec: Spec{Source: "pasted token"},
		c: wsclient.New(wsclient.Options{URL: "ws://127.0.0.1:8787/dev", Query: url.Values{"token": {"not-a-jwt"}, "platform": {"web"}}})}
	refused.apply(wsclient.Event{Kind: wsclient.KindState, State: wsclient.StateClosed, Conn: 1, Time: at,
		Rejected: &wsclient.Rejection{Status: 401, Body: "Unauthorized"}})

	m.tabs = []*tab{open, refused}
	t.Run("open", func(t *testing.T) { golden.RequireEqual(t, []byte(m.View())) })
	m.cur = 1
	t.Run("rejected", func(t *testing.T) { golden.RequireEqual(t, []byte(m.View())) })
}
