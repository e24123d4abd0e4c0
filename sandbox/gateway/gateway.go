package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"
)

// Sentinel errors of Post. The management API answers them with 410
// GoneException and 413 PayloadTooLargeException.
var (
	// ErrGone: no live connection has that id (or it is closing).
	ErrGone = errors.New("connection gone")
	// ErrPayloadTooLarge: the payload exceeds MaxMessageSize.
	ErrPayloadTooLarge = errors.New("payload too large")
)

// Gateway is one API Gateway WebSocket API stage: it serves WebSocket
// upgrades at /{stage} and the management API at /{stage}/@connections/{id},
// and runs a Backend as the routes' integration.
type Gateway struct {
	opts       Options
	backend    Backend
	routes     map[string]bool // routes matched by action, $default excluded
	hasDefault bool
	limiter    *rate.Limiter // nil: unlimited
	rand       randSource
	log        *slog.Logger
	epoch      time.Time // origin of the monotonic clock used by timeouts

	ctx    context.Context // parent of Handle calls; cancelled by Close
	cancel context.CancelFunc

	// disconnects is the parent of $disconnect calls, cancelled when a
	// Shutdown runs out of time; skipDisconnects skips them altogether
	// (Shutdown without disconnects); hurry drops sockets instead of closing
	// them with a handshake (a Shutdown out of time).
	disconnects     context.Context
	stopDisconnects context.CancelCauseFunc
	skipDisconnects atomic.Bool
	hurry           atomic.Bool

	mu       sync.RWMutex
	conns    map[string]*conn
	closed   bool           // no upgrade is accepted (BeginShutdown)
	shutDown bool           // Shutdown closed the connections
	wg       sync.WaitGroup // one per accepted or accepting connection
	open     atomic.Int64   // the connections wg counts
}

var _ http.Handler = (*Gateway)(nil)

// New builds a gateway for backend. Mount it at the root of an HTTP/1.1
// server: it answers every path itself.
func New(opts Options, backend Backend) *Gateway {
	opts = opts.withDefaults()
	g := &Gateway{
		opts:    opts,
		backend: backend,
		routes:  map[string]bool{},
		rand:    randSource{r: opts.Rand},
		log:     opts.Logger.With("component", "gateway", "stage", opts.Stage),
		epoch:   time.Now(),
		conns:   map[string]*conn{},
	}
	for _, route := range backend.Routes() {
		switch route {
		case RouteDefault:
			g.hasDefault = true
		case RouteConnect, RouteDisconnect:
		default:
			g.routes[route] = true
		}
	}
	if opts.ManagementRPS > 0 {
		burst := opts.ManagementBurst
		if burst <= 0 {
			burst = max(1, int(opts.ManagementRPS/2))
		}
		g.limiter = rate.NewLimiter(rate.Limit(opts.ManagementRPS), burst)
	}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	g.disconnects, g.stopDisconnects = context.WithCancelCause(context.Background())
	return g
}

// ServeHTTP answers WebSocket upgrades at GET /{stage} (or /{stage}/) and the
// management API at /{stage}/@connections/{id}; any other path gets AWS's
// 403 {"message":"Forbidden"}.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	segments := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	if stage, err := url.PathUnescape(segments[0]); err != nil || stage != g.opts.Stage {
		g.writeForbiddenPath(w)
		return
	}
	switch {
	case len(segments) == 1 || len(segments) == 2 && segments[1] == "":
		if r.Method != http.MethodGet {
			g.writeForbiddenPath(w)
			return
		}
		g.serveUpgrade(w, r)
	case len(segments) == 3 && unescaped(segments[1]) == "@connections":
		id, err := url.PathUnescape(segments[2])
		if err != nil || id == "" {
			g.writeForbiddenPath(w)
			return
		}
		g.serveManagement(w, r, id)
	default:
		g.writeForbiddenPath(w)
	}
}

func unescaped(segment string) string {
	s, err := url.PathUnescape(segment)
	if err != nil {
		return segment
	}
	return s
}

// Count is the number of live connections.
func (g *Gateway) Count() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.conns)
}

// IDs lists the live connections' ids, sorted. (AWS has no such call; the
// console never relies on it.)
func (g *Gateway) IDs() []string {
	g.mu.RLock()
	ids := make([]string, 0, len(g.conns))
	for id := range g.conns {
		ids = append(ids, id)
	}
	g.mu.RUnlock()
	slices.Sort(ids)
	return ids
}

// Post queues payload for the connection id as one text frame, on the same
// path as a management API POST, minus the HTTP round trip and the throttle.
// It returns once the frame is queued (payload is copied), not when the
// client has read it. Errors wrap ErrGone or ErrPayloadTooLarge.
func (g *Gateway) Post(ctx context.Context, id string, payload []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("post to connection %s: %w", id, err)
	}
	return g.post(id, append([]byte(nil), payload...))
}

// post queues payload (which it takes ownership of) for id.
func (g *Gateway) post(id string, payload []byte) error {
	if len(payload) > MaxMessageSize {
		g.observe(Event{Kind: KindPost, Outcome: ClientError})
		return fmt.Errorf("post to connection %s: %w: %d bytes, limit %d", id, ErrPayloadTooLarge, len(payload), MaxMessageSize)
	}
	c := g.lookup(id)
	if c == nil {
		g.observe(Event{Kind: KindPost, Outcome: ClientError})
		return fmt.Errorf("post to connection %s: %w", id, ErrGone)
	}
	if err := c.enqueue(payload); err != nil {
		g.observe(Event{Kind: KindPost, Outcome: ClientError})
		return fmt.Errorf("post to connection %s: %w", id, err)
	}
	// Observed before the poster hears of the success (not necessarily
	// before the client reads the frame).
	g.observe(Event{Kind: KindPost})
	return nil
}

// ErrShutdown is the cause of the context of a $disconnect that Shutdown
// cut short when its deadline passed.
var ErrShutdown = errors.New("the gateway shut down before $disconnect finished")

// Close closes every connection with 1001 "Going away" (each one's
// $disconnect runs, or is dropped, as usual), cancels running route handlers,
// refuses new upgrades and waits until every goroutine of the gateway has
// returned. Call it after the HTTP server stopped accepting requests.
func (g *Gateway) Close() error { return g.Shutdown(context.Background(), true) }

// Shutdown is Close within ctx. Without disconnects, the connections it
// closes skip their $disconnect (the registry is about to vanish with the
// sandbox, so there is nothing to clean). When ctx ends before every
// connection has finished, the sockets still open are dropped without a
// close handshake and the $disconnects still running are cancelled (their
// context's cause is ErrShutdown); Shutdown then returns once every
// goroutine has returned, with an error saying how many had not finished.
func (g *Gateway) Shutdown(ctx context.Context, disconnects bool) error {
	g.BeginShutdown(disconnects)
	g.mu.Lock()
	already := g.shutDown
	g.shutDown = true
	conns := make([]*conn, 0, len(g.conns))
	for _, c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	if !already {
		g.cancel()
		for _, c := range conns {
			c.terminate(websocket.StatusGoingAway, reasonGoingAway, "gateway closing")
		}
	}
	done := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	// Out of time: no more handshakes, drains or $disconnects.
	left := g.open.Load()
	g.hurry.Store(true)
	g.stopDisconnects(ErrShutdown)
	for _, c := range conns {
		c.drop()
	}
	<-done
	return fmt.Errorf("%d connections had not finished closing (their sockets were dropped, their $disconnect cut short): %w",
		left, ctx.Err())
}

// BeginShutdown is the start of Shutdown, for a caller with clients of its
// own to stop before the gateway closes what is left: from now on no
// upgrade is accepted and, without disconnects, the $disconnect of every
// connection that ends is skipped.
func (g *Gateway) BeginShutdown(disconnects bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	if !disconnects {
		g.skipDisconnects.Store(true)
	}
}

// admit counts a new connection attempt, unless the gateway is closed.
func (g *Gateway) admit() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.wg.Add(1)
	g.open.Add(1)
	return true
}

// release is the end of a connection admit counted: its $disconnect has
// run (or was skipped or dropped), or it never got that far.
func (g *Gateway) release() {
	g.open.Add(-1)
	g.wg.Done()
}

// newConnID returns a connection id that no live connection has.
func (g *Gateway) newConnID() string {
	for {
		id := g.rand.shortID()
		if g.lookup(id) == nil {
			return id
		}
	}
}

// register makes c reachable by id; false when the gateway closed meanwhile.
func (g *Gateway) register(c *conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.conns[c.info.ID] = c
	return true
}

func (g *Gateway) unregister(c *conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.conns[c.info.ID] == c {
		delete(g.conns, c.info.ID)
	}
}

func (g *Gateway) lookup(id string) *conn {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.conns[id]
}

// now is the configured clock.
func (g *Gateway) now() time.Time { return g.opts.Now() }

// mono is a monotonic reading for timeouts, in nanoseconds.
func (g *Gateway) mono() int64 { return int64(time.Since(g.epoch)) }

// disconnect runs $disconnect for c, unless DropDisconnects loses it or a
// Shutdown skips it.
func (g *Gateway) disconnect(c *conn) {
	if g.skipDisconnects.Load() {
		g.log.Debug("$disconnect skipped: shutting down", "connection", c.info.ID)
		return
	}
	if p := g.opts.DropDisconnects; p > 0 && g.rand.float64() < p {
		g.log.Debug("$disconnect dropped", "connection", c.info.ID)
		return
	}
	ctx, cancel := context.WithTimeout(g.disconnects, g.opts.IntegrationTimeout)
	defer cancel()
	req := g.newRequest(EventDisconnect, RouteDisconnect, &c.info)
	g.integrating(req)
	began := time.Now()
	g.backend.Disconnect(ctx, c.info)
	req.integrated(ctx, began, nil, nil)
	g.observeSince(KindDisconnect, OK, began)
	g.done(req, http.StatusOK, "")
}
