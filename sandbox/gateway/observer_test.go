package gateway

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/coder/websocket"
)

// recorder is an Observer that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) Observe(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// take returns the events so far and forgets them.
func (r *recorder) take() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// TestObserverHearsEveryRequest: each kind of request is observed once,
// with its outcome, before its answer reaches the client (so the test
// needs no waiting), and integrated requests carry their latency.
func TestObserverHearsEveryRequest(t *testing.T) {
	rec := &recorder{}
	h := newHarness(t, Options{Observer: rec}, nil)
	one := func(t *testing.T, kind EventKind, outcome Outcome, integrated bool) {
		t.Helper()
		events := rec.take()
		if len(events) != 1 {
			t.Fatalf("events %+v, want one", events)
		}
		e := events[0]
		if e.Kind != kind || e.Outcome != outcome || e.Integrated != integrated || e.Integration < 0 {
			t.Fatalf("event %+v, want kind %d outcome %d integrated %v", e, kind, outcome, integrated)
		}
	}

	c, id := h.dial(t, "a", "")
	one(t, KindConnect, OK, true)

	for _, tc := range []struct {
		token   string
		outcome Outcome
	}{{"bad", ClientError}, {"boom", IntegrationError}} {
		_, _, err := websocket.Dial(context.Background(), h.wsURL+"?token="+tc.token, &websocket.DialOptions{HTTPClient: h.http})
		if err == nil {
			t.Fatalf("token %s: dial succeeded", tc.token)
		}
		one(t, KindConnect, tc.outcome, true)
	}

	resp, err := h.http.Get(h.mgmtURL) // not a WebSocket handshake: 426
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	one(t, KindHandshake, ClientError, false)

	write(t, c, websocket.MessageText, []byte(`{"action":"echo"}`))
	read(t, c)
	one(t, KindMessage, OK, true)
	write(t, c, websocket.MessageText, []byte(`{"action":"fail"}`))
	read(t, c)
	one(t, KindMessage, IntegrationError, true)

	ctx := context.Background()
	if _, err := h.api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte("hi")}); err != nil {
		t.Fatal(err)
	}
	read(t, c)
	one(t, KindPost, OK, false)
	if _, err := h.api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String("gone"), Data: []byte("hi")}); err == nil {
		t.Fatal("post to an unknown connection succeeded")
	}
	one(t, KindPost, ClientError, false)
	if _, err := h.api.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	one(t, KindManagement, OK, false)
	req, _ := http.NewRequest(http.MethodGet, h.mgmtURL+"/@connections/"+id, nil) // unsigned: 403
	if resp, err = h.http.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	one(t, KindManagement, ClientError, false)

	write(t, c, websocket.MessageText, []byte(strings.Repeat("x", MaxFrameSize+1)))
	if ce := readClose(t, c); ce.Code != websocket.StatusMessageTooBig {
		t.Fatalf("close %v, want 1009", ce)
	}
	// $disconnect is observed once the backend's Disconnect has returned.
	eventually(t, "the $disconnect observed", func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return len(rec.events) >= 2
	})
	events := rec.take()
	if len(events) != 2 || events[0] != (Event{Kind: KindMessage, Outcome: ClientError}) || events[1].Kind != KindDisconnect || !events[1].Integrated {
		t.Fatalf("events %+v, want the oversized message's ClientError, then the $disconnect", events)
	}
}

// TestObserverNoRoute: a message no route takes (no $default) is the
// client's error.
func TestObserverNoRoute(t *testing.T) {
	rec := &recorder{}
	b := newTestBackend()
	b.noDefault = true
	h := newHarness(t, Options{Observer: rec}, b)
	c, _ := h.dial(t, "a", "")
	rec.take()
	write(t, c, websocket.MessageText, []byte(`{"action":"nope"}`))
	read(t, c)
	if events := rec.take(); len(events) != 1 || events[0] != (Event{Kind: KindMessage, Outcome: ClientError}) {
		t.Fatalf("events %+v, want one unroutable message", events)
	}
}

// TestRouteKeys lists $connect, $disconnect and the backend's routes.
func TestRouteKeys(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	got := strings.Join(h.g.RouteKeys(), " ")
	if want := "$connect $disconnect echo fail slow $default"; got != want {
		t.Fatalf("RouteKeys %q, want %q", got, want)
	}
}
