package testrig

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/coder/websocket"

	"wsops/auth"
	"wsops/config"
	"wsops/sandbox"
)

// worldWait bounds every wait of a SandboxWorld: reaching it fails the test
// (it is a deadline against hangs, never a timing assertion).
const worldWait = 15 * time.Second

// worldSecret signs the tokens of a SandboxWorld's clients.
const worldSecret = "testrig-sandbox-world"

// WorldOptions configure StartSandboxWorld.
type WorldOptions struct {
	// Clients is the number of live WebSocket clients to connect.
	Clients int
	// ManagementRPS throttles the sandbox's management API (0: unlimited);
	// the bucket holds max(1, ManagementRPS/2) tokens.
	ManagementRPS float64
	// Claims, when set, gives the token claims of client n (counted from 0),
	// so that clients connect as chosen users, apps and entity types. Unset,
	// client n is user testrig-user-n of app customers, entity type customer.
	Claims func(n int) auth.Claims
	// DropDisconnects is the share (0..1) of $disconnect events the sandbox
	// loses (its --drop-disconnects), so that registry records outlive their
	// connections as AWS's best-effort $disconnect lets them (0: none lost).
	DropDisconnects float64
	// Preset is the sandbox's preset (default wizz).
	Preset string
	// Registry is the sandbox's store: dynamodb (the default, on minidyn)
	// or mongodb (this27 only: a database of its own on MongoURL's server,
	// dropped when the test ends).
	Registry string
	// IdleTimeout and MaxDuration close connections as the sandbox's
	// --idle-timeout and --max-duration do (0: AWS's 10 min and 2 h).
	IdleTimeout, MaxDuration time.Duration
}

// SandboxWorld is a sandbox (preset wizz unless told) started for one test, with live
// WebSocket clients connected to it and an SDK management client pointed at
// it, built as the console builds it for a sandbox profile. Every request that client sends is
// recorded (Requests) and may be held by a hook (OnRequest).
type SandboxWorld struct {
	// Sandbox is the running sandbox.
	Sandbox *sandbox.Sandbox
	// ManagementURL is the management API's base URL, stage included.
	ManagementURL string
	// IDs are the live clients' connection ids, in dial order.
	IDs []string
	// API is an SDK management client at ManagementURL: static credentials,
	// us-east-1, RetryMaxAttempts 1 (every 429 reaches the caller).
	API *apigatewaymanagementapi.Client

	tb      testing.TB
	claims  func(n int) auth.Claims
	clients map[string]*WorldClient
	barrier int

	mu       sync.Mutex
	requests []Request
	hook     func(Request)
}

// Request is one request a SandboxWorld's SDK client sent.
type Request struct {
	Method string
	// EscapedPath is the path as sent on the wire (the id percent-encoded).
	EscapedPath string
	// ID is the connection id, unescaped from the path.
	ID string
}

// StartSandboxWorld starts a sandbox on loopback ports for this test (closed
// by t.Cleanup) and connects opts.Clients WebSocket clients, each reading in
// its own goroutine so that posts are delivered.
func StartSandboxWorld(tb testing.TB, opts WorldOptions) *SandboxWorld {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	registry, dynamoURL, mongoURI := cmp.Or(opts.Registry, config.RegistryDynamoDB), "", ""
	if registry == config.RegistryMongoDB {
		mongoURI = strings.TrimSuffix(MongoURL(tb), "/") + "/" + MongoDatabase(tb).Name()
	} else {
		dynamoURL = SandboxMinidynURL(tb)
	}
	sb, err := sandbox.Start(ctx, sandbox.Config{
		Addr: "127.0.0.1:0",
		// The sandbox's own DynamoDB (minidyn behind its shim), served by an
		// httptest server rather than the embedded listener: the embedded
		// listener's Shutdown waits 5 s for any connection its clients opened
		// but never used (net/http treats StateNew as active that long),
		// which concurrent $connect/$disconnect writes leave behind.
		DynamoURL: dynamoURL, MongoURI: mongoURI, Registry: registry,
		Preset: cmp.Or(opts.Preset, "wizz"), Secret: []byte(worldSecret), ManagementRPS: opts.ManagementRPS,
		DropDisconnects: opts.DropDisconnects, IdleTimeout: opts.IdleTimeout, MaxDuration: opts.MaxDuration,
	})
	if err != nil {
		tb.Fatalf("starting the sandbox: %v", err)
	}
	w := &SandboxWorld{
		Sandbox:       sb,
		ManagementURL: sb.Endpoints().ManagementURL,
		tb:            tb,
		claims:        opts.Claims,
		clients:       map[string]*WorldClient{},
	}
	// The sandbox closes first (every live client gets 1001, which its
	// reader answers), then the readers are waited for.
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), worldWait)
		defer cancel()
		if err := sb.Close(ctx); err != nil {
			tb.Errorf("closing the sandbox: %v", err)
		}
		for _, c := range w.clients {
			_ = c.conn.CloseNow()
			<-c.done
		}
	})
	w.API = w.ManagementAPI(w.ManagementURL)
	for n := range opts.Clients {
		w.dial(ctx, n)
	}
	return w
}

// dial connects client number n and learns its connection id: the gateway
// registers a connection before its handshake completes, so the id is the one
// that was not live before the dial.
func (w *SandboxWorld) dial(ctx context.Context, n int) {
	w.tb.Helper()
	claims := auth.Claims{User: fmt.Sprintf("testrig-user-%d", n), EntityType: "customer", App: "customers"}
	if w.claims != nil {
		claims = w.claims(n)
	}
	user := claims.User
	token, err := auth.Mint([]byte(worldSecret), claims, time.Hour, time.Now())
	if err != nil {
		w.tb.Fatal(err)
	}
	userAgent := fmt.Sprintf("testrig-client/%d", n)
	before := w.Sandbox.Gateway().IDs()
	u := w.Sandbox.Endpoints().WebSocketURL + "?" + url.Values{"token": {token}, "platform": {"android"}}.Encode()
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"User-Agent": {userAgent}}})
	if err != nil {
		w.tb.Fatalf("dialing client %d: %v", n, err)
	}
	conn.SetReadLimit(1 << 20) // above the 128 KB message limit: the gateway enforces it, not the client
	var id string
	for _, live := range w.Sandbox.Gateway().IDs() {
		if _, known := slices.BinarySearch(before, live); !known {
			id = live
		}
	}
	if id == "" {
		_ = conn.CloseNow()
		w.tb.Fatalf("client %d connected but no new connection id is live", n)
	}
	c := &WorldClient{ID: id, User: user, UserAgent: userAgent, conn: conn, changed: make(chan struct{}), done: make(chan struct{})}
	go c.read()
	w.clients[id] = c
	w.IDs = append(w.IDs, id)
}

// Token mints a token the world's sandbox accepts for claims, valid for an hour.
func (w *SandboxWorld) Token(claims auth.Claims) string {
	w.tb.Helper()
	token, err := auth.Mint([]byte(worldSecret), claims, time.Hour, time.Now())
	if err != nil {
		w.tb.Fatal(err)
	}
	return token
}

// Secret is the HS256 secret of the world's sandbox (a sandbox profile's sandbox_secret).
func (w *SandboxWorld) Secret() string { return worldSecret }

// Client returns the client connected as id; the test fails if there is none.
func (w *SandboxWorld) Client(id string) *WorldClient {
	w.tb.Helper()
	c, ok := w.clients[id]
	if !ok {
		w.tb.Fatalf("no world client has connection id %s", id)
	}
	return c
}

// Settle waits until every client has received everything posted to it so
// far: it queues a barrier frame for each live client (through the gateway
// directly, past the throttle and the recorded client) and waits for it to
// arrive, or for the client's socket to end. Barriers are not recorded.
func (w *SandboxWorld) Settle() {
	w.tb.Helper()
	w.barrier++
	marker := fmt.Appendf(nil, "%s%d", barrierPrefix, w.barrier)
	for _, id := range w.IDs {
		c := w.clients[id]
		if err := w.Sandbox.Gateway().Post(context.Background(), id, marker); err != nil {
			c.WaitClosed(w.tb) // gone: its socket is ending, after any frames queued before
			continue
		}
		c.waitFor(w.tb, "barrier", func() bool { return c.barrier >= w.barrier || c.ended })
	}
}

// ManagementAPI builds another SDK management client for endpoint (for
// example a wrong stage) that records its requests and runs the hook as API does.
func (w *SandboxWorld) ManagementAPI(endpoint string) *apigatewaymanagementapi.Client {
	return newManagementAPI(w.tb, endpoint, w.record)
}

// OnRequest sets a hook that every request of the world's SDK clients passes
// before it is sent; it may block to keep the call in flight. nil removes it.
func (w *SandboxWorld) OnRequest(hook func(Request)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.hook = hook
}

// Requests returns the requests the world's SDK clients sent, in order.
func (w *SandboxWorld) Requests() []Request {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.requests)
}

// RequestsFor counts the requests sent for connection id.
func (w *SandboxWorld) RequestsFor(id string) int {
	n := 0
	for _, r := range w.Requests() {
		if r.ID == id {
			n++
		}
	}
	return n
}

func (w *SandboxWorld) record(r *http.Request) {
	escaped := r.URL.EscapedPath()
	id, err := url.PathUnescape(escaped[strings.LastIndex(escaped, "/")+1:])
	if err != nil {
		id = escaped
	}
	req := Request{Method: r.Method, EscapedPath: escaped, ID: id}
	w.mu.Lock()
	w.requests = append(w.requests, req)
	hook := w.hook
	w.mu.Unlock()
	if hook != nil {
		hook(req)
	}
}

// ManagementAPI builds the SDK management client for endpoint as the console
// builds it for a sandbox profile: static credentials, us-east-1,
// BaseEndpoint, RetryMaxAttempts 1, and a transport that keeps up to 256 idle
// connections (closed by tb.Cleanup).
func ManagementAPI(tb testing.TB, endpoint string) *apigatewaymanagementapi.Client {
	return newManagementAPI(tb, endpoint, nil)
}

func newManagementAPI(tb testing.TB, endpoint string, observe func(*http.Request)) *apigatewaymanagementapi.Client {
	transport := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	tb.Cleanup(transport.CloseIdleConnections)
	var rt http.RoundTripper = transport
	if observe != nil {
		rt = observingTransport{next: transport, observe: observe}
	}
	return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDWSOPSTEST", "wsops-test-secret", ""),
		HTTPClient:       &http.Client{Transport: rt},
		RetryMaxAttempts: 1,
	})
}

// observingTransport shows every request to observe before sending it.
type observingTransport struct {
	next    http.RoundTripper
	observe func(*http.Request)
}

func (t observingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.observe(r)
	return t.next.RoundTrip(r)
}

// barrierPrefix starts the frames Settle posts; no test payload starts so.
const barrierPrefix = "\x00testrig-barrier-"

// Frame is one WebSocket message a client received.
type Frame struct {
	Type websocket.MessageType
	Data []byte
}

// WorldClient is one live WebSocket client of a SandboxWorld. Its reader
// records every message until the socket ends.
type WorldClient struct {
	// ID is the connection id the gateway gave the client.
	ID string
	// User is the token's subject.
	User string
	// UserAgent is the User-Agent header of the client's handshake.
	UserAgent string

	conn *websocket.Conn
	done chan struct{} // closed when the reader returned

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change below
	frames  []Frame
	barrier int
	ended   bool
	readErr error
}

func (c *WorldClient) read() {
	defer close(c.done)
	for {
		typ, data, err := c.conn.Read(context.Background())
		c.mu.Lock()
		switch {
		case err != nil:
			c.ended, c.readErr = true, err
		case typ == websocket.MessageText && strings.HasPrefix(string(data), barrierPrefix):
			_, _ = fmt.Sscanf(string(data[len(barrierPrefix):]), "%d", &c.barrier)
		default:
			c.frames = append(c.frames, Frame{Type: typ, Data: data})
		}
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Frames returns the messages received so far (call Settle first to be sure
// everything posted has arrived).
func (c *WorldClient) Frames() []Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.frames)
}

// WaitFrames waits until the client has received at least n messages and
// returns them all.
func (c *WorldClient) WaitFrames(tb testing.TB, n int) []Frame {
	tb.Helper()
	c.waitFor(tb, fmt.Sprintf("%d frames", n), func() bool { return len(c.frames) >= n || c.ended })
	return c.Frames()
}

// WaitClosed waits until the client's socket ended and returns the close
// status it saw (-1 when it ended without a close frame).
func (c *WorldClient) WaitClosed(tb testing.TB) websocket.StatusCode {
	tb.Helper()
	c.waitFor(tb, "the socket to end", func() bool { return c.ended })
	c.mu.Lock()
	defer c.mu.Unlock()
	return websocket.CloseStatus(c.readErr)
}

// waitFor waits until cond (called with c.mu held) holds, failing tb after worldWait.
func (c *WorldClient) waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.NewTimer(worldWait)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		ok, changed := cond(), c.changed
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			tb.Fatalf("client %s: no %s within %v", c.ID, what, worldWait)
		}
	}
}

// Send writes one text message from the client.
func (c *WorldClient) Send(tb testing.TB, text string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), worldWait)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(text)); err != nil {
		tb.Fatalf("client %s sending: %v", c.ID, err)
	}
}
