package wsclient_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/coder/websocket"

	"wsops/internal/testrig"
	"wsops/wsclient"
)

// BenchmarkHeartbeatRoundTrip measures a heartbeat → heartbeat_ack round trip
// through the sandbox: a bare coder/websocket connection (the baseline) and
// the test client (its events, queue and ordering on top).
func BenchmarkHeartbeatRoundTrip(b *testing.B) {
	w := testrig.StartSandboxWorld(b, testrig.WorldOptions{})
	u := w.Sandbox.Endpoints().WebSocketURL
	q := url.Values{"token": {w.Token(driver)}, "platform": {"ios"}}
	msg := []byte(`{"action":"heartbeat"}`)
	ctx := context.Background()

	b.Run("baseline coder-websocket", func(b *testing.B) {
		conn, _, err := websocket.Dial(ctx, u+"?"+q.Encode(), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.CloseNow()
		b.ResetTimer()
		for range b.N {
			if err := conn.Write(ctx, websocket.MessageText, msg); err != nil {
				b.Fatal(err)
			}
			if _, _, err := conn.Read(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("testclient", func(b *testing.B) {
		c := wsclient.New(wsclient.Options{URL: u, Query: q})
		c.Start(ctx)
		defer c.Close()
		for e := range c.Events() {
			if e.Kind == wsclient.KindState && e.State == wsclient.StateOpen {
				break
			}
		}
		b.ResetTimer()
		for range b.N {
			if err := c.Send(ctx, msg); err != nil {
				b.Fatal(err)
			}
			for e := range c.Events() {
				if e.Kind == wsclient.KindFrame && e.Dir == wsclient.In {
					break
				}
			}
		}
	})
}
