package gateway

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestRouteSelection(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	c, id := h.dial(t, "router", "")
	cases := []struct {
		name  string
		typ   websocket.MessageType
		body  string
		route string
	}{
		{"action matches", websocket.MessageText, `{"action":"echo","data":{"orderId":"o1"}}`, "echo"},
		{"binary frame matches too", websocket.MessageBinary, `{"action":"echo"}`, "echo"},
		{"unknown action", websocket.MessageText, `{"action":"nope"}`, RouteDefault},
		{"action is not a string", websocket.MessageText, `{"action":5}`, RouteDefault},
		{"key match is case-sensitive", websocket.MessageText, `{"Action":"echo"}`, RouteDefault},
		{"action names a built-in route", websocket.MessageText, `{"action":"$connect"}`, RouteDefault},
		{"not JSON", websocket.MessageText, `hello there`, RouteDefault},
		{"JSON but not an object", websocket.MessageText, `["echo"]`, RouteDefault},
		{"no action", websocket.MessageText, `{"type":"ping"}`, RouteDefault},
	}
	for i, tc := range cases {
		write(t, c, tc.typ, []byte(tc.body))
		typ, reply := read(t, c)
		want := `{"route":"$default"}`
		if tc.route == "echo" {
			want = tc.body
		}
		if typ != websocket.MessageText || string(reply) != want {
			t.Errorf("%s: reply %v %q, want text %q", tc.name, typ, reply, want)
		}
		calls := h.b.calls()
		if len(calls) != i+1 || calls[i].Route != tc.route || calls[i].ID != id || string(calls[i].Body) != tc.body {
			t.Fatalf("%s: Handle calls %+v, want route %s with the body", tc.name, calls[len(calls)-1], tc.route)
		}
	}
}

// errorFrameFields parses one of AWS's error frames.
func errorFrameFields(t *testing.T, frame []byte) (message, connectionID, requestID string) {
	t.Helper()
	var f struct {
		Message      string `json:"message"`
		ConnectionID string `json:"connectionId"`
		RequestID    string `json:"requestId"`
	}
	if err := json.Unmarshal(frame, &f); err != nil {
		t.Fatalf("error frame %q is not JSON: %v", frame, err)
	}
	if !idPattern.MatchString(f.RequestID) {
		t.Errorf("requestId %q is not in AWS's shape", f.RequestID)
	}
	return f.Message, f.ConnectionID, f.RequestID
}

func TestNoDefaultRouteAnswersForbidden(t *testing.T) {
	b := newTestBackend()
	b.noDefault = true
	h := newHarness(t, Options{}, b)
	c, id := h.dial(t, "lost", "")
	for _, body := range []string{`{"action":"nope"}`, `not json`} {
		write(t, c, websocket.MessageText, []byte(body))
		_, frame := read(t, c)
		message, connID, _ := errorFrameFields(t, frame)
		if message != "Forbidden" || connID != id {
			t.Errorf("frame %q; want Forbidden for %s", frame, id)
		}
	}
	if n := len(h.b.calls()); n != 0 {
		t.Errorf("%d Handle calls without a route, want 0", n)
	}
	// The connection stays open: a matching action still works.
	write(t, c, websocket.MessageText, []byte(`{"action":"echo"}`))
	if _, reply := read(t, c); string(reply) != `{"action":"echo"}` {
		t.Errorf("echo after Forbidden: %q", reply)
	}
}

func TestHandlerErrorFrame(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	c, id := h.dial(t, "failing", "")
	write(t, c, websocket.MessageText, []byte(`{"action":"fail"}`))
	_, frame := read(t, c)
	message, connID, _ := errorFrameFields(t, frame)
	if message != "Internal server error" || connID != id {
		t.Errorf("frame %q; want Internal server error for %s", frame, id)
	}
	want := fmt.Sprintf(`{"message": "Internal server error", "connectionId":%q, "requestId":`, id)
	if string(frame[:len(want)]) != want {
		t.Errorf("frame %q does not follow AWS's layout %s…", frame, want)
	}
}

func TestHandleRunsInOrderPerConnection(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	c, id := h.dial(t, "ordered", "")
	const n = 50
	for i := range n {
		write(t, c, websocket.MessageText, fmt.Appendf(nil, `{"action":"echo","seq":%d}`, i))
	}
	for i := range n {
		if _, reply := read(t, c); string(reply) != fmt.Sprintf(`{"action":"echo","seq":%d}`, i) {
			t.Fatalf("reply %d: %q", i, reply)
		}
	}
	for i, call := range h.b.calls() {
		if call.ID != id || string(call.Body) != fmt.Sprintf(`{"action":"echo","seq":%d}`, i) {
			t.Fatalf("Handle call %d: %+v", i, call)
		}
	}
}

func TestSlowHandlerBlocksNothingElse(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	slow, slowID := h.dial(t, "slow", "")
	other, _ := h.dial(t, "other", "")
	write(t, slow, websocket.MessageText, []byte(`{"action":"slow"}`))
	eventually(t, "the slow handler to start", func() bool { return len(h.b.calls()) == 1 })

	write(t, other, websocket.MessageText, []byte(`{"action":"echo"}`))
	if _, reply := read(t, other); string(reply) != `{"action":"echo"}` {
		t.Errorf("other connection's echo: %q", reply)
	}
	// The management API still reaches the connection whose handler is busy.
	if err := h.g.Post(t.Context(), slowID, []byte("while busy")); err != nil {
		t.Fatal(err)
	}
	if _, got := read(t, slow); string(got) != "while busy" {
		t.Errorf("post during a slow handler: %q", got)
	}
	close(h.b.release)
	if _, got := read(t, slow); string(got) != "slow done" {
		t.Errorf("slow reply: %q", got)
	}
}

func TestIntegrationTimeoutFrame(t *testing.T) {
	h := newHarness(t, Options{IntegrationTimeout: 100 * time.Millisecond}, nil)
	c, id := h.dial(t, "patient", "")
	write(t, c, websocket.MessageText, []byte(`{"action":"slow"}`))
	_, frame := read(t, c)
	if message, connID, _ := errorFrameFields(t, frame); message != "Endpoint request timed out" || connID != id {
		t.Errorf("frame %q; want Endpoint request timed out for %s", frame, id)
	}
}
