package cloud

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/coder/websocket"

	"wsops/config"
	"wsops/internal/testrig"
	"wsops/mgmt"
)

// received is one request as a server saw it.
type received struct {
	method, requestURI, host string
	header                   http.Header
	body                     []byte
}

// recordingGateway answers the management API's three calls as API Gateway
// does (POST 200 empty, GET 200 with the connection's JSON, DELETE 204) and
// keeps every request it received.
func recordingGateway(t *testing.T) (*httptest.Server, func() []received) {
	t.Helper()
	var (
		mu  sync.Mutex
		got []received
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading the body of %s %s: %v", r.Method, r.RequestURI, err)
		}
		mu.Lock()
		got = append(got, received{r.Method, r.RequestURI, r.Host, r.Header.Clone(), body})
		mu.Unlock()
		switch r.Method {
		case http.MethodGet:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"connectedAt":"2026-12-03T10:00:00.000Z","identity":{"sourceIp":"192.0.2.7","userAgent":"app/1"},"lastActiveAt":"2026-12-03T10:05:00.000Z"}`)
		case http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received {
		mu.Lock()
		defer mu.Unlock()
		return append([]received(nil), got...)
	}
}

// The management client cloud.New builds sends what API Gateway expects:
// the connection's percent-encoded path under the stage, the body as given
// (small ones copied for oneWriteBodies, large ones streamed), and a SigV4
// signature for execute-api that is valid for the request as received.
func TestManagementRequestsAreSignedAndIntact(t *testing.T) {
	srv, requests := recordingGateway(t)
	p := &config.Profile{Name: "t", Sandbox: true, Region: "us-east-1", ManagementURL: srv.URL + "/dev"}
	cl, err := New(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	m := mgmt.New(cl.Management)
	ctx := context.Background()
	const id = "AbCdEfGhIjKlMnO="
	small := []byte(`{"type":"ping"}`)
	large := bytes.Repeat([]byte("x"), 100<<10) // over oneWriteMax: not copied
	edge := bytes.Repeat([]byte("y"), oneWriteMax)
	for _, payload := range [][]byte{small, edge, large} {
		if err := m.Post(ctx, id, payload); err != nil {
			t.Fatalf("post of %d bytes: %v", len(payload), err)
		}
	}
	info, err := m.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if info.SourceIP != "192.0.2.7" || info.UserAgent != "app/1" || info.ConnectedAt.IsZero() {
		t.Errorf("GetConnection read %+v", info)
	}
	if err := m.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}

	want := []struct {
		method string
		body   []byte
	}{{"POST", small}, {"POST", edge}, {"POST", large}, {"GET", nil}, {"DELETE", nil}}
	got := requests()
	if len(got) != len(want) {
		t.Fatalf("the server received %d requests, want %d", len(got), len(want))
	}
	for i, w := range want {
		r := got[i]
		if r.method != w.method || r.requestURI != "/dev/@connections/AbCdEfGhIjKlMnO%3D" {
			t.Errorf("request %d: %s %s, want %s /dev/@connections/AbCdEfGhIjKlMnO%%3D", i, r.method, r.requestURI, w.method)
		}
		if !bytes.Equal(r.body, w.body) {
			t.Errorf("request %d (%s): the body received (%d bytes) differs from the one sent (%d bytes)", i, r.method, len(r.body), len(w.body))
		}
		verifySigV4(t, r)
	}
}

// Against the sandbox, the management client cloud.New builds delivers a
// small and a large post as text frames, reads the connection, closes it,
// and then maps the sandbox's 410 to mgmt.ErrGone.
func TestManagementClientAgainstTheSandbox(t *testing.T) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{Clients: 1})
	p := &config.Profile{Name: "t", Sandbox: true, Region: "us-east-1", ManagementURL: w.ManagementURL}
	cl, err := New(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	m := mgmt.New(cl.Management)
	ctx := context.Background()
	id := w.IDs[0]
	small, large := []byte(`{"type":"ping"}`), bytes.Repeat([]byte("z"), 64<<10)
	for _, payload := range [][]byte{small, large} {
		if err := m.Post(ctx, id, payload); err != nil {
			t.Fatalf("post of %d bytes: %v", len(payload), err)
		}
	}
	frames := w.Client(id).WaitFrames(t, 2)
	if len(frames) != 2 || !bytes.Equal(frames[0].Data, small) || !bytes.Equal(frames[1].Data, large) || frames[1].Type != websocket.MessageText {
		t.Errorf("the client received %d frames, want the two posts as text", len(frames))
	}
	info, err := m.Get(ctx, id)
	if err != nil || info.ConnectedAt.IsZero() || info.SourceIP == "" {
		t.Fatalf("get: %+v, %v", info, err)
	}
	if err := m.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if code := w.Client(id).WaitClosed(t); code != websocket.StatusNormalClosure {
		t.Errorf("the client saw close code %d, want 1000", code)
	}
	if err := m.Post(ctx, id, small); !errors.Is(err, mgmt.ErrGone) {
		t.Errorf("post to the closed connection: %v, want ErrGone", err)
	}
}

var authorizationRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=sandbox/\d{8}/us-east-1/execute-api/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$`)

// verifySigV4 signs again, with the sandbox profile's credentials, a request
// made of what r's signature covers as the server received it (method, path,
// signed headers, the body's hash, X-Amz-Date): the two must be the same.
func verifySigV4(t *testing.T, r received) {
	t.Helper()
	auth := r.header.Get("Authorization")
	m := authorizationRE.FindStringSubmatch(auth)
	if m == nil {
		t.Errorf("%s: Authorization %q is not a SigV4 signature for execute-api in us-east-1", r.method, auth)
		return
	}
	signedAt, err := time.Parse("20060102T150405Z", r.header.Get("X-Amz-Date"))
	if err != nil {
		t.Errorf("%s: X-Amz-Date: %v", r.method, err)
		return
	}
	req, err := http.NewRequest(r.method, "http://"+r.host+r.requestURI, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range strings.Split(m[1], ";") {
		switch name {
		case "host":
			req.Host = r.host
		case "content-length":
			req.ContentLength = int64(len(r.body))
		default:
			req.Header[http.CanonicalHeaderKey(name)] = r.header.Values(name)
		}
	}
	sum := sha256.Sum256(r.body)
	creds := aws.Credentials{AccessKeyID: "sandbox", SecretAccessKey: "sandbox"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", signedAt); err != nil {
		t.Fatal(err)
	}
	if again := req.Header.Get("Authorization"); again != auth {
		t.Errorf("%s: the signature does not match the request received:\n got  %s\n want %s", r.method, auth, again)
	}
}

// countingConn counts the writes made on a connection.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// A PostToConnection with a small body leaves in one write with
// oneWriteBodies; the SDK's client alone takes two (headers, then body). If
// the second half fails, net/http no longer splits the SDK's requests and
// oneWriteBodies can go.
func TestSmallPostLeavesInOneWrite(t *testing.T) {
	srv, _ := recordingGateway(t)
	cases := []struct {
		name   string
		opts   func(*apigatewaymanagementapi.Options)
		writes int64
	}{
		{"managementOptions", managementOptions(srv.URL + "/dev"), 1},
		{"the SDK's client alone", func(o *apigatewaymanagementapi.Options) {
			o.BaseEndpoint = aws.String(srv.URL + "/dev")
			o.RetryMaxAttempts = 1
		}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var writes atomic.Int64
			dialer := &net.Dialer{}
			tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				conn, err := dialer.DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return countingConn{Conn: conn, writes: &writes}, nil
			}}
			t.Cleanup(tr.CloseIdleConnections)
			cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("sandbox", "sandbox", ""), HTTPClient: &http.Client{Transport: tr}}
			m := mgmt.New(apigatewaymanagementapi.NewFromConfig(cfg, c.opts))
			const posts = 5
			for range posts {
				if err := m.Post(context.Background(), "AbCdEfGhIjKlMnO=", []byte(`{"type":"ping"}`)); err != nil {
					t.Fatal(err)
				}
			}
			if got := writes.Load(); got != posts*c.writes {
				t.Errorf("%d posts took %d writes, want %d each", posts, got, c.writes)
			}
		})
	}
}

// shortBody claims more bytes than it has.
type shortBody struct{ io.Reader }

func (shortBody) Close() error { return nil }

// A body shorter than its Content-Length fails the call, as net/http fails
// it, instead of sending a truncated request.
func TestOneWriteBodiesRefusesAShortBody(t *testing.T) {
	next := doFunc(func(*http.Request) (*http.Response, error) {
		t.Error("a short body was sent")
		return nil, errors.New("sent")
	})
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:9/dev/@connections/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Body = shortBody{strings.NewReader("abc")}
	req.ContentLength = 10
	if _, err := (oneWriteBodies{next: next}).Do(req); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Do: %v, want io.ErrUnexpectedEOF", err)
	}
}

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
