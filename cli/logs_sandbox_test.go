package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"wsops/auth"
	"wsops/internal/testrig"
)

// logLine is one line of `wsops logs -o jsonl`.
type logLine struct {
	Kind                 string
	Message              string
	Route                string
	Status               string
	RequestID            string `json:"request_id"`
	ConnectionID         string `json:"connection_id"`
	IntegrationRequestID string `json:"integration_request_id"`
}

func parseLogLines(t *testing.T, out string) []logLine {
	t.Helper()
	var lines []logLine
	for _, s := range strings.Split(strings.TrimSpace(out), "\n") {
		if s == "" {
			continue
		}
		var l logLine
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			t.Fatalf("%v: %s", err, s)
		}
		lines = append(lines, l)
	}
	return lines
}

// webClient connects to the world's sandbox as a reference system's client
// does (?token=…&platform=web) and returns it, its connection id and token.
func webClient(t *testing.T, w *testrig.SandboxWorld, user string) (*websocket.Conn, string, string) {
	t.Helper()
	token := w.Token(auth.Claims{User: user, EntityType: "customer", App: "customers"})
	before := w.Sandbox.Gateway().IDs()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, w.Sandbox.Endpoints().WebSocketURL+"?token="+url.QueryEscape(token)+"&platform=web", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	for _, id := range w.Sandbox.Gateway().IDs() {
		if !slices.Contains(before, id) {
			return c, id, token
		}
	}
	t.Fatal("no new connection id is live")
	return nil, "", ""
}

// ask sends msg and reads the reply.
func ask(t *testing.T, c *websocket.Conn, msg string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// accessGroup is the wizz sandbox's access log group.
const accessGroup = "/aws/apigateway/WizzUser-WebSocket-dev-access"

// TestLogsTrailOfAClientOnTheSandbox: an independent client connects with
// its token in the query string, sends two messages and leaves; `wsops
// logs --conn` on the sandbox gives its $connect, both routes and its
// $disconnect, each with its execution lines and its handler's START, own
// line, END and REPORT — none of another live connection's — and the token
// is in no output.
func TestLogsTrailOfAClientOnTheSandbox(t *testing.T) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{Clients: 1})
	other := w.IDs[0]
	w.Client(other).Send(t, `{"action":"heartbeat"}`)
	w.Client(other).WaitFrames(t, 1)
	cfg := sandboxDiscoveryConfig(t, w, "wizz")

	c, id, token := webClient(t, w, "u-trail")
	if r := ask(t, c, `{"action":"heartbeat"}`); !strings.Contains(r, "heartbeat_ack") {
		t.Fatalf("heartbeat: %s", r)
	}
	if r := ask(t, c, `{"action":"subscribe_order","orderId":"o-42"}`); !strings.Contains(r, "subscribed") {
		t.Fatalf("subscribe_order: %s", r)
	}
	if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatal(err)
	}
	// The $disconnect runs after the socket closed: read the trail again
	// each time the access log grows, until it is there.
	var out string
	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	for {
		changed := w.Sandbox.Logs().Changed(accessGroup)
		var errOut string
		var code int
		out, errOut, code = run(t, "--config", cfg, "logs", "--conn", id, "-o", "jsonl")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if strings.Contains(out, `"route":"$disconnect"`) {
			break
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("no $disconnect in the trail:\n%s", out)
		}
	}

	lines := parseLogLines(t, out)
	var routes []string
	var head logLine
	handler := map[string][]string{}
	execution := map[string]int{}
	for _, l := range lines {
		if l.ConnectionID != id || strings.Contains(l.Message, other) {
			t.Errorf("a line of another connection in the trail of %s: %+v", id, l)
		}
		switch l.Kind {
		case "access":
			head = l
			routes = append(routes, l.Route)
		case "execution":
			if l.RequestID != head.RequestID {
				t.Errorf("execution line %q under request %s", l.Message, head.RequestID)
			}
			execution[head.Route]++
		case "handler":
			if l.RequestID != head.IntegrationRequestID {
				t.Errorf("handler line %q under request %s (Lambda %s)", l.Message, head.RequestID, head.IntegrationRequestID)
			}
			word, _, _ := strings.Cut(l.Message, " ")
			if f := strings.Split(l.Message, "\t"); len(f) == 4 {
				word = f[2] + " " + f[3]
			}
			handler[head.Route] = append(handler[head.Route], word)
		}
	}
	if strings.Join(routes, " ") != "$connect heartbeat subscribe_order $disconnect" {
		t.Errorf("routes %v, want $connect heartbeat subscribe_order $disconnect", routes)
	}
	for route, own := range map[string]string{
		"$connect":        "INFO connected connectionId=" + id + " userId=u-trail appId=customers entityType=customer platform=web",
		"heartbeat":       "INFO heartbeat connectionId=" + id,
		"subscribe_order": "INFO subscribed order#o-42 connectionId=" + id,
		"$disconnect":     "INFO disconnected connectionId=" + id,
	} {
		if got := strings.Join(handler[route], "|"); got != "START|"+own+"|END|REPORT" {
			t.Errorf("%s's handler lines %q, want START, %q, END, REPORT", route, got, own)
		}
		if execution[route] < 4 {
			t.Errorf("%s: %d execution lines", route, execution[route])
		}
	}
	if !strings.Contains(lines[0].Message, `"queryString":"token=`) || !strings.Contains(lines[0].Message, "&platform=web") {
		t.Errorf("the $connect access line %q carries no query string", lines[0].Message)
	}
	for _, format := range []string{"jsonl", "json", "table"} {
		out, errOut, code := run(t, "--config", cfg, "logs", "--conn", id, "-o", format)
		if code != 0 || !strings.Contains(out, id) {
			t.Fatalf("-o %s: exit %d, %q", format, code, errOut)
		}
		if showsToken(out+errOut, token) {
			t.Errorf("-o %s shows the planted token:\n%s", format, out)
		}
	}
	out, _, _ = run(t, "--config", cfg, "logs", "--since", "10m", "-o", "jsonl")
	if !strings.Contains(out, `\"queryString\":\"token=`) || showsToken(out, token) {
		t.Errorf("the API's lines: the $connect's query string is missing, or its token shows:\n%s", out)
	}
}

// showsToken reports whether out shows token, its payload or its signature.
func showsToken(out, token string) bool {
	parts := strings.Split(token, ".")
	return strings.Contains(out, token) || strings.Contains(out, parts[1]) || strings.Contains(out, parts[2])
}

// sink is a writer that wakes whoever waits for what was written.
type sink struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newSink() *sink { return &sink{changed: make(chan struct{})} }

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.changed)
	s.changed = make(chan struct{})
	return s.buf.Write(p)
}

// String is what was written so far.
func (s *sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor waits until what was written satisfies cond, and returns it.
func (s *sink) waitFor(t *testing.T, what string, cond func(string) bool) string {
	t.Helper()
	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		text, changed := s.buf.String(), s.changed
		s.mu.Unlock()
		if cond(text) {
			return text
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("no %s within 15s; written:\n%s", what, text)
		}
	}
}

// follow runs `wsops logs … --follow` until the test ends, and waits until
// its live tail follows the sandbox's groups.
func follow(t *testing.T, w *testrig.SandboxWorld, args ...string) (*sink, *sink) {
	t.Helper()
	n, changed := w.Sandbox.Logs().LiveTails()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := newSink(), newSink()
	done := make(chan int, 1)
	go func() {
		done <- Execute(ctx, append(args, "--follow"), Streams{In: strings.NewReader(""), Out: out, Err: errOut})
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("wsops %v --follow exited %d: %s", args, code, errOut.String())
		}
	})
	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	for now := n; now <= n; now, changed = w.Sandbox.Logs().LiveTails() {
		select {
		case <-changed:
		case code := <-done:
			done <- code
			t.Fatalf("wsops %v --follow exited %d before following: %s", args, code, errOut.String())
		case <-deadline.C:
			t.Fatalf("wsops %v --follow started no live tail: %s", args, errOut.String())
		}
	}
	return out, errOut
}

// TestLogsFollowOnTheSandbox: `wsops logs --conn ID --follow` streams a
// live client's new message through StartLiveTail within 3 s of its send;
// following the whole API, a new client's $connect line shows without its
// token, as JSON lines and as a table.
func TestLogsFollowOnTheSandbox(t *testing.T) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{})
	cfg := sandboxDiscoveryConfig(t, w, "wizz")
	c, id, _ := webClient(t, w, "u-follow")

	out, errOut := follow(t, w, "--config", cfg, "logs", "--conn", id, "-o", "jsonl")
	sent := time.Now()
	if r := ask(t, c, `{"action":"subscribe_order","orderId":"o-9"}`); !strings.Contains(r, "subscribed") {
		t.Fatalf("subscribe_order: %s", r)
	}
	text := out.waitFor(t, "line of the message", func(s string) bool {
		return strings.Contains(s, `"route":"subscribe_order"`) && strings.Contains(s, "subscribed order#o-9")
	})
	took := time.Since(sent)
	t.Logf("--follow showed the message %v after it was sent", took.Round(time.Millisecond))
	if took > 3*time.Second {
		t.Errorf("--follow showed the message %v after it was sent: want within 3s", took)
	}
	for _, l := range parseLogLines(t, text) {
		if l.ConnectionID != id {
			t.Errorf("a line of another connection: %+v", l)
		}
	}
	if e := errOut.String(); strings.Contains(e, "polling") {
		t.Errorf("the follow polled instead of tailing: %s", e)
	}

	all, _ := follow(t, w, "--config", cfg, "logs", "-o", "jsonl")
	table, _ := follow(t, w, "--config", cfg, "logs")
	_, newID, token := webClient(t, w, "u-new")
	for name, s := range map[string]*sink{"jsonl": all, "table": table} {
		text := s.waitFor(t, "$connect of "+newID, func(s string) bool {
			return strings.Contains(s, newID) && strings.Contains(s, "$connect")
		})
		if showsToken(text, token) {
			t.Errorf("--follow -o %s shows the planted token:\n%s", name, text)
		}
	}
	if text := all.String(); !strings.Contains(text, `\"queryString\":\"token=`) {
		t.Errorf("the followed $connect line has no query string:\n%s", text)
	}
}
