package mgmt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"wsops/internal/testrig"
)

// Most tests of this package run against the sandbox: a real emulated API
// Gateway stage with live WebSocket clients, reached through the real SDK
// client, exactly as the console reaches AWS.

// starvedRPS throttles a sandbox to one management call: its bucket holds one
// token and the next comes after 1,000 s, far beyond any test.
const starvedRPS = 1e-3

// hangDeadline bounds every wait of a test on the engine: reaching it fails
// the test instead of hanging it. It is never a timing assertion.
const hangDeadline = 15 * time.Second

// within receives one value from ch, failing the test after hangDeadline.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	deadline := time.NewTimer(hangDeadline)
	defer deadline.Stop()
	select {
	case v := <-ch:
		return v
	case <-deadline.C:
		t.Fatalf("no %s within %v", what, hangDeadline)
		panic("unreachable")
	}
}

// startWorld starts a sandbox for the test with live clients and returns it
// with a Client over its (recording) SDK client.
func startWorld(tb testing.TB, opts testrig.WorldOptions) (*testrig.SandboxWorld, *Client) {
	tb.Helper()
	w := testrig.StartSandboxWorld(tb, opts)
	return w, New(w.API)
}

// wrongStage is a Client for the world's API under a stage it does not
// serve: API Gateway answers every call 403 ForbiddenException.
func wrongStage(w *testrig.SandboxWorld) *Client {
	base := strings.TrimSuffix(w.ManagementURL, "/"+w.Sandbox.Endpoints().Stage)
	return New(w.ManagementAPI(base + "/not-" + w.Sandbox.Endpoints().Stage))
}

// exhaustThrottle spends the sandbox's management tokens: it posts to an
// unknown id until the sandbox answers 429, so that the next call is
// throttled unless a token was refilled in between.
func exhaustThrottle(t *testing.T, m *Client) {
	t.Helper()
	for range 10_000 {
		err := m.Post(context.Background(), connectionID(-1), []byte("x"))
		if errors.Is(err, ErrThrottled) {
			return
		}
		if !errors.Is(err, ErrGone) {
			t.Fatalf("spending the sandbox's tokens: %v", err)
		}
	}
	t.Fatal("the sandbox never throttled")
}

// assertReceived checks, once every posted frame has arrived (w.Settle), that
// each client in ids received exactly want, each as one text frame.
func assertReceived(t *testing.T, w *testrig.SandboxWorld, ids []string, want ...[]byte) {
	t.Helper()
	for _, id := range ids {
		frames := w.Client(id).Frames()
		if len(frames) != len(want) {
			t.Errorf("client %s received %d frames %s, want %d", id, len(frames), describe(frames), len(want))
			continue
		}
		for i, f := range frames {
			if f.Type != websocket.MessageText || !bytes.Equal(f.Data, want[i]) {
				t.Errorf("client %s frame %d: %v %q, want text %q", id, i, f.Type, f.Data, want[i])
			}
		}
	}
}

func describe(frames []testrig.Frame) string {
	parts := make([]string, len(frames))
	for i, f := range frames {
		parts[i] = fmt.Sprintf("%q", f.Data)
		if len(parts[i]) > 40 {
			parts[i] = parts[i][:40] + "…"
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// connectionID is a deterministic id in AWS's shape (16 characters of URL-safe
// base64 ending in '='); no sandbox connection has it.
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
