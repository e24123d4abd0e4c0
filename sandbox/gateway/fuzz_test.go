package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// guardRun is what the frame guard made of a stream read in some chunking.
type guardRun struct {
	out    []byte // every byte handed on, across limit errors
	trips  int    // limit errors
	limits int32  // the last limit broken
}

// readGuarded drains stream through a fresh guard, reading on after each
// limit error as the close handshake does, with chunk sizes drawn from seed.
func readGuarded(stream []byte, seed uint64) (guardRun, error) {
	g, rnd, _ := newTestGuard(bytes.Clone(stream), seed)
	var run guardRun
	buf := make([]byte, 64*1024) // one buffer: drain's allocations would dominate the fuzzing
	for range len(stream) + 2 {
		var err error
		for err == nil {
			p := buf[:1+rnd.IntN(100)]
			if rnd.IntN(5) == 0 {
				p = buf
			}
			var n int
			n, err = g.Read(p)
			run.out = append(run.out, p[:n]...)
		}
		switch {
		case errors.Is(err, io.EOF):
			run.limits = g.limit()
			return run, nil
		case errors.Is(err, errLimit):
			run.trips++
		default:
			return run, err
		}
	}
	return run, errors.New("the guard never reached the end of the stream")
}

// FuzzFrameGuard feeds arbitrary client bytes through the frame guard in two
// different chunkings. The guard must not panic, must reach the end, must
// hand on the same bytes and trip the same limits whatever the chunking, never
// hand on more than it read, and pass a stream that breaks no limit unchanged.
func FuzzFrameGuard(f *testing.F) {
	f.Add(clientFrame(0x1, true, []byte(`{"action":"echo"}`)), uint64(1), uint64(2))
	f.Add(append(clientFrame(0x1, false, []byte("a")), clientFrame(0x0, true, []byte("b"))...), uint64(3), uint64(4))
	f.Add(clientFrame(0x2, true, make([]byte, MaxFrameSize+1)), uint64(5), uint64(6))
	f.Add([]byte{0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, uint64(7), uint64(8))
	f.Add([]byte{0x89, 0x7e}, uint64(9), uint64(10))
	f.Fuzz(func(t *testing.T, stream []byte, seedA, seedB uint64) {
		a, errA := readGuarded(stream, seedA)
		b, errB := readGuarded(stream, seedB)
		if errA != nil || errB != nil {
			t.Fatalf("guard failed: %v / %v", errA, errB)
		}
		if !bytes.Equal(a.out, b.out) || a.trips != b.trips || a.limits != b.limits {
			t.Fatalf("chunkings disagree: %d bytes, %d trips, limit %d vs %d bytes, %d trips, limit %d",
				len(a.out), a.trips, a.limits, len(b.out), b.trips, b.limits)
		}
		if len(a.out) > len(stream) {
			t.Fatalf("handed on %d bytes of %d", len(a.out), len(stream))
		}
		if a.trips == 0 && !bytes.Equal(a.out, stream) {
			t.Fatalf("no limit broken, yet the stream changed")
		}
	})
}

// routedGateway is a gateway whose backend has the routes echo and
// subscribe_order, with or without $default, for route selection alone.
func routedGateway(withDefault bool) *Gateway {
	routes := []string{RouteConnect, RouteDisconnect, "echo", "subscribe_order"}
	if withDefault {
		routes = append(routes, RouteDefault)
	}
	return New(Options{}, routesOnly(routes))
}

// routesOnly is a Backend that only names its routes.
type routesOnly []string

func (r routesOnly) Routes() []string { return r }
func (routesOnly) Connect(_ context.Context, _ Conn) (any, error) {
	return nil, nil
}
func (routesOnly) Disconnect(context.Context, Conn) {}
func (routesOnly) Handle(context.Context, Conn, string, []byte) ([]byte, error) {
	return nil, nil
}

// FuzzRouteSelection evaluates $request.body.action on arbitrary bodies: the
// route is a named one exactly when the body is a JSON object whose
// top-level "action" is that route's name, else $default (or no route when
// the API has none).
func FuzzRouteSelection(f *testing.F) {
	for _, s := range []string{`{"action":"echo"}`, `{"action":"nope"}`, `{"action":5}`, `["echo"]`, `hello`,
		`{"action":"echo","action":"subscribe_order"}`, `{"action":"$connect"}`, `{"Action":"echo"}`, "{\"action\":\"ech\\u006f\"}", ``} {
		f.Add([]byte(s))
	}
	withDefault, without := routedGateway(true), routedGateway(false)
	f.Fuzz(func(t *testing.T, body []byte) {
		want := ""
		var fields map[string]json.RawMessage
		if json.Unmarshal(body, &fields) == nil {
			var action string
			if raw, ok := fields["action"]; ok && json.Unmarshal(raw, &action) == nil && (action == "echo" || action == "subscribe_order") {
				want = action
			}
		}
		got := withDefault.selectRoute(body)
		if (want != "" && got != want) || (want == "" && got != RouteDefault) {
			t.Fatalf("with $default: %q routed to %q, want %q", body, got, want)
		}
		if got := without.selectRoute(body); got != want {
			t.Fatalf("without $default: %q routed to %q, want %q", body, got, want)
		}
	})
}

// FuzzManagementRequest sends arbitrary methods, paths, bodies and
// signatures to a stage with no live connection. Whatever arrives, the
// answer is one API Gateway gives: a WebSocket path gets an upgrade answer,
// an @connections path 403 (unsigned or an unknown method), 410 or 413 with
// a typed JSON error, and any other path 403 {"message":"Forbidden"}.
func FuzzManagementRequest(f *testing.F) {
	f.Add("POST", "/dev/@connections/L0SM9cOFvHcCIhw%3D", []byte(`{"x":1}`), true)
	f.Add("GET", "/dev/@connections/abc", []byte{}, true)
	f.Add("DELETE", "/dev/%40connections/abc", []byte{}, false)
	f.Add("PATCH", "/dev/@connections/abc", []byte{}, true)
	f.Add("POST", "/dev/@connections/%zz", []byte{}, true)
	f.Add("GET", "/dev", []byte{}, false)
	f.Add("GET", "/other/@connections/abc/extra", []byte{}, true)
	f.Add("POST", "/dev/@connections/x", bytes.Repeat([]byte("a"), MaxMessageSize+1), true)
	g := New(Options{}, routesOnly{RouteDefault})
	defer g.Close()
	f.Fuzz(func(t *testing.T, method, path string, body []byte, signed bool) {
		u, err := url.Parse(path)
		if err != nil || method == "" || strings.ContainsAny(method, " \t\r\n") {
			return // no HTTP server would hand such a request on
		}
		r := httptest.NewRequest(http.MethodGet, "/", bytes.NewReader(body))
		r.Method, r.URL, r.RequestURI = method, u, u.RequestURI()
		if signed {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/execute-api/aws4_request")
		}
		w := httptest.NewRecorder()
		g.ServeHTTP(w, r)
		status := w.Code
		segments := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
		management := len(segments) == 3 && unescaped(segments[1]) == "@connections" && unescaped(segments[0]) == "dev"
		switch {
		case management && status == http.StatusForbidden:
		case management && (status == http.StatusGone || status == http.StatusRequestEntityTooLarge):
			var e struct {
				Type string `json:"__type"`
			}
			if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Type == "" || w.Header().Get("X-Amzn-ErrorType") != e.Type {
				t.Fatalf("%s %s: %d with an untyped body %q", method, path, status, w.Body.Bytes())
			}
		case management:
			t.Fatalf("%s %s (signed %v) to a stage with no connection: %d", method, path, signed, status)
		case status == http.StatusForbidden:
			if w.Body.String() != `{"message":"Forbidden"}` && !json.Valid(w.Body.Bytes()) {
				t.Fatalf("%s %s: 403 body %q", method, path, w.Body.Bytes())
			}
		case status == http.StatusUpgradeRequired || status == http.StatusBadRequest:
		default:
			t.Fatalf("%s %s: unexpected %d %q", method, path, status, w.Body.Bytes())
		}
		if g.Count() != 0 {
			t.Fatalf("%s %s opened a connection", method, path)
		}
	})
}
