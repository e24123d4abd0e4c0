package gateway

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/coder/websocket"
	"go.uber.org/goleak"
)

func TestClientCloseRunsDisconnectOnce(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	c, id := h.dial(t, "leaver", "")
	if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatal(err)
	}
	h.b.waitDisconnect(t, id)
	eventually(t, "the connection to leave the registry", func() bool { return h.g.Count() == 0 })
	if err := h.g.Post(context.Background(), id, []byte("x")); !errors.Is(err, ErrGone) {
		t.Errorf("post after client close: %v, want ErrGone", err)
	}
	_ = h.g.Close()
	if n := h.b.disconnects(id); n != 1 {
		t.Errorf("%d $disconnect calls, want 1", n)
	}
}

func TestDropDisconnects(t *testing.T) {
	for _, tc := range []struct {
		share float64
		want  int
	}{{1, 0}, {0, 10}} {
		t.Run(fmt.Sprint(tc.share), func(t *testing.T) {
			h := newHarness(t, Options{DropDisconnects: tc.share, Rand: rand.New(rand.NewPCG(7, 7))}, nil)
			for i := range 10 {
				c, _ := h.dial(t, fmt.Sprint("c", i), "")
				if i%2 == 0 {
					_ = c.Close(websocket.StatusNormalClosure, "")
				} else {
					readUntilClosed(c)
				}
			}
			// Close waits for every connection, $disconnect included, so the count is final.
			if err := h.g.Close(); err != nil {
				t.Fatal(err)
			}
			if got := h.b.totalDisconnects(); got != tc.want {
				t.Errorf("DropDisconnects %v: %d $disconnect calls, want %d", tc.share, got, tc.want)
			}
		})
	}
}

func TestClientThatStopsReadingBlocksNoOne(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	_, stuckID := h.dial(t, "stuck", "") // never reads
	other, otherID := h.dial(t, "other", "")
	chunk := make([]byte, 64*1024)
	gone := false
	for i := 0; i < 2000 && !gone; i++ {
		err := post(h, stuckID, chunk)
		var goneErr *types.GoneException
		switch {
		case errors.As(err, &goneErr):
			gone = true
		case err != nil:
			t.Fatalf("post %d to the stuck client: %v", i, err)
		}
		if i%50 == 0 {
			// Others are served all along.
			if err := post(h, otherID, []byte(fmt.Sprint("hello ", i))); err != nil {
				t.Fatalf("post to the reading client: %v", err)
			}
			if _, got := read(t, other); string(got) != fmt.Sprint("hello ", i) {
				t.Fatalf("reading client got %q", got)
			}
		}
	}
	if !gone {
		t.Fatal("posting 128 MB to a client that never reads never failed")
	}
	h.b.waitDisconnect(t, stuckID)
	_, err := h.api.GetConnection(context.Background(), &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(stuckID)})
	var goneErr *types.GoneException
	if !errors.As(err, &goneErr) {
		t.Errorf("GET of the dropped connection: %v, want GoneException", err)
	}
	if err := post(h, otherID, []byte("still here")); err != nil {
		t.Fatal(err)
	}
	if _, got := read(t, other); string(got) != "still here" {
		t.Errorf("got %q", got)
	}
}

func TestCloseClosesEverythingAndLeavesNoGoroutine(t *testing.T) {
	before := goleak.IgnoreCurrent()
	h := newHarness(t, Options{}, nil)
	type client struct {
		c  *websocket.Conn
		id string
	}
	var clients []client
	for i := range 5 {
		c, id := h.dial(t, fmt.Sprint("c", i), "")
		clients = append(clients, client{c, id})
	}
	// One connection is mid-handler.
	write(t, clients[0].c, websocket.MessageText, []byte(`{"action":"slow"}`))
	eventually(t, "the slow handler", func() bool { return len(h.b.calls()) == 1 })

	var ended []<-chan websocket.CloseError
	for _, cl := range clients {
		ended = append(ended, readUntilClosed(cl.c))
	}
	if err := h.g.Close(); err != nil {
		t.Fatal(err)
	}
	for _, e := range ended {
		if ce := <-e; ce.Code != websocket.StatusGoingAway {
			t.Errorf("client saw %v %q, want 1001", ce.Code, ce.Reason)
		}
	}
	for _, cl := range clients {
		if h.b.disconnects(cl.id) != 1 {
			t.Errorf("no $disconnect for %s", cl.id)
		}
	}
	if h.g.Count() != 0 {
		t.Errorf("Count() = %d after Close", h.g.Count())
	}
	// After Close: no new connections, management answers 410.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if c, resp, err := websocket.Dial(ctx, h.wsURL, &websocket.DialOptions{HTTPClient: h.http}); err == nil {
		_ = c.CloseNow()
		t.Error("upgrade accepted after Close")
	} else if resp != nil {
		resp.Body.Close()
	}
	if err := h.g.Post(ctx, clients[1].id, []byte("x")); !errors.Is(err, ErrGone) {
		t.Errorf("post after Close: %v", err)
	}
	h.srv.Close()
	h.http.CloseIdleConnections()
	goleak.VerifyNone(t, before)
}

func TestFailedUpgradeAfterConnectRunsDisconnect(t *testing.T) {
	b := newTestBackend()
	g := New(Options{}, b)
	defer g.Close()
	req := httptest.NewRequest(http.MethodGet, "/dev?name=unlucky", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	rec := httptest.NewRecorder() // cannot be hijacked: the upgrade fails after $connect
	g.ServeHTTP(rec, req)
	id := b.id("unlucky")
	if id == "" {
		t.Fatal("$connect did not run")
	}
	if b.disconnects(id) != 1 || g.Count() != 0 {
		t.Errorf("$disconnect calls %d, Count %d; want 1 and 0", b.disconnects(id), g.Count())
	}
}
