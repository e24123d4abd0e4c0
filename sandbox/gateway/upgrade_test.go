package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/coder/websocket"
)

func TestConnectionIDsHaveAWSShapeAndAreUnique(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	var ids []string
	for i := range 20 {
		_, id := h.dial(t, fmt.Sprint("c", i), "")
		if !idPattern.MatchString(id) {
			t.Errorf("connection id %q is not 16 URL-safe base64 characters ending in '='", id)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if got := h.g.IDs(); !slices.Equal(got, ids) {
		t.Errorf("IDs() = %v, want %v", got, ids)
	}
	if n := len(slices.Compact(slices.Clone(ids))); n != 20 || h.g.Count() != 20 {
		t.Errorf("%d distinct ids, Count() = %d; want 20 and 20", n, h.g.Count())
	}

	src := randSource{r: rand.New(rand.NewPCG(1, 2))}
	seen := map[string]bool{}
	for range 10000 {
		id := src.shortID()
		if !idPattern.MatchString(id) || seen[id] {
			t.Fatalf("generated id %q malformed or repeated", id)
		}
		seen[id] = true
	}
}

func TestConnectSeesRequestAndAuthReachesRoutes(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	c, id := h.dial(t, "alice", "platform=ios")
	write(t, c, websocket.MessageText, []byte(`{"action":"echo"}`))
	read(t, c)
	calls := h.b.calls()
	if len(calls) != 1 || calls[0].ID != id || calls[0].Auth != "auth-of-alice" {
		t.Fatalf("Handle calls %+v; want one for %s with the Auth Connect returned", calls, id)
	}
	info := h.g.lookup(id).info
	if info.Query.Get("platform") != "ios" || info.SourceIP != "127.0.0.1" ||
		info.UserAgent != "wsops-test/1.0 (alice)" || info.Header.Get("Sec-WebSocket-Key") == "" || info.Stage != "dev" {
		t.Errorf("Conn = %+v; want query, source IP, user agent, headers and stage of the upgrade", info)
	}
}

func TestRejectedUpgradeKeepsBackendStatus(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	cases := []struct {
		token  string
		status int
		body   string
	}{
		{"bad", http.StatusUnauthorized, "Unauthorized"},
		{"boom", http.StatusInternalServerError, `{"message": "Internal server error"}`},
	}
	for _, tc := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		c, resp, err := websocket.Dial(ctx, h.wsURL+"?token="+tc.token, &websocket.DialOptions{HTTPClient: h.http})
		cancel()
		if err == nil {
			_ = c.CloseNow()
			t.Fatalf("token=%s: upgrade succeeded", tc.token)
		}
		if resp == nil || resp.StatusCode != tc.status {
			t.Fatalf("token=%s: response %+v, want status %d", tc.token, resp, tc.status)
		}
		body, _ := io.ReadAll(resp.Body)
		if string(body) != tc.body {
			t.Errorf("token=%s: body %q, want %q", tc.token, body, tc.body)
		}
	}
	if h.g.Count() != 0 || h.b.totalDisconnects() != 0 {
		t.Errorf("Count %d, disconnects %d after rejections; want 0, 0", h.g.Count(), h.b.totalDisconnects())
	}
}

func TestUnknownPathsAreForbidden(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	for _, path := range []string{"/prod", "/", "/dev/other", "/dev/@connections", "/dev/@connections/a/b"} {
		resp, err := h.http.Get(h.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || string(body) != `{"message":"Forbidden"}` ||
			resp.Header.Get("X-Amzn-ErrorType") != "ForbiddenException" {
			t.Errorf("GET %s: %d %q %v; want 403 {\"message\":\"Forbidden\"} typed ForbiddenException", path, resp.StatusCode, body, resp.Header)
		}
	}
	// Not a WebSocket handshake on the stage path.
	resp, err := h.http.Get(h.srv.URL + "/dev")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Errorf("plain GET /dev: %d, want 426", resp.StatusCode)
	}
	// A malformed handshake is refused before $connect.
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/dev?name=malformed", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "8")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	resp, err = h.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || h.b.id("malformed") != "" {
		t.Errorf("version 8 handshake: %d, $connect ran: %v; want 400 without $connect", resp.StatusCode, h.b.id("malformed") != "")
	}
	// The management API on a stage that does not exist: typed ForbiddenException.
	wrongStage := newSDKClient(h.srv.URL+"/prod", h.http)
	_, err = wrongStage.PostToConnection(context.Background(), &apigatewaymanagementapi.PostToConnectionInput{
		ConnectionId: aws.String("L0SM9cOFvHcCIhw="), Data: []byte("x"),
	})
	var forbidden *types.ForbiddenException
	if !errors.As(err, &forbidden) {
		t.Errorf("post on unknown stage: %v (%T), want *types.ForbiddenException", err, err)
	}
}

func TestStageOptionAndTrailingSlash(t *testing.T) {
	h := newHarness(t, Options{Stage: "prod"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, _, err := websocket.Dial(ctx, h.wsURL+"/?name=x", &websocket.DialOptions{HTTPClient: h.http})
	if err != nil {
		t.Fatalf("dial /prod/: %v", err)
	}
	defer c.CloseNow()
	if h.g.Count() != 1 {
		t.Errorf("Count() = %d, want 1", h.g.Count())
	}
}
