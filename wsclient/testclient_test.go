package wsclient_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"wsops/auth"
	"wsops/internal/testrig"
	"wsops/mgmt"
	"wsops/wsclient"
)

// wait bounds every wait for an event: reaching it fails the test (a
// deadline against hangs, not a timing assertion).
const wait = 15 * time.Second

func newClient(t *testing.T, w *testrig.SandboxWorld, claims auth.Claims, mod func(*wsclient.Options)) *wsclient.Client {
	t.Helper()
	opt := wsclient.Options{
		URL:   w.Sandbox.Endpoints().WebSocketURL,
		Query: url.Values{"token": {w.Token(claims)}, "platform": {"ios"}},
	}
	if mod != nil {
		mod(&opt)
	}
	c := wsclient.New(opt)
	c.Start(context.Background())
	t.Cleanup(c.Close)
	return c
}

// next returns the first event that satisfies match, failing on a closed stream.
func next(t *testing.T, c *wsclient.Client, what string, match func(wsclient.Event) bool) wsclient.Event {
	t.Helper()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		select {
		case e, ok := <-c.Events():
			if !ok {
				t.Fatalf("events ended before %s", what)
			}
			if match(e) {
				return e
			}
		case <-deadline.C:
			t.Fatalf("no %s within %v", what, wait)
		}
	}
}

func isState(s wsclient.State) func(wsclient.Event) bool {
	return func(e wsclient.Event) bool { return e.Kind == wsclient.KindState && e.State == s }
}

func isFrame(dir wsclient.Direction) func(wsclient.Event) bool {
	return func(e wsclient.Event) bool { return e.Kind == wsclient.KindFrame && e.Dir == dir }
}

var driver = auth.Claims{User: "u-driver", App: "drivers", EntityType: "driver"}

// ownID finds the client's connection id the way the console does: the
// connection whose GetConnection user agent is the client's.
func ownID(t *testing.T, w *testrig.SandboxWorld, c *wsclient.Client) string {
	t.Helper()
	m := mgmt.New(w.API)
	for _, id := range w.Sandbox.Gateway().IDs() {
		if info, err := m.Get(context.Background(), id); err == nil && info.UserAgent == c.UserAgent() {
			return id
		}
	}
	t.Fatalf("no live connection has user agent %s", c.UserAgent())
	return ""
}

func TestHeartbeatRoundTrip(t *testing.T) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{})
	c := newClient(t, w, driver, nil)
	open := next(t, c, "open", isState(wsclient.StateOpen))
	if open.Conn != 1 {
		t.Errorf("first connection numbered %d, want 1", open.Conn)
	}
	msg := []byte(`{"action":"heartbeat"}`)
	if err := c.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	out := next(t, c, "sent frame", isFrame(wsclient.Out))
	if !bytes.Equal(out.Data, msg) || out.Size() != len(msg) || out.Time.IsZero() {
		t.Errorf("sent event %+v, want the message with its size and time", out)
	}
	in := next(t, c, "reply", isFrame(wsclient.In))
	if !strings.Contains(string(in.Data), `"type":"heartbeat_ack"`) {
		t.Errorf("reply %s, want heartbeat_ack", in.Data)
	}
	if in.Time.Before(out.Time) {
		t.Errorf("reply stamped %v before the message %v", in.Time, out.Time)
	}
}

func TestRejectedUpgradeIsOneClearEvent(t *testing.T) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{})
	c := newClient(t, w, driver, func(o *wsclient.Options) {
		o.Query.Set("token", "not-a-jwt")
		o.Reconnect = true // a 401 is not retried: a retry would not change it
	})
	e := next(t, c, "close", isState(wsclient.StateClosed))
	if e.Rejected == nil || e.Rejected.Status != 401 {
		t.Fatalf("closed with %+v, want a 401 rejection", e)
	}
	if got := e.Rejected.Error(); !strings.HasPrefix(got, "rejected: 401 Unauthorized") {
		t.Errorf("rejection reads %q", got)
	}
	if _, ok := <-c.Events(); ok {
		t.Error("events continue after a 401: the client retried")
	}
}

func TestOversizedMessageRefusedBeforeSending(t *testing.T) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{})
	c := newClient(t, w, driver, nil)
	next(t, c, "open", isState(wsclient.StateOpen))
	big := []byte(`{"action":"heartbeat","pad":"` + strings.Repeat("x", 200*1024) + `"}`)
	err := c.Send(context.Background(), big)
	if !errors.Is(err, wsclient.ErrTooLarge) || !strings.Contains(err.Error(), "limit is 131072 bytes (128 KB): not sent") {
		t.Fatalf("200 KB send: %v, want a clear refusal", err)
	}
	// The connection is still open and nothing went out: the next event is
	// the small message that follows.
	if err := c.Send(context.Background(), []byte(`{"action":"heartbeat"}`)); err != nil {
		t.Fatal(err)
	}
	e := next(t, c, "any event", func(wsclient.Event) bool { return true })
	if e.Kind != wsclient.KindFrame || e.Dir != wsclient.Out || e.Size() > 100 {
		t.Errorf("after the refusal the next event is %+v, want the small message", e)
	}
	next(t, c, "heartbeat_ack", isFrame(wsclient.In))
}

func TestLargeMessageIsFragmentedUnderTheFrameLimit(t *testing.T) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{})
	c := newClient(t, w, driver, nil)
	next(t, c, "open", isState(wsclient.StateOpen))
	// 100 KB in one frame would be closed with 1009 (frames over 32 KB).
	msg := []byte(`{"action":"heartbeat","pad":"` + strings.Repeat("x", 100*1024) + `"}`)
	if err := c.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	e := next(t, c, "reply or close", func(e wsclient.Event) bool {
		return isFrame(wsclient.In)(e) || isState(wsclient.StateClosed)(e)
	})
	if e.Kind != wsclient.KindFrame || !strings.Contains(string(e.Data), "heartbeat_ack") {
		t.Fatalf("a 100 KB message got %+v (close %v), want heartbeat_ack", e, e.Close)
	}
}

func TestCloseCodes(t *testing.T) {
	t.Run("deleted by the management API: 1000", func(t *testing.T) {
		w := testrig.StartSandboxWorld(t, testrig.WorldOptions{})
		c := newClient(t, w, driver, nil)
		next(t, c, "open", isState(wsclient.StateOpen))
		if err := mgmt.New(w.API).Delete(context.Background(), ownID(t, w, c)); err != nil {
			t.Fatal(err)
		}
		e := next(t, c, "close", isState(wsclient.StateClosed))
		if e.Close == nil || e.Close.Code != 1000 || e.Close.ByClient {
			t.Fatalf("close %+v, want 1000 from the server", e.Close)
		}
	})
	t.Run("idle timeout: 1001 going away", func(t *testing.T) {
		w := testrig.StartSandboxWorld(t, testrig.WorldOptions{IdleTimeout: 200 * time.Millisecond})
		c := newClient(t, w, driver, nil)
		next(t, c, "open", isState(wsclient.StateOpen))
		e := next(t, c, "close", isState(wsclient.StateClosed))
		if e.Close == nil || e.Close.Code != 1001 || e.Close.Reason != "Going away" {
			t.Fatalf("close %+v, want 1001 Going away", e.Close)
		}
		if got := e.Close.String(); got != "1001 going away: Going away" {
			t.Errorf("close shown as %q", got)
		}
	})
	t.Run("disconnect by the client: 1000", func(t *testing.T) {
		w := testrig.StartSandboxWorld(t, testrig.WorldOptions{})
		c := newClient(t, w, driver, func(o *wsclient.Options) { o.Reconnect = true })
		next(t, c, "open", isState(wsclient.StateOpen))
		c.Disconnect()
		e := next(t, c, "close", isState(wsclient.StateClosed))
		if e.Close == nil || e.Close.Code != 1000 || !e.Close.ByClient {
			t.Fatalf("close %+v, want 1000 by the client", e.Close)
		}
		if _, ok := <-c.Events(); ok {
			t.Error("the client reconnected after Disconnect")
		}
	})
}

func TestReconnectsAfterTheServerCloses(t *testing.T) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{})
	c := newClient(t, w, driver, func(o *wsclient.Options) {
		o.Reconnect, o.MinBackoff = true, time.Millisecond
	})
	next(t, c, "open", isState(wsclient.StateOpen))
	first := ownID(t, w, c)
	if err := mgmt.New(w.API).Delete(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	waiting := next(t, c, "reconnect wait", isState(wsclient.StateWaiting))
	if waiting.Retry != time.Millisecond || waiting.Attempt != 1 {
		t.Errorf("waits %v (attempt %d), want the minimum backoff on attempt 1", waiting.Retry, waiting.Attempt)
	}
	open := next(t, c, "second open", isState(wsclient.StateOpen))
	if open.Conn != 2 {
		t.Errorf("reconnected as connection %d, want 2", open.Conn)
	}
	if second := ownID(t, w, c); second == first {
		t.Errorf("reconnected with the same connection id %s", first)
	}
	if err := c.Send(context.Background(), []byte(`{"action":"heartbeat"}`)); err != nil {
		t.Fatalf("send after reconnecting: %v", err)
	}
	next(t, c, "heartbeat_ack", isFrame(wsclient.In))
}

func TestPingRoundTrips(t *testing.T) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{})
	c := newClient(t, w, driver, func(o *wsclient.Options) { o.Ping = 5 * time.Millisecond })
	for range 3 {
		if e := next(t, c, "rtt", func(e wsclient.Event) bool { return e.Kind == wsclient.KindRTT }); e.RTT <= 0 {
			t.Errorf("rtt %v, want positive", e.RTT)
		}
	}
	s := c.RTT()
	if s.N < 3 || s.P50 <= 0 || s.P50 > s.P99 {
		t.Errorf("rtt stats %+v, want 3+ samples with p50 <= p99", s)
	}
}

func TestDisplayURLRedactsTheToken(t *testing.T) {
	tok := "eyJhbGciOiJIUzI1NiJ9." + strings.Repeat("a", 100) + ".sig"
	got := wsclient.DisplayURL("ws://h/dev", url.Values{"token": {tok}, "platform": {"web"}})
	if strings.Contains(got, tok) || !strings.Contains(got, "platform=web") || !strings.Contains(got, "token=eyJh…(") {
		t.Errorf("shown as %q", got)
	}
}

func TestASlowReaderNeverStallsTheConnection(t *testing.T) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{})
	c := newClient(t, w, driver, func(o *wsclient.Options) { o.Buffer = 1 })
	next(t, c, "open", isState(wsclient.StateOpen))
	id := ownID(t, w, c)
	// Far more messages than the channel holds arrive while nobody reads…
	const posts = 300
	for i := range posts {
		if err := w.Sandbox.Gateway().Post(context.Background(), id, []byte(fmt.Sprintf(`{"n":%d}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	// …and a send still goes out, its reply queued after them, in order.
	if err := c.Send(context.Background(), []byte(`{"action":"heartbeat"}`)); err != nil {
		t.Fatal(err)
	}
	n := 0
	e := next(t, c, "heartbeat_ack", func(e wsclient.Event) bool {
		if e.Kind == wsclient.KindFrame && e.Dir == wsclient.In && strings.HasPrefix(string(e.Data), `{"n":`) {
			if want := fmt.Sprintf(`{"n":%d}`, n); string(e.Data) != want {
				t.Fatalf("frame %s, want %s", e.Data, want)
			}
			n++
		}
		return e.Kind == wsclient.KindFrame && strings.Contains(string(e.Data), "heartbeat_ack")
	})
	if n != posts || e.Dir != wsclient.In {
		t.Errorf("%d posted frames before the reply, want %d", n, posts)
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{})
	before := goleak.IgnoreCurrent()
	for _, reconnect := range []bool{false, true} {
		c := wsclient.New(wsclient.Options{URL: w.Sandbox.Endpoints().WebSocketURL,
			Query: url.Values{"token": {w.Token(driver)}, "platform": {"ios"}}, Ping: time.Millisecond, Reconnect: reconnect})
		c.Start(context.Background())
		next(t, c, "open", isState(wsclient.StateOpen))
		c.Close()
		select {
		case <-c.Done():
		default:
			t.Fatal("Close returned before the client stopped")
		}
	}
	// Never started: Close returns at once.
	wsclient.New(wsclient.Options{URL: "ws://127.0.0.1:9/dev"}).Close()
	// The sandbox's own keep-alive connections to its DynamoDB (opened by
	// the clients' $connect and $disconnect) are not the client's.
	goleak.VerifyNone(t, before,
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"), goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*conn).serve"))
}
