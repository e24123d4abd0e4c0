package wsclient

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// readLimit is above API Gateway's 128 KB: the server enforces its limit, the
// client shows whatever arrives.
const readLimit = 1 << 20

// emit queues e, stamped, for the Events channel; it never blocks.
func (c *Client) emit(e Event) {
	if e.Time.IsZero() {
		e.Time = c.opt.Now()
	}
	c.q.push(e)
}

func (c *Client) setState(s State, conn *websocket.Conn) {
	c.mu.Lock()
	c.state, c.conn = s, conn
	c.mu.Unlock()
}

// run connects, reads, and reconnects until stopped.
func (c *Client) run(ctx context.Context) {
	defer c.q.close() // the pump closes Events, then done
	backoff := c.opt.MinBackoff
	for attempt := 1; ; attempt++ {
		opened, retry := c.session(ctx)
		if opened {
			backoff, attempt = c.opt.MinBackoff, 1
		}
		if !retry || !c.opt.Reconnect || c.stopped(ctx) {
			c.setState(StateClosed, nil)
			return
		}
		c.setState(StateWaiting, nil)
		c.emit(Event{Kind: KindState, State: StateWaiting, Retry: backoff, Attempt: attempt})
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
		case <-c.stop:
		}
		t.Stop()
		if c.stopped(ctx) {
			c.setState(StateClosed, nil)
			c.emit(Event{Kind: KindState, State: StateClosed})
			return
		}
		backoff = min(2*backoff, c.opt.MaxBackoff)
	}
}

func (c *Client) stopped(ctx context.Context) bool {
	select {
	case <-c.stop:
		return true
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

// session makes one connection and serves it until it ends. It reports
// whether the connection opened and whether trying again could help.
func (c *Client) session(ctx context.Context) (opened, retry bool) {
	c.mu.Lock()
	c.n++
	n := c.n
	c.mu.Unlock()
	c.setState(StateConnecting, nil)
	c.emit(Event{Kind: KindState, Conn: n, State: StateConnecting})
	conn, err := c.dial(ctx)
	if err != nil {
		ev := Event{Kind: KindState, Conn: n, State: StateClosed, Err: err}
		var rej *Rejection
		if errors.As(err, &rej) {
			ev.Rejected = rej
		}
		c.setState(StateClosed, nil)
		c.emit(ev)
		// A 4xx will not change by retrying (a bad token, a bad platform);
		// throttling (429) and server errors may.
		return false, rej == nil || rej.Status >= 500 || rej.Status == http.StatusTooManyRequests
	}
	conn.SetReadLimit(readLimit)
	c.setState(StateOpen, conn)
	c.emit(Event{Kind: KindState, Conn: n, State: StateOpen})

	// Not derived from ctx: a cancelled read would drop the connection
	// without the close handshake, which Disconnect owes the server.
	sessCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readDone := make(chan error, 1)
	go func() { readDone <- c.read(sessCtx, conn, n) }()
	pingCtx, stopPing := context.WithCancel(sessCtx)
	defer stopPing()
	if c.opt.Ping > 0 {
		go c.pinger(pingCtx, conn, n)
	}
	var readErr error
	byClient := false
	select {
	case readErr = <-readDone:
	case <-c.stop:
		byClient = true
	case <-ctx.Done():
		byClient = true
	}
	stopPing() // no ping races the close
	if byClient {
		// The close handshake needs the reader running to see the reply.
		_ = conn.Close(websocket.StatusNormalClosure, "")
		readErr = <-readDone
	}
	cancel()
	c.setState(StateClosed, nil)
	info := closeInfo(readErr)
	if byClient && info.Code < 0 {
		// The reader may end on the socket rather than on the server's
		// echo of the close: the connection still ended with our 1000.
		info = CloseInfo{Code: int(websocket.StatusNormalClosure)}
	}
	info.ByClient = byClient
	ev := Event{Kind: KindState, Conn: n, State: StateClosed, Close: &info}
	if !byClient && info.Code < 0 {
		ev.Err = readErr
	}
	c.emit(ev)
	return true, !byClient
}

// dial upgrades, mapping a refused upgrade to a *Rejection.
func (c *Client) dial(ctx context.Context) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opt.DialTimeout)
	defer cancel()
	u := c.opt.URL
	if len(c.opt.Query) > 0 {
		u += "?" + c.opt.Query.Encode()
	}
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: c.opt.Header})
	if err == nil {
		return conn, nil
	}
	if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
		var body []byte
		if resp.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(resp.Body, 1024))
		}
		return nil, &Rejection{Status: resp.StatusCode, Body: string(body)}
	}
	// Dial's errors quote the URL, whose query holds the token: say it without.
	return nil, &DialError{URL: c.DisplayURL(), Err: unwrapAll(err)}
}

// DialError is an upgrade that failed before any HTTP answer (refused, timed out).
type DialError struct {
	URL string
	Err error
}

func (e *DialError) Error() string { return "cannot connect to " + e.URL + ": " + e.Err.Error() }
func (e *DialError) Unwrap() error { return e.Err }

// unwrapAll returns the innermost error: coder/websocket's and net/url's
// wrappers repeat the URL with the token.
func unwrapAll(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// read reports every message until the connection ends.
func (c *Client) read(ctx context.Context, conn *websocket.Conn, n int) error {
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		c.order.Lock()
		c.emit(Event{Kind: KindFrame, Conn: n, Dir: In, Data: data, Binary: typ == websocket.MessageBinary})
		c.order.Unlock()
	}
}

// pinger pings every Options.Ping and reports the round trips.
func (c *Client) pinger(ctx context.Context, conn *websocket.Conn, n int) {
	t := time.NewTicker(c.opt.Ping)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pingCtx, cancel := context.WithTimeout(ctx, max(c.opt.Ping, 5*time.Second))
		start := time.Now()
		err := conn.Ping(pingCtx)
		rtt := time.Since(start)
		cancel()
		if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
			return // the connection is ending: its close says why
		}
		if err != nil {
			c.emit(Event{Kind: KindError, Conn: n, Err: err})
			continue
		}
		c.mu.Lock()
		c.rtts.Add(rtt)
		c.mu.Unlock()
		c.emit(Event{Kind: KindRTT, Conn: n, RTT: rtt})
	}
}

// closeInfo reads the close code and reason from the error that ended a read.
func closeInfo(err error) CloseInfo {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return CloseInfo{Code: int(ce.Code), Reason: ce.Reason}
	}
	return CloseInfo{Code: -1}
}

func validUTF8(b []byte) bool { return utf8.Valid(b) }
