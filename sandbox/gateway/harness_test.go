package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/coder/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// wait is the generous deadline every test waits on events with.
const wait = 10 * time.Second

// idPattern is AWS's connection id shape.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{15}=$`)

// testBackend records every call. Routes: echo (replies the body), fail
// (errors), slow (blocks until release is closed), and $default (replies
// {"route":"$default"}) unless noDefault. Connect rejects token=bad with 401
// and fails token=boom; a name query parameter lets tests find the id.
type testBackend struct {
	noDefault bool
	release   chan struct{}

	mu           sync.Mutex
	ids          map[string]string // name → connection id
	handled      []handledCall
	disconnected map[string]int
	events       chan string // "disconnect <id>", "handle <id> <route>"
}

type handledCall struct {
	ID, Route string
	Body      []byte
	Auth      any
}

func newTestBackend() *testBackend {
	return &testBackend{
		release:      make(chan struct{}),
		ids:          map[string]string{},
		disconnected: map[string]int{},
		events:       make(chan string, 4096),
	}
}

var _ Backend = (*testBackend)(nil)

func (b *testBackend) Connect(_ context.Context, c Conn) (any, error) {
	switch c.Query.Get("token") {
	case "bad":
		return nil, &Rejection{Status: http.StatusUnauthorized, Body: "Unauthorized"}
	case "boom":
		return nil, errors.New("authorizer crashed")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if name := c.Query.Get("name"); name != "" {
		b.ids[name] = c.ID
	}
	return "auth-of-" + c.Query.Get("name"), nil
}

func (b *testBackend) Disconnect(_ context.Context, c Conn) {
	b.mu.Lock()
	b.disconnected[c.ID]++
	b.mu.Unlock()
	b.events <- "disconnect " + c.ID
}

func (b *testBackend) Routes() []string {
	if b.noDefault {
		return []string{"echo", "fail", "slow"}
	}
	return []string{"echo", "fail", "slow", RouteDefault}
}

func (b *testBackend) Handle(ctx context.Context, c Conn, route string, body []byte) ([]byte, error) {
	b.mu.Lock()
	b.handled = append(b.handled, handledCall{ID: c.ID, Route: route, Body: body, Auth: c.Auth})
	b.mu.Unlock()
	switch route {
	case "echo":
		return body, nil
	case "fail":
		return nil, errors.New("handler failed")
	case "slow":
		select {
		case <-b.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return []byte("slow done"), nil
	}
	return []byte(`{"route":"$default"}`), nil
}

func (b *testBackend) id(name string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ids[name]
}

func (b *testBackend) calls() []handledCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]handledCall(nil), b.handled...)
}

func (b *testBackend) disconnects(id string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.disconnected[id]
}

func (b *testBackend) totalDisconnects() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, count := range b.disconnected {
		n += count
	}
	return n
}

// waitDisconnect waits until $disconnect ran for id.
func (b *testBackend) waitDisconnect(t testing.TB, id string) {
	t.Helper()
	deadline := time.After(wait)
	for b.disconnects(id) == 0 {
		select {
		case <-b.events:
		case <-deadline:
			t.Fatalf("no $disconnect for %s", id)
		}
	}
}

// harness is a gateway behind an httptest server, with an SDK management
// client pointed at it.
type harness struct {
	g       *Gateway
	b       *testBackend
	srv     *httptest.Server
	wsURL   string // ws://…/dev
	mgmtURL string // http://…/dev
	api     *apigatewaymanagementapi.Client
	http    *http.Client
}

func newHarness(t testing.TB, opts Options, b *testBackend) *harness {
	t.Helper()
	if b == nil {
		b = newTestBackend()
	}
	return newHarnessOver(t, opts, b, b)
}

// newHarnessOver is newHarness with the gateway running backend, which
// wraps b.
func newHarnessOver(t testing.TB, opts Options, b *testBackend, backend Backend) *harness {
	t.Helper()
	g := New(opts, backend)
	srv := httptest.NewServer(g)
	transport := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	h := &harness{
		g:       g,
		b:       b,
		srv:     srv,
		wsURL:   "ws" + strings.TrimPrefix(srv.URL, "http") + "/" + g.opts.Stage,
		mgmtURL: srv.URL + "/" + g.opts.Stage,
		http:    &http.Client{Transport: transport},
	}
	h.api = newSDKClient(h.mgmtURL, h.http)
	t.Cleanup(func() {
		_ = g.Close()
		srv.Close()
		transport.CloseIdleConnections()
	})
	return h
}

// newSDKClient is the real management API client, as wsops builds it.
func newSDKClient(endpoint string, hc *http.Client) *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      credentials.NewStaticCredentialsProvider("x", "x", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       hc,
	})
}

// dial connects a client named name (query name=…, plus extra query) and
// returns it with its connection id.
func (h *harness) dial(t testing.TB, name, extraQuery string) (*websocket.Conn, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	u := h.wsURL + "?name=" + name
	if extraQuery != "" {
		u += "&" + extraQuery
	}
	c, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient: h.http,
		HTTPHeader: http.Header{"User-Agent": {"wsops-test/1.0 (" + name + ")"}},
	})
	if err != nil {
		t.Fatalf("dial %s: %v", name, err)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = c.CloseNow() })
	id := h.b.id(name)
	if id == "" {
		t.Fatalf("backend saw no $connect for %s", name)
	}
	return c, id
}

// read reads one message, failing the test on error.
func read(t testing.TB, c *websocket.Conn) (websocket.MessageType, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	typ, data, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return typ, data
}

// readClose reads until the connection ends and returns the close error.
func readClose(t testing.TB, c *websocket.Conn) websocket.CloseError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("connection ended without a close frame: %v", err)
		}
		return ce
	}
}

func write(t testing.TB, c *websocket.Conn, typ websocket.MessageType, data []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := c.Write(ctx, typ, data); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// eventually polls cond (no timing assertion: only a generous deadline).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readUntilClosed reads c in the background, discarding messages, so that the
// client answers pings and close frames; it reports how the connection ended.
func readUntilClosed(c *websocket.Conn) <-chan websocket.CloseError {
	ended := make(chan websocket.CloseError, 1)
	go func() {
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				var ce websocket.CloseError
				errors.As(err, &ce)
				ended <- ce
				return
			}
		}
	}()
	return ended
}
