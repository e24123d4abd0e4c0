package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// stuckBackend is a testBackend whose $disconnect waits for its context to
// end, and reports why it ended.
type stuckBackend struct {
	*testBackend
	causes chan error
}

func (b stuckBackend) Disconnect(ctx context.Context, c Conn) {
	<-ctx.Done()
	b.causes <- context.Cause(ctx)
}

func TestShutdownWithoutDisconnectsSkipsThem(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	var ended []<-chan websocket.CloseError
	for i := range 3 {
		c, _ := h.dial(t, fmt.Sprint("c", i), "")
		ended = append(ended, readUntilClosed(c))
	}
	if err := h.g.Shutdown(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	for _, e := range ended {
		if ce := <-e; ce.Code != websocket.StatusGoingAway {
			t.Errorf("a client saw %v, want 1001 going away", ce)
		}
	}
	if n := h.b.totalDisconnects(); n != 0 {
		t.Errorf("%d $disconnect calls, want none", n)
	}
}

// A Shutdown out of time drops what is still open and cuts the
// $disconnects short (their context's cause says why), and says how many.
func TestShutdownOutOfTimeCutsDisconnectsShort(t *testing.T) {
	b := stuckBackend{testBackend: newTestBackend(), causes: make(chan error, 3)}
	h := newHarnessOver(t, Options{}, b.testBackend, b)
	for i := range 2 {
		c, _ := h.dial(t, fmt.Sprint("reader", i), "")
		readUntilClosed(c)
	}
	h.dial(t, "deaf", "") // never reads: its close handshake would wait for nothing
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no time at all: every $disconnect blocks until cut
	err := h.g.Shutdown(ctx, true)
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "3 connections had not finished") {
		t.Errorf("Shutdown: %v, want context.Canceled and 3 connections unfinished", err)
	}
	for range 3 {
		if cause := <-b.causes; !errors.Is(cause, ErrShutdown) {
			t.Errorf("a $disconnect ended with %v, want ErrShutdown", cause)
		}
	}
}

// hangingConnect is a testBackend whose $connect waits for its context to end.
type hangingConnect struct {
	*testBackend
	entered chan struct{}
}

func (b hangingConnect) Connect(ctx context.Context, _ Conn) (any, error) {
	close(b.entered)
	<-ctx.Done()
	return nil, ctx.Err()
}

// A $connect under way when the gateway shuts down is cancelled, not waited
// for until the integration timeout.
func TestShutdownCancelsConnectsUnderWay(t *testing.T) {
	b := hangingConnect{testBackend: newTestBackend(), entered: make(chan struct{})}
	h := newHarnessOver(t, Options{}, b.testBackend, b)
	dialed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		c, _, err := websocket.Dial(ctx, h.wsURL, &websocket.DialOptions{HTTPClient: h.http})
		if err == nil {
			c.CloseNow()
		}
		dialed <- err
	}()
	<-b.entered
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := h.g.Shutdown(ctx, true); err != nil {
		t.Fatalf("Shutdown waited for a $connect: %v", err)
	}
	if err := <-dialed; err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("the client's upgrade: %v, want a 500 (its $connect failed)", err)
	}
}
