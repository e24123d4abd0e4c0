// Package wsclient is wsops's WebSocket test client: it opens an API
// Gateway WebSocket stage as any identity (query parameters and headers as
// the caller sets them), sends and receives messages, measures ping round
// trips, and can reconnect with backoff. It reports everything — state
// changes, frames with their time and size, close codes, rejections, round
// trips — as Events on one channel, in order, so that a terminal UI and the
// headless `wsops connect` consume the same stream.
package wsclient

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"wsops/mgmt"
	"wsops/secret"
)

// MaxMessage is the largest message API Gateway accepts (128 KB); Send
// refuses larger ones before anything goes on the wire.
const MaxMessage = mgmt.MaxPayload

// MaxFrame is API Gateway's frame limit (32 KB): Send splits larger messages
// into continuation frames of this size, as a browser would.
const MaxFrame = 32 * 1024

// ErrTooLarge is returned by Send for a message over MaxMessage.
var ErrTooLarge = errors.New("message too large")

// ErrNotOpen is returned by Send when no connection is open.
var ErrNotOpen = errors.New("not connected")

// Options configure a Client.
type Options struct {
	// URL is the stage's WebSocket URL (ws:// or wss://, the stage as the path), without a query.
	URL string
	// Query are the query parameters of the upgrade (token, platform, …).
	Query url.Values
	// Header are extra headers of the upgrade. A User-Agent is added when
	// absent (UserAgent tells which), so that the client can find its own
	// connection through GetConnection.
	Header http.Header
	// Ping sends a WebSocket ping this often and reports the round trip
	// (KindRTT); 0 sends none.
	Ping time.Duration
	// Reconnect reconnects after a connection ends (not after Close, nor
	// after a 4xx rejection, which a retry would not change), waiting
	// MinBackoff, doubling up to MaxBackoff.
	Reconnect  bool
	MinBackoff time.Duration // default 500ms
	MaxBackoff time.Duration // default 30s
	// DialTimeout bounds each upgrade; default 15s.
	DialTimeout time.Duration
	// Buffer is the Events channel's capacity; default 256. Beyond it events
	// queue in memory: none is dropped, and a slow reader never stalls the
	// connection.
	Buffer int
	// Now is the clock for event times; default time.Now.
	Now func() time.Time
}

// Client is one test connection (and its reconnections). Start it, read its
// Events until the channel closes, Send while it is open, Close to end it.
type Client struct {
	opt       Options
	userAgent string
	events    chan Event
	q         *queue
	stop      chan struct{}
	stopOnce  sync.Once
	started   atomic.Bool
	done      chan struct{}

	// order makes a sent frame's event precede any reply to it: Send holds
	// it across the write and its event, the reader across its event.
	order sync.Mutex

	mu    sync.Mutex
	conn  *websocket.Conn
	n     int // connections made
	state State
	rtts  RTTs
}

// New returns a client for opt; nothing happens until Start.
func New(opt Options) *Client {
	if opt.MinBackoff <= 0 {
		opt.MinBackoff = 500 * time.Millisecond
	}
	if opt.MaxBackoff < opt.MinBackoff {
		opt.MaxBackoff = max(opt.MinBackoff, 30*time.Second)
	}
	if opt.DialTimeout <= 0 {
		opt.DialTimeout = 15 * time.Second
	}
	if opt.Buffer <= 0 {
		opt.Buffer = 256
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	opt.Header = opt.Header.Clone()
	if opt.Header == nil {
		opt.Header = http.Header{}
	}
	ua := opt.Header.Get("User-Agent")
	if ua == "" {
		ua = "wsops-connect/" + nonce()
		opt.Header.Set("User-Agent", ua)
	}
	return &Client{opt: opt, userAgent: ua, events: make(chan Event, opt.Buffer), q: newQueue(), stop: make(chan struct{}), done: make(chan struct{})}
}

// nonce is 8 random bytes in hex.
func nonce() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// UserAgent is the User-Agent the client's upgrades carry; GetConnection
// reports it, which is how the client finds its own connection id.
func (c *Client) UserAgent() string { return c.userAgent }

// DisplayURL is the upgrade URL as it may be shown: the token (and anything
// else that looks like a secret) redacted.
func (c *Client) DisplayURL() string { return DisplayURL(c.opt.URL, c.opt.Query) }

// DisplayURL renders base?query with the token parameter and any value
// that looks like a secret redacted (eyJh…(312 chars)).
func DisplayURL(base string, q url.Values) string {
	if len(q) == 0 {
		return base
	}
	shown := url.Values{}
	for k, vs := range q {
		for _, v := range vs {
			if k == "token" || secret.ContainsSecret(v) {
				v = secret.Redact(v)
			}
			shown.Add(k, v)
		}
	}
	// Encode escapes the redaction's "…" and parentheses; show them plainly.
	s, err := url.QueryUnescape(shown.Encode())
	if err != nil {
		s = shown.Encode()
	}
	return base + "?" + s
}

// Events is the stream of what happens, closed after the client stopped.
func (c *Client) Events() <-chan Event { return c.events }

// State is the connection's current state.
func (c *Client) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// RTT returns the round-trip statistics so far.
func (c *Client) RTT() RTTStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rtts.Stats()
}

// Start connects (and reconnects, if asked) in the background until ctx
// ends or Close is called; then the Events channel closes.
func (c *Client) Start(ctx context.Context) {
	if c.started.Swap(true) {
		return
	}
	go c.q.pump(c.events, c.done)
	go c.run(ctx)
}

// Close disconnects (close code 1000) and stops reconnecting; it returns
// once the client stopped and its Events channel is closed — events not
// read yet are discarded.
func (c *Client) Close() {
	c.stopOnce.Do(func() { close(c.stop) })
	if !c.started.Load() {
		return
	}
	for {
		select {
		case <-c.done:
			return
		case _, ok := <-c.events:
			if !ok {
				<-c.done
				return
			}
		}
	}
}

// Disconnect closes the connection with code 1000 and stops reconnecting;
// the rest of the events (the close) still arrive on Events, which then closes.
func (c *Client) Disconnect() { c.stopOnce.Do(func() { close(c.stop) }) }

// Done is closed once the client stopped.
func (c *Client) Done() <-chan struct{} { return c.done }

// Send sends data as one text message (binary when it is not valid UTF-8),
// split into frames of at most MaxFrame. It refuses a message over
// MaxMessage before anything is sent, and an empty one.
func (c *Client) Send(ctx context.Context, data []byte) error {
	switch {
	case len(data) > MaxMessage:
		return fmt.Errorf("%w: %d bytes (%s); API Gateway's limit is %d bytes (128 KB): not sent",
			ErrTooLarge, len(data), kb(len(data)), MaxMessage)
	case len(data) == 0:
		return errors.New("empty message: not sent")
	}
	c.mu.Lock()
	conn, n := c.conn, c.n
	c.mu.Unlock()
	if conn == nil {
		return ErrNotOpen
	}
	typ := websocket.MessageText
	if !validUTF8(data) {
		typ = websocket.MessageBinary
	}
	c.order.Lock()
	defer c.order.Unlock()
	if err := writeFragmented(ctx, conn, typ, data); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	c.emit(Event{Kind: KindFrame, Conn: n, Dir: Out, Data: data, Binary: typ == websocket.MessageBinary})
	return nil
}

// writeFragmented writes data as one message in frames of at most MaxFrame.
func writeFragmented(ctx context.Context, conn *websocket.Conn, typ websocket.MessageType, data []byte) error {
	if len(data) <= MaxFrame {
		return conn.Write(ctx, typ, data)
	}
	w, err := conn.Writer(ctx, typ)
	if err != nil {
		return err
	}
	for len(data) > 0 {
		chunk := data[:min(MaxFrame, len(data))]
		if _, err := w.Write(chunk); err != nil {
			_ = w.Close()
			return err
		}
		data = data[len(chunk):]
	}
	return w.Close()
}

func kb(n int) string { return fmt.Sprintf("%.1f KB", float64(n)/1024) }
