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

	mu     sync.RWMutex
	conns  map[string]*conn
	closed bool
	wg     sync.WaitGroup // one per accepted or accepting connection
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
		return fmt.Errorf("post to connection %s: %w: %d bytes, limit %d", id, ErrPayloadTooLarge, len(payload), MaxMessageSize)
	}
	c := g.lookup(id)
	if c == nil {
		return fmt.Errorf("post to connection %s: %w", id, ErrGone)
	}
	if err := c.enqueue(payload); err != nil {
		return fmt.Errorf("post to connection %s: %w", id, err)
	}
	return nil
}

// Close closes every connection with 1001 "Going away" (each one's
// $disconnect runs, or is dropped, as usual), cancels running route handlers,
// refuses new upgrades and waits until every goroutine of the gateway has
// returned. Call it after the HTTP server stopped accepting requests.
func (g *Gateway) Close() error {
	g.mu.Lock()
	already := g.closed
	g.closed = true
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
	g.wg.Wait()
	return nil
}

// admit counts a new connection attempt, unless the gateway is closed.
func (g *Gateway) admit() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.wg.Add(1)
	return true
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

// disconnect runs $disconnect for c, unless DropDisconnects loses it.
func (g *Gateway) disconnect(c *conn) {
	if p := g.opts.DropDisconnects; p > 0 && g.rand.float64() < p {
		g.log.Debug("$disconnect dropped", "connection", c.info.ID)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), g.opts.IntegrationTimeout)
	defer cancel()
	g.backend.Disconnect(ctx, c.info)
}
