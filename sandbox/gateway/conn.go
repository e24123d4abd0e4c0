package gateway

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Per-connection bounds.
const (
	// inboxSize is how many received messages may wait for their route
	// handler; beyond it the connection stops reading (TCP backpressure).
	inboxSize = 8
	// maxQueuedFrames and maxQueuedBytes bound the frames waiting to be
	// written to a client. A post that does not fit means the client stopped
	// reading: the connection is dropped (the client sees 1006) and the post
	// answered 410 GoneException, as AWS eventually fails posts to a
	// connection it gave up on.
	maxQueuedFrames = 1024
	maxQueuedBytes  = 1 << 20
	// drainTimeout is how long a graceful close waits for queued frames to be
	// written before the close frame goes out.
	drainTimeout = 5 * time.Second
)

// closeAbort asks terminate to drop the socket without a close handshake.
const closeAbort websocket.StatusCode = -1

// conn is one live WebSocket connection.
type conn struct {
	g     *Gateway
	info  Conn
	ws    *websocket.Conn
	guard *frameGuard

	lastActive atomic.Int64 // Options.Now at the last frame either way, Unix ms
	lastMono   atomic.Int64 // Gateway.mono at the last frame either way

	closing atomic.Bool   // set once: the connection is on its way out
	done    chan struct{} // closed when closing is set
	ready   chan struct{} // closed once ws is set (or the upgrade failed, leaving it nil)

	inbox       chan []byte
	dispatching atomic.Bool

	mu        sync.Mutex // guards the fields below
	idle      *time.Timer
	life      *time.Timer
	out       [][]byte // frames waiting for the writer
	outBytes  int
	writing   bool          // a writer goroutine runs
	drained   chan struct{} // closed by the writer when it goes idle, if set
	dead      bool          // the reader finished: no goroutine may start any more
	wg        sync.WaitGroup
	closeWhy  string
	closeCode websocket.StatusCode
}

func newConn(g *Gateway, info Conn) *conn {
	c := &conn{g: g, info: info, done: make(chan struct{}), ready: make(chan struct{}), inbox: make(chan []byte, inboxSize)}
	c.guard = newFrameGuard(c.touch)
	c.touch()
	return c
}

// touch records activity: a frame started in either direction.
func (c *conn) touch() {
	c.lastMono.Store(c.g.mono())
	c.lastActive.Store(c.g.now().UnixMilli())
}

// lastActiveAt is when the last frame went either way.
func (c *conn) lastActiveAt() time.Time { return time.UnixMilli(c.lastActive.Load()).UTC() }

// start arms the idle and max-duration timers.
func (c *conn) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.idle = time.AfterFunc(c.g.opts.IdleTimeout, c.checkIdle)
	c.life = time.AfterFunc(c.g.opts.MaxDuration, func() {
		c.terminate(websocket.StatusGoingAway, reasonGoingAway, "max duration")
	})
}

func (c *conn) checkIdle() {
	if c.closing.Load() {
		return
	}
	left := c.g.opts.IdleTimeout - time.Duration(c.g.mono()-c.lastMono.Load())
	if left > 0 {
		c.mu.Lock()
		if !c.dead {
			c.idle.Reset(left)
		}
		c.mu.Unlock()
		return
	}
	c.terminate(websocket.StatusGoingAway, reasonGoingAway, "idle timeout")
}

// run is the connection's reader: it hands messages to the dispatcher in
// order and, when the socket ends for any reason, cleans up and runs
// $disconnect. It is the only goroutine that waits on c.wg.
func (c *conn) run() {
	defer c.g.release()
	ctx := context.Background() // no deadline: closing the socket ends reads
	var err error
	for {
		var data []byte
		_, data, err = c.ws.Read(ctx)
		if err != nil {
			break
		}
		select {
		case c.inbox <- data:
		case <-c.done:
			continue // closing: the message is dropped, the read ends the loop
		}
		if c.dispatching.CompareAndSwap(false, true) {
			c.wg.Add(1)
			go c.dispatch()
		}
	}
	switch c.guard.limit() {
	case limitFrame:
		c.g.observe(Event{Kind: KindMessage, Outcome: ClientError})
		c.g.done(c.g.newRequest(EventMessage, "", &c.info), http.StatusRequestEntityTooLarge, reasonFrameTooBig)
		c.terminate(websocket.StatusMessageTooBig, reasonFrameTooBig, "frame over 32 KB")
	case limitMessage:
		c.g.observe(Event{Kind: KindMessage, Outcome: ClientError})
		c.g.done(c.g.newRequest(EventMessage, "", &c.info), http.StatusRequestEntityTooLarge, reasonMessageLimit)
		c.terminate(websocket.StatusMessageTooBig, reasonMessageLimit, "message over 128 KB")
	}
	c.finish(err)
}

// finish runs once the reader stopped: it waits for the connection's other
// goroutines, makes sure the socket is closed and runs $disconnect.
func (c *conn) finish(readErr error) {
	if c.markClosing("read ended", closeAbort) {
		// Nobody is closing gracefully: the client closed, the socket broke
		// or the protocol failed. Drop the socket so a blocked write ends.
		_ = c.ws.CloseNow()
	}
	c.mu.Lock()
	c.idle.Stop()
	c.life.Stop()
	c.dead = true // from here on no goroutine of c starts, so c.wg.Wait is safe
	c.mu.Unlock()
	// The dispatcher finishes its handlers, the writer stops, and a close
	// handshake under way (DELETE, timeouts, limits) completes first.
	c.wg.Wait()
	_ = c.ws.CloseNow()
	c.mu.Lock()
	why, code := c.closeWhy, c.closeCode
	c.out, c.outBytes = nil, 0
	c.mu.Unlock()
	c.g.log.Debug("connection closed", "connection", c.info.ID, "why", why, "code", int(code),
		"status", int(websocket.CloseStatus(readErr)), "err", readErr)
	c.g.disconnect(c)
}

// abandon cleans up after a failed upgrade: $connect succeeded, so
// $disconnect runs as for any other end of the connection.
func (c *conn) abandon() {
	c.markClosing("upgrade failed", closeAbort)
	c.mu.Lock()
	c.idle.Stop()
	c.life.Stop()
	c.dead = true
	c.mu.Unlock()
	close(c.ready)
	c.wg.Wait()
	c.g.disconnect(c)
	c.g.release()
}

// drop closes the socket at once, without a close handshake (once the
// upgrade has made one; an upgrade still under way ends with the hurried
// close terminate makes after it). It closes the TCP connection under the
// WebSocket: the WebSocket's own CloseNow would wait for a close handshake
// under way to end.
func (c *conn) drop() {
	select {
	case <-c.ready:
		if c.ws != nil {
			_ = c.guard.Conn.Close()
		}
	default:
	}
}

// markClosing sets closing once, and reports whether this call did.
func (c *conn) markClosing(why string, code websocket.StatusCode) bool {
	if !c.closing.CompareAndSwap(false, true) {
		return false
	}
	c.g.unregister(c)
	close(c.done)
	c.mu.Lock()
	c.closeWhy, c.closeCode = why, code
	c.mu.Unlock()
	return true
}

// terminate closes the connection: with a close frame carrying code and
// reason once already queued frames are written, or, for closeAbort, by
// dropping the socket. The connection leaves the registry at once, so the
// management API answers 410 from now on. Only the first call counts.
func (c *conn) terminate(code websocket.StatusCode, reason, why string) {
	if !c.markClosing(why, code) {
		return
	}
	c.mu.Lock()
	if c.dead {
		c.mu.Unlock()
		return
	}
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		if <-c.ready; c.ws == nil {
			return
		}
		if code == closeAbort || c.g.hurry.Load() {
			_ = c.ws.CloseNow()
			return
		}
		c.waitDrained()
		if err := c.ws.Close(code, reason); err != nil {
			c.g.log.Debug("close handshake", "connection", c.info.ID, "err", err)
		}
	}()
}

// dispatch runs the route handlers for queued messages, one at a time, and
// exits when the inbox is empty.
func (c *conn) dispatch() {
	defer c.wg.Done()
	for {
		select {
		case data := <-c.inbox:
			c.handle(data)
		default:
			c.dispatching.Store(false)
			if len(c.inbox) == 0 || !c.dispatching.CompareAndSwap(false, true) {
				return
			}
		}
	}
}

// handle routes one message and sends the integration's reply, or AWS's
// error frame, back to the client.
func (c *conn) handle(data []byte) {
	route := c.g.selectRoute(data)
	req := c.g.newRequest(EventMessage, route, &c.info)
	if route == "" {
		c.g.observe(Event{Kind: KindMessage, Outcome: ClientError})
		c.g.done(req, http.StatusForbidden, "Forbidden")
		_ = c.enqueue(errorFrame("Forbidden", c.info.ID, c.g.requestID(req)))
		return
	}
	ctx, cancel := context.WithTimeout(c.g.ctx, c.g.opts.IntegrationTimeout)
	c.g.integrating(req)
	began := time.Now()
	reply, err := c.g.backend.Handle(ctx, c.info, route, data)
	timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
	req.integrated(ctx, began, err, reply)
	cancel()
	outcome := OK
	switch {
	case err != nil && timedOut:
		outcome = ExecutionError
	case err != nil:
		outcome = IntegrationError
	}
	c.g.observeSince(KindMessage, outcome, began)
	if req != nil {
		status, message := messageStatus(req)
		c.g.done(req, status, message) // logged before the client hears the answer
	}
	switch {
	case err != nil && timedOut:
		c.g.log.Debug("route timed out", "connection", c.info.ID, "route", route, "err", err)
		_ = c.enqueue(errorFrame("Endpoint request timed out", c.info.ID, c.g.requestID(req)))
	case err != nil:
		c.g.log.Debug("route failed", "connection", c.info.ID, "route", route, "err", err)
		_ = c.enqueue(errorFrame("Internal server error", c.info.ID, c.g.requestID(req)))
	case reply != nil:
		_ = c.enqueue(reply)
	}
}
