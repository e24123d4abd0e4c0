package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"wsops/auth"
	"wsops/data"
	"wsops/internal/testrig"
	"wsops/mgmt"
	"wsops/sandbox"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// world is a running sandbox with the console-side clients pointed at it.
type world struct {
	sb       *sandbox.Sandbox
	registry data.Store
	mgmt     *mgmt.Client
	secret   []byte
}

// start runs a sandbox that the test's cleanup closes.
func start(t *testing.T, cfg sandbox.Config) world {
	t.Helper()
	w := startRaw(t, cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := w.sb.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return w
}

// startRaw runs a sandbox the test must close itself.
func startRaw(t *testing.T, cfg sandbox.Config) world {
	t.Helper()
	cfg.Addr, cfg.DynamoAddr, cfg.MongoAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.Secret = []byte("test-secret")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sb, err := sandbox.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := sb.Endpoints()
	var reg data.Store
	if e.MongoDBURI != "" {
		m, err := data.DialMongo(e.MongoDBURI, data.This27MongoSchema(), data.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = m.Close(context.Background()) })
		reg = m
	} else {
		schema, _ := data.PresetSchema(e.Preset)
		reg = data.NewRegistry(testrig.DynamoClient(e.DynamoDBURL), schema, data.Options{})
	}
	api := apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(e.ManagementURL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("sandbox", "sandbox", ""),
	})
	return world{
		sb:       sb,
		registry: reg,
		mgmt:     mgmt.New(api),
		secret:   cfg.Secret,
	}
}

// dial connects a client as claims on platform.
func (w world) dial(t *testing.T, claims auth.Claims, platform string) *websocket.Conn {
	t.Helper()
	tok, err := auth.Mint(w.secret, claims, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	u := w.sb.Endpoints().WebSocketURL + "?" + url.Values{"token": {tok}, "platform": {platform}}.Encode()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		t.Fatalf("dial as %+v: %v", claims, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func roundTrip(t *testing.T, c *websocket.Conn, msg string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("reply to %s: %v", msg, err)
	}
	var reply map[string]any
	if err := json.Unmarshal(b, &reply); err != nil {
		t.Fatalf("reply %q is not JSON", b)
	}
	return reply
}

// eventually polls cond until it holds, for registry writes that follow a
// socket event the test cannot observe directly ($disconnect).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitFor(t, what, 10*time.Second, cond)
}

// waitFor polls cond (a state the test can only read) until it holds, and
// fails the test when limit passes first.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	if !waitUntil(limit, cond) {
		t.Fatalf("%s: not within %v", what, limit)
	}
}

// waitUntil polls cond until it holds or limit passes.
func waitUntil(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

func TestWizzEndToEnd(t *testing.T) {
	w := start(t, sandbox.Config{Preset: "wizz"})
	ctx := context.Background()
	m := w.dial(t, auth.Claims{User: "m-1", EntityType: "merchant", App: "order-receiver", BusinessID: "b-7"}, "android")

	if r := roundTrip(t, m, `{"action":"heartbeat"}`); r["type"] != "heartbeat_ack" {
		t.Fatalf("heartbeat reply %v", r)
	}
	if r := roundTrip(t, m, `{"action":"subscribe_business_status","businessId":"b-7"}`); r["topic"] != "business_status#b-7" {
		t.Fatalf("subscribe reply %v", r)
	}
	conns, err := w.registry.ConnectionsOf(ctx, "m-1")
	if err != nil || len(conns) != 1 {
		t.Fatalf("registry has %d connections of m-1 (%v)", len(conns), err)
	}
	c := conns[0]
	if c.EntityType != "merchant" || c.App != "order-receiver" || c.Platform != "android" || len(c.Problems) != 0 {
		t.Fatalf("record %+v", c)
	}

	// The console's management client reaches the same socket.
	info, err := w.mgmt.Get(ctx, c.ID)
	if err != nil || info.ConnectedAt.IsZero() {
		t.Fatalf("GetConnection: %+v, %v", info, err)
	}
	if err := w.mgmt.Post(ctx, c.ID, []byte(`{"hello":"merchant"}`)); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, b, err := m.Read(rctx); err != nil || string(b) != `{"hello":"merchant"}` {
		t.Fatalf("posted frame: %q, %v", b, err)
	}
	if err := w.mgmt.Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Read(rctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after DeleteConnection the client saw %v, want close 1000", err)
	}
	eventually(t, "$disconnect removes the records", func() bool {
		conns, _ := w.registry.ConnectionsOf(ctx, "m-1")
		subs, _ := w.registry.SubscriptionsOf(ctx, c.ID)
		return len(conns) == 0 && len(subs) == 0
	})
	if err := w.mgmt.Post(ctx, c.ID, []byte("x")); !errors.Is(err, mgmt.ErrGone) {
		t.Fatalf("post after delete: %v, want ErrGone", err)
	}
}

func TestThis27EndToEnd(t *testing.T) {
	w := start(t, sandbox.Config{Preset: "this27"})
	r := w.dial(t, auth.Claims{User: "rider-9", EntityType: "rider", App: "rider-app"}, "ios")
	reply := roundTrip(t, r, `{"action":"subscribeToOrder","data":{"orderId":"order123"}}`)
	if d, _ := reply["data"].(map[string]any); reply["type"] != "subscribed" || d["room"] != "order:order123" {
		t.Fatalf("subscribeToOrder reply %v", reply)
	}
	subs, err := data.Collect(context.Background(), w.registry.Subscriptions(context.Background(), data.Select{Topic: "order:order123"}))
	if err != nil || len(subs) != 1 {
		t.Fatalf("room members %d (%v)", len(subs), err)
	}
	conns, err := w.registry.ConnectionsOf(context.Background(), "rider-9")
	if err != nil || len(conns) != 1 || conns[0].EntityType != "rider" || !strings.HasSuffix(conns[0].ID, "=") {
		t.Fatalf("this27 record %+v (%v)", conns, err)
	}
}

func TestDemoTrafficFillsTheRegistry(t *testing.T) {
	w := start(t, sandbox.Config{Preset: "wizz", Demo: 30})
	ctx := context.Background()
	eventually(t, "demo clients and stale records in the registry", func() bool {
		sum, err := data.Summarize(context.Background(), w.registry.Connections(ctx, data.Select{}))
		return err == nil && sum.Total >= 33 && len(sum.Cells()) >= 3
	})
	eventually(t, "every demo client connected", func() bool { return w.sb.Gateway().Count() == 30 })
}
