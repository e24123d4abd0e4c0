package gateway

import (
	"bytes"
	"context"
	"testing"

	"github.com/coder/websocket"
)

// A client that streams a 20 MB message in fragments goes on writing after
// the gateway decided to close. The gateway must read (and drop) the rest of
// the message until the client's close frame: were it to close the socket
// with those bytes unread, the client's writes would fail with a reset and
// the client would report 1006 instead of the 1009 sent to it. The client
// here writes the whole message before it reads, as a browser's send does.
func TestHugeFragmentedMessageCloses1009(t *testing.T) {
	const size = 20 << 20
	for _, tc := range []struct {
		name  string
		frame int
		why   string
	}{
		{"16 KB fragments", 16 << 10, reasonMessageLimit},
		{"40 KB fragments", 40 << 10, reasonFrameTooBig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{}, nil)
			c, id := h.dial(t, "huge", "")
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			w, err := c.Writer(ctx, websocket.MessageText)
			if err != nil {
				t.Fatal(err)
			}
			chunk := bytes.Repeat([]byte("x"), tc.frame)
			written := 0
			for written < size {
				n, err := w.Write(chunk)
				written += n
				if err != nil {
					t.Fatalf("write failed after %d of %d bytes: %v", written, size, err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatalf("ending the message: %v", err)
			}
			if ce := readClose(t, c); ce.Code != websocket.StatusMessageTooBig || ce.Reason != tc.why {
				t.Errorf("close %v %q, want 1009 %q", ce.Code, ce.Reason, tc.why)
			}
			h.b.waitDisconnect(t, id)
			if n := len(h.b.calls()); n != 0 {
				t.Errorf("%d Handle calls; the oversized message must not reach the backend", n)
			}
		})
	}
}
