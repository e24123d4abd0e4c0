package sandbox_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/coder/websocket"

	"wsops/auth"
	"wsops/data"
	"wsops/internal/testrig"
	"wsops/sandbox"
	"wsops/sandbox/dynamo"
)

// ownDynamo serves the sandbox's tables from a DynamoDB the test owns, so the
// registry can be read after the sandbox has closed.
func ownDynamo(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := dynamo.Serve(l)
	t.Cleanup(func() { stop(context.Background()) })
	return "http://" + l.Addr().String()
}

// Close waits for every $disconnect, so after it the registry shows exactly
// which disconnect events were delivered.
func TestDroppedDisconnectsLeaveStaleRecords(t *testing.T) {
	for _, tc := range []struct {
		drop float64
		left int
	}{{drop: 1, left: 3}, {drop: 0, left: 0}} {
		url := ownDynamo(t)
		w := startRaw(t, sandbox.Config{Preset: "wizz", DynamoURL: url, DropDisconnects: tc.drop})
		for i := range 3 {
			c := w.dial(t, auth.Claims{User: "stale-user", App: "drivers"}, "ios")
			roundTrip(t, c, `{"action":"heartbeat"}`)
			if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
				t.Fatalf("client %d close: %v", i, err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		if err := w.sb.Close(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		conns, err := data.NewRegistry(testrig.DynamoClient(url), data.WizzSchema(), data.Options{}).
			ConnectionsOf(context.Background(), "stale-user")
		if err != nil || len(conns) != tc.left {
			t.Fatalf("drop-disconnects %v: %d records left (%v), want %d", tc.drop, len(conns), err, tc.left)
		}
	}
}

func TestIdleTimeoutClosesAndCleansUp(t *testing.T) {
	w := start(t, sandbox.Config{Preset: "this27", IdleTimeout: 300 * time.Millisecond})
	c := w.dial(t, auth.Claims{User: "idle-manager", App: "manager-web"}, "web")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("idle client saw %v, want close 1001", err)
	}
	eventually(t, "$disconnect after the idle close", func() bool {
		conns, err := w.registry.ConnectionsOf(context.Background(), "idle-manager")
		return err == nil && len(conns) == 0
	})
}
