package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/coder/websocket"
)

// fakeClock is an Options.Now that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func post(h *harness, id string, data []byte) error {
	_, err := h.api.PostToConnection(context.Background(), &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: data})
	return err
}

func TestPostDeliversByteExactTextFrame(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	c, id := h.dial(t, "receiver", "")
	payloads := [][]byte{
		[]byte(`{"type":"order_update","data":{"orderId":"o-1","status":"ready"}}`),
		[]byte("ünïcødé ✓ and\nnewlines\r\n"),
		bytes.Repeat([]byte{0x00, 0xff, 0x7f, 0x80}, 1000),
		{},
		bytes.Repeat([]byte("x"), MaxMessageSize), // exactly the limit
	}
	for i, payload := range payloads {
		if err := post(h, id, payload); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
		typ, got := read(t, c)
		if typ != websocket.MessageText || !bytes.Equal(got, payload) {
			t.Errorf("post %d: got %v frame of %d bytes, want the %d bytes as one text frame", i, typ, len(got), len(payload))
		}
	}
}

func TestGetConnection(t *testing.T) {
	connectedAt := time.Date(2026, 11, 22, 10, 0, 0, 123_456_789, time.UTC)
	clock := &fakeClock{now: connectedAt}
	h := newHarness(t, Options{Now: clock.Now}, nil)
	c, id := h.dial(t, "inspected", "")

	active := connectedAt.Add(4*time.Minute + 30*time.Second)
	clock.Set(active)
	write(t, c, websocket.MessageText, []byte(`{"action":"echo"}`))
	read(t, c)
	clock.Set(active.Add(time.Hour)) // the GET itself is not activity

	out, err := h.api.GetConnection(context.Background(), &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if !out.ConnectedAt.Equal(connectedAt.Truncate(time.Millisecond)) || !out.LastActiveAt.Equal(active.Truncate(time.Millisecond)) {
		t.Errorf("connectedAt %v lastActiveAt %v; want %v and %v", out.ConnectedAt, out.LastActiveAt, connectedAt, active)
	}
	if aws.ToString(out.Identity.SourceIp) != "127.0.0.1" || aws.ToString(out.Identity.UserAgent) != "wsops-test/1.0 (inspected)" {
		t.Errorf("identity %+v", *out.Identity)
	}

	// The wire format, as AWS writes it.
	resp := rawCall(t, h, http.MethodGet, id, nil)
	body, _ := io.ReadAll(resp.Body)
	want := `{"connectedAt":"2026-11-22T10:00:00.123Z","identity":{"sourceIp":"127.0.0.1","userAgent":"wsops-test/1.0 (inspected)"},"lastActiveAt":"2026-11-22T10:04:30.123Z"}`
	if resp.StatusCode != http.StatusOK || string(body) != want || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("GET: %d %s %q\nwant 200 %s", resp.StatusCode, resp.Header, body, want)
	}
}

// rawCall makes a management call by hand, signed with a dummy SigV4 header.
func rawCall(t *testing.T, h *harness, method, id string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, h.mgmtURL+"/@connections/"+url.PathEscape(id), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x/20261122/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := h.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestDeleteConnection(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	c, id := h.dial(t, "doomed", "")
	// A post answered before the DELETE reaches the client before the close.
	if err := post(h, id, []byte("you are logged out")); err != nil {
		t.Fatal(err)
	}
	if _, err := h.api.DeleteConnection(context.Background(), &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if _, got := read(t, c); string(got) != "you are logged out" {
		t.Errorf("frame before close: %q", got)
	}
	if ce := readClose(t, c); ce.Code != websocket.StatusNormalClosure || ce.Reason != "" {
		t.Errorf("close %v %q, want 1000 with no reason", ce.Code, ce.Reason)
	}
	h.b.waitDisconnect(t, id)
	var gone *types.GoneException
	_, err := h.api.GetConnection(context.Background(), &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)})
	if !errors.As(err, &gone) {
		t.Errorf("GET after DELETE: %v, want GoneException", err)
	}
	_, err = h.api.DeleteConnection(context.Background(), &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)})
	if !errors.As(err, &gone) {
		t.Errorf("second DELETE: %v, want GoneException", err)
	}
	if n := h.b.disconnects(id); n != 1 {
		t.Errorf("%d $disconnect calls, want 1", n)
	}
}

func TestTypedErrors(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	_, id := h.dial(t, "live", "")
	const unknown = "L0SM9cOFvHcCIhw="
	ctx := context.Background()

	var gone *types.GoneException
	_, getErr := h.api.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(unknown)})
	_, delErr := h.api.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(unknown)})
	for name, err := range map[string]error{"post": post(h, unknown, []byte("x")), "get": getErr, "delete": delErr} {
		if !errors.As(err, &gone) {
			t.Errorf("%s to an unknown id: %v (%T), want *types.GoneException", name, err, err)
		}
	}
	var tooLarge *types.PayloadTooLargeException
	if err := post(h, id, make([]byte, 129*1024)); !errors.As(err, &tooLarge) {
		t.Errorf("129 KB post: %v, want *types.PayloadTooLargeException", err)
	}

	// Every error carries the header, the typed body, JSON and a request id.
	resp := rawCall(t, h, http.MethodPost, unknown, []byte("x"))
	body, _ := io.ReadAll(resp.Body)
	var parsed map[string]string
	if err := json.Unmarshal(body, &parsed); err != nil || parsed["__type"] != "GoneException" {
		t.Errorf("410 body %q, want {\"__type\":\"GoneException\",…}", body)
	}
	if _, ok := parsed["message"]; !ok {
		t.Errorf("410 body %q has no message", body)
	}
	if resp.StatusCode != http.StatusGone || resp.Header.Get("X-Amzn-ErrorType") != "GoneException" ||
		resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("X-Amzn-RequestId") == "" {
		t.Errorf("410 response %d %v", resp.StatusCode, resp.Header)
	}
	// The id arrives percent-encoded: %3D is '='.
	if !strings.HasSuffix(id, "=") {
		t.Fatalf("id %q has no '='", id)
	}
	if resp := rawCall(t, h, http.MethodGet, id, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET with %%3D in the path: %d", resp.StatusCode)
	}

	// Methods the management API does not have, and unsigned calls.
	if resp := rawCall(t, h, http.MethodPut, id, nil); resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Amzn-ErrorType") != "ForbiddenException" {
		t.Errorf("PUT: %d %v, want 403 ForbiddenException", resp.StatusCode, resp.Header)
	}
	resp, err := h.http.Post(h.mgmtURL+"/@connections/"+url.PathEscape(id), "application/json", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned POST: %d %v, want 403 MissingAuthenticationTokenException", resp.StatusCode, resp.Header)
	}
}

func TestManagementRateLimit(t *testing.T) {
	// A clock that never moves: the bucket never refills, so the count is exact.
	clock := &fakeClock{now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	h := newHarness(t, Options{Now: clock.Now, ManagementRPS: 0.001, ManagementBurst: 3}, nil)
	c, id := h.dial(t, "throttled", "")
	var ok, limited int
	for range 6 {
		err := post(h, id, []byte("x"))
		var throttled *types.LimitExceededException
		switch {
		case err == nil:
			ok++
		case errors.As(err, &throttled):
			limited++
		default:
			t.Fatalf("post: %v (%T)", err, err)
		}
	}
	if ok != 3 || limited != 3 {
		t.Errorf("%d posts passed and %d were throttled; want 3 and 3", ok, limited)
	}
	for range ok {
		read(t, c)
	}
	// GET and DELETE share the throttle.
	_, err := h.api.GetConnection(context.Background(), &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)})
	var throttled *types.LimitExceededException
	if !errors.As(err, &throttled) {
		t.Errorf("GET beyond the limit: %v, want LimitExceededException", err)
	}
	// In-process delivery is not a management call.
	if err := h.g.Post(context.Background(), id, []byte("direct")); err != nil {
		t.Errorf("Gateway.Post under throttle: %v", err)
	}
}

func TestDefaultBurst(t *testing.T) {
	for _, tc := range []struct {
		rps   float64
		burst int
	}{{0.5, 1}, {10, 5}, {10000, 5000}} {
		g := New(Options{ManagementRPS: tc.rps}, newTestBackend())
		if got := g.limiter.Burst(); got != tc.burst {
			t.Errorf("rps %v: burst %d, want %d", tc.rps, got, tc.burst)
		}
		_ = g.Close()
	}
}
