package gateway

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// writeFragmented sends msg as one message in frames of frameSize bytes.
func writeFragmented(t *testing.T, c *websocket.Conn, msg []byte, frameSize int) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	w, err := c.Writer(ctx, websocket.MessageText)
	if err != nil {
		return err
	}
	for off := 0; off < len(msg); off += frameSize {
		if _, err := w.Write(msg[off:min(off+frameSize, len(msg))]); err != nil {
			return err
		}
	}
	return w.Close()
}

// echoMessage is a JSON echo request of exactly size bytes.
func echoMessage(size int) []byte {
	prefix, suffix := `{"action":"echo","pad":"`, `"}`
	return []byte(prefix + strings.Repeat("p", size-len(prefix)-len(suffix)) + suffix)
}

func TestFrameOver32KBCloses1009(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	c, id := h.dial(t, "bigframe", "")
	// Exactly 32 KB in one frame is fine.
	write(t, c, websocket.MessageText, echoMessage(MaxFrameSize))
	if _, reply := read(t, c); len(reply) != MaxFrameSize {
		t.Fatalf("32 KB frame: echo of %d bytes", len(reply))
	}
	// 33 KB in one frame, although far below the message limit, is not.
	write(t, c, websocket.MessageText, echoMessage(33*1024))
	if ce := readClose(t, c); ce.Code != websocket.StatusMessageTooBig {
		t.Errorf("close %v %q, want 1009", ce.Code, ce.Reason)
	}
	h.b.waitDisconnect(t, id)
	if n := len(h.b.calls()); n != 1 {
		t.Errorf("%d Handle calls; the oversized frame must not reach the backend", n)
	}
}

func TestMessageLimitAcrossFrames(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	c, id := h.dial(t, "fragments", "")
	for _, size := range []int{100 * 1024, MaxMessageSize} {
		msg := echoMessage(size)
		if err := writeFragmented(t, c, msg, 4096); err != nil {
			t.Fatal(err)
		}
		if _, reply := read(t, c); !bytes.Equal(reply, msg) {
			t.Fatalf("%d bytes in 4 KB frames: echo of %d bytes", size, len(reply))
		}
	}
	// 130 KB in 4 KB frames: every frame is small, the message is not.
	_ = writeFragmented(t, c, echoMessage(130*1024), 4096) // may fail once the server closed
	if ce := readClose(t, c); ce.Code != websocket.StatusMessageTooBig {
		t.Errorf("close %v %q, want 1009", ce.Code, ce.Reason)
	}
	h.b.waitDisconnect(t, id)
	if n := len(h.b.calls()); n != 2 {
		t.Errorf("%d Handle calls, want 2", n)
	}
}

// TestFramesSentWithTheHandshake covers bytes the HTTP server buffered before
// the hijack: a client that pipelines its first frames behind the upgrade.
func TestFramesSentWithTheHandshake(t *testing.T) {
	h := newHarness(t, Options{}, nil)
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(wait))
	handshake := "GET /dev?name=eager HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	var out bytes.Buffer
	out.WriteString(handshake)
	out.Write(clientFrame(0x1, true, []byte(`{"action":"echo","n":1}`)))
	out.Write(clientFrame(0x1, true, make([]byte, MaxFrameSize+1)))
	if _, err := conn.Write(out.Bytes()); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	op, payload := readServerFrame(t, br)
	if op == 0x1 { // the echo of the first message may or may not beat the close
		op, payload = readServerFrame(t, br)
	}
	if op != 0x8 || len(payload) < 2 || int(payload[0])<<8|int(payload[1]) != int(websocket.StatusMessageTooBig) {
		t.Errorf("frame: op %d %q, want close 1009", op, payload)
	}
	_, _ = conn.Write(clientFrame(0x8, true, payload[:2])) // complete the close handshake
	id := h.b.id("eager")
	h.b.waitDisconnect(t, id)
	// The frame that came in the handshake's packet reached its route; the
	// oversized one did not.
	if calls := h.b.calls(); len(calls) != 1 || string(calls[0].Body) != `{"action":"echo","n":1}` {
		t.Errorf("Handle calls %+v, want only the first frame's message", calls)
	}
}

// readServerFrame reads one unmasked frame with a short payload.
func readServerFrame(t *testing.T, br *bufio.Reader) (byte, []byte) {
	t.Helper()
	head := make([]byte, 2)
	if _, err := readFull(br, head); err != nil {
		t.Fatal(err)
	}
	n := int(head[1] & 0x7f)
	if n == 126 {
		ext := make([]byte, 2)
		if _, err := readFull(br, ext); err != nil {
			t.Fatal(err)
		}
		n = int(ext[0])<<8 | int(ext[1])
	}
	payload := make([]byte, n)
	if _, err := readFull(br, payload); err != nil {
		t.Fatal(err)
	}
	return head[0] & 0x0f, payload
}

func readFull(br *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := br.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func TestIdleTimeoutClosesGoingAway(t *testing.T) {
	h := newHarness(t, Options{IdleTimeout: 200 * time.Millisecond}, nil)
	c, id := h.dial(t, "idle", "")
	if ce := readClose(t, c); ce.Code != websocket.StatusGoingAway || ce.Reason != "Going away" {
		t.Errorf("close %v %q, want 1001 Going away", ce.Code, ce.Reason)
	}
	h.b.waitDisconnect(t, id)
	if h.g.Count() != 0 {
		t.Errorf("Count() = %d after idle timeout", h.g.Count())
	}
}

func TestIdleTimerRearmsAfterActivity(t *testing.T) {
	// The first expiry finds recent activity and re-arms for the remainder.
	h := newHarness(t, Options{IdleTimeout: time.Hour}, nil)
	client, id := h.dial(t, "busy", "")
	readUntilClosed(client)
	c := h.g.lookup(id)
	c.touch()
	c.checkIdle()
	if c.closing.Load() {
		t.Fatal("a connection active just now was closed as idle")
	}
	c.lastMono.Store(c.g.mono() - int64(2*time.Hour))
	c.checkIdle()
	if !c.closing.Load() {
		t.Fatal("a connection idle for two hours stayed open")
	}
	h.b.waitDisconnect(t, id)
}

func TestMaxDurationClosesGoingAway(t *testing.T) {
	h := newHarness(t, Options{MaxDuration: 200 * time.Millisecond, IdleTimeout: time.Hour}, nil)
	c, id := h.dial(t, "old", "")
	if ce := readClose(t, c); ce.Code != websocket.StatusGoingAway || ce.Reason != "Going away" {
		t.Errorf("close %v %q, want 1001 Going away", ce.Code, ce.Reason)
	}
	h.b.waitDisconnect(t, id)
}
