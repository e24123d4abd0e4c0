package client

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
)

// fakeGateway is a test-only stand-in for API Gateway's management API that speaks
// its wire format: POST (raw body, 200), GET (JSON, ISO-8601 times) and DELETE
// (204) on /{stage}/@connections/{percent-encoded id}, and AWS's typed errors.
// The sandbox replaces it later.
type fakeGateway struct {
	t      testing.TB
	server *httptest.Server
	stage  string

	mu         sync.Mutex
	live       map[string]ConnectionInfo
	forbidden  map[string]bool
	throttle   map[string]int // 429s still to answer per id; negative: always
	limit      int            // payload limit; MaxPayload unless a test lowers it
	errorStyle errorStyle
	lastBody   map[string][]byte
	requests   []fakeRequest
	// hold, when set, runs before each request is answered (outside the lock) and may block.
	hold func(id string)
}

// fakeRequest is one request the fake answered.
type fakeRequest struct {
	Method      string
	ID          string
	EscapedPath string
}

// errorStyle is how the fake spells an error response.
type errorStyle int

const (
	// headerAndBody: X-Amzn-ErrorType header and a {"__type","message"} body.
	headerAndBody errorStyle = iota
	// headerOnly: X-Amzn-ErrorType header and an empty body (as AWS answers a post to a gone connection).
	headerOnly
	// headerWithNamespace: the header value carries a ":<namespace URI>" suffix, as AWS services often send.
	headerWithNamespace
	// bodyOnly: only the {"__type","message"} body names the error.
	bodyOnly
	// statusOnly: nothing names the error; only the HTTP status tells.
	statusOnly
)

func newFakeGateway(t testing.TB) *fakeGateway {
	g := &fakeGateway{
		t:         t,
		stage:     "dev",
		live:      map[string]ConnectionInfo{},
		forbidden: map[string]bool{},
		throttle:  map[string]int{},
		limit:     MaxPayload,
		lastBody:  map[string][]byte{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/{stage}/@connections/{id}", g.serve)
	g.server = httptest.NewServer(mux)
	t.Cleanup(g.server.Close)
	return g
}

// endpoint is the management URL, stage included, as a profile's management_url.
func (g *fakeGateway) endpoint() string { return g.server.URL + "/" + g.stage }

// addLive registers connections as live, with made-up connection info.
func (g *fakeGateway) addLive(ids ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, id := range ids {
		g.live[id] = ConnectionInfo{
			ConnectedAt:  time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
			LastActiveAt: time.Date(2026, 11, 22, 10, 4, 30, 123_000_000, time.UTC),
			SourceIP:     "203.0.113.7",
			UserAgent:    "okhttp/4.12.0 (" + id + ")",
		}
	}
}

func (g *fakeGateway) set(change func(g *fakeGateway)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	change(g)
}

func (g *fakeGateway) answered() []fakeRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]fakeRequest(nil), g.requests...)
}

func (g *fakeGateway) requestsFor(id string) int {
	n := 0
	for _, r := range g.answered() {
		if r.ID == id {
			n++
		}
	}
	return n
}

func (g *fakeGateway) body(id string) []byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lastBody[id]
}

func (g *fakeGateway) isLive(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.live[id]
	return ok
}

func (g *fakeGateway) serve(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("stage") != g.stage {
		http.NotFound(w, r)
		return
	}
	escapedID := r.URL.EscapedPath()[strings.LastIndex(r.URL.EscapedPath(), "/")+1:]
	id, err := url.PathUnescape(escapedID)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if auth := r.Header.Get("Authorization"); !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") ||
		!strings.Contains(auth, "/us-east-1/execute-api/aws4_request") {
		g.t.Errorf("request for %s not SigV4-signed for execute-api in us-east-1: %q", id, auth)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	g.mu.Lock()
	g.requests = append(g.requests, fakeRequest{Method: r.Method, ID: id, EscapedPath: r.URL.EscapedPath()})
	hold := g.hold
	g.mu.Unlock()
	if hold != nil {
		hold(id)
	}

	g.mu.Lock()
	defer g.mu.Unlock()
	info, live := g.live[id]
	switch {
	case g.throttle[id] != 0:
		g.throttle[id]--
		g.fail(w, http.StatusTooManyRequests, "LimitExceededException", "Rate exceeded")
	case g.forbidden[id]:
		g.fail(w, http.StatusForbidden, "ForbiddenException", "Forbidden")
	case !live:
		g.fail(w, http.StatusGone, "GoneException", "")
	case r.Method == http.MethodPost && len(body) > g.limit:
		g.fail(w, http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "Message too long")
	case r.Method == http.MethodPost:
		g.lastBody[id] = body
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"connectedAt":  info.ConnectedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
			"lastActiveAt": info.LastActiveAt.UTC().Format("2006-01-02T15:04:05.000Z"),
			"identity":     map[string]string{"sourceIp": info.SourceIP, "userAgent": info.UserAgent},
		})
	case r.Method == http.MethodDelete:
		delete(g.live, id)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// fail writes an error response in the fake's current errorStyle. Called with g.mu held.
func (g *fakeGateway) fail(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("X-Amzn-RequestId", "5f6c7e1a-0000-4000-8000-000000000000")
	w.Header().Set("Content-Type", "application/json")
	typedBody := fmt.Sprintf(`{"__type":%q,"message":%q}`, code, message)
	switch g.errorStyle {
	case headerAndBody:
		w.Header().Set("X-Amzn-ErrorType", code)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, typedBody)
	case headerOnly:
		w.Header().Set("X-Amzn-ErrorType", code)
		w.WriteHeader(status)
	case headerWithNamespace:
		w.Header().Set("X-Amzn-ErrorType", code+":http://internal.amazon.com/coral/com.amazonaws.apigatewaymanagementapi/")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"message":%q}`, message)
	case bodyOnly:
		w.WriteHeader(status)
		_, _ = io.WriteString(w, typedBody)
	case statusOnly:
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"message":%q}`, message)
	}
}

// newSDKClient builds the real SDK client against endpoint as the lead does in
// production (static credentials, us-east-1, BaseEndpoint), with SDK retries off
// so that every 429 reaches the engine.
func newSDKClient(tb testing.TB, endpoint string) *apigatewaymanagementapi.Client {
	transport := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	tb.Cleanup(transport.CloseIdleConnections)
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDWSOPSTEST", "wsops-test-secret", ""),
		HTTPClient:       &http.Client{Transport: transport},
		RetryMaxAttempts: 1,
	}
	return apigatewaymanagementapi.NewFromConfig(cfg, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
}

// management is a Management over the real SDK client pointed at the fake.
func (g *fakeGateway) management() *Management {
	return NewManagement(newSDKClient(g.t, g.endpoint()))
}

// connectionID is a deterministic id in AWS's shape: 16 characters of URL-safe
// base64 ending in '='.
func connectionID(n int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "connection-%d", n))
	return base64.URLEncoding.EncodeToString(sum[:11])
}

func connectionIDs(from, count int) []string {
	ids := make([]string, count)
	for i := range ids {
		ids[i] = connectionID(from + i)
	}
	return ids
}
