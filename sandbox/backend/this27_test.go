package backend_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/auth"
	"wsops/data"
	"wsops/sandbox/backend"
	"wsops/sandbox/gateway"
)

func TestThis27Rooms(t *testing.T) {
	eachBackend(t, data.This27Schema(), func(t *testing.T, e env) {
		b := e.this27()
		if got := b.Routes(); !slices.Equal(got, []string{"$default"}) {
			t.Errorf("Routes() = %v, want [$default]", got)
		}
		c := connect(t, b, conn("r1", token(t, auth.Claims{User: "rider-9", App: "rider-app"}), "android"))
		wantReply(t, send(t, b, c, "$default", `{"action":"subscribeToOrder","data":{"orderId":"order123"}}`),
			`{"type":"subscribed","data":{"room":"order:order123"}}`)
		wantItem(t, e.subscriptionItem(t, "r1", "order:order123"), map[string]any{"room": "order:order123", "connectionId": "r1"})
		members, err := data.Collect(context.Background(), e.reg.Subscriptions(context.Background(), data.Select{Topic: "order:order123"}))
		if err != nil || len(members) != 1 || members[0].ConnectionID != "r1" {
			t.Errorf("room members %+v (err %v), want r1", members, err)
		}
		wantReply(t, send(t, b, c, "$default", `{"action":"unsubscribeFromOrder","data":{"orderId":"order123"}}`),
			`{"type":"unsubscribed","data":{"room":"order:order123"}}`)
		if got := e.subscriptionItem(t, "r1", "order:order123"); got != nil {
			t.Errorf("still in the room: %v", got)
		}
		for body, want := range map[string]string{
			`{"action":"ping"}`:                          `{"type":"pong"}`,
			`{"action":"subscribe_order","orderId":"1"}`: `{"type":"error","message":"Unknown action"}`,
			`{"action":"subscribeToOrder"}`:              `{"type":"error","message":"orderId required"}`,
			`{"action":"subscribeToOrder","data":"x"}`:   `{"type":"error","message":"orderId required"}`,
			`[1,2]`:      `{"type":"error","message":"Unknown action"}`,
			`{"action":`: `{"type":"error","message":"Invalid JSON"}`,
			`hello`:      `{"type":"error","message":"Invalid JSON"}`,
		} {
			wantReply(t, send(t, b, c, "$default", body), want)
		}
		if subs := e.subscriptions(t, "r1"); len(subs) != 0 {
			t.Errorf("rooms after rejected messages: %+v", subs)
		}
	})
}

// renamedWizz is the wizz schema with every table, key, index and
// attribute renamed, as a profile's schema overrides can.
func renamedWizz() data.Schema {
	s := data.WizzSchema()
	s.Connections.Table = data.Table{Name: "conns", HashKey: "cid", Indexes: []data.Index{{Name: "by-user", HashKey: "uid"}}}
	s.Connections.Attrs = data.ConnectionAttrs{
		ID: "cid", User: "uid", EntityType: "kind", App: "application", Platform: "os",
		ConnectedAt: "since", TTL: "expiresAt", SourceIP: "ip", UserAgent: "ua", BusinessID: "shop",
	}
	s.Subscriptions.Table = data.Table{Name: "subs", HashKey: "cid", RangeKey: "topic", Indexes: []data.Index{{Name: "by-topic", HashKey: "topic"}}}
	s.Subscriptions.Attrs = data.SubscriptionAttrs{
		ConnectionID: "cid", Key: "topic", User: "uid", EntityType: "kind", Active: "on", CreatedAt: "made", TTL: "expiresAt",
	}
	return s
}

func TestRenamedSchemaIsHonoured(t *testing.T) {
	eachBackend(t, renamedWizz(), func(t *testing.T, e env) {
		b := e.wizz(0)
		c := connect(t, b, conn("x1", token(t, auth.Claims{User: "m", App: "order-receiver", BusinessID: "b5"}), "web"))
		wantItem(t, e.connectionItem(t, "x1"), map[string]any{
			"cid": "x1", "uid": "m", "kind": "merchant", "application": "order-receiver", "os": "web",
			"since": n(t0.UnixMilli()), "expiresAt": n(t0.Add(3 * time.Hour).Unix()), "ip": "203.0.113.7",
			"ua": "okhttp/4.12.0", "shop": "b5",
		})
		send(t, b, c, "subscribe_business_status", `{"action":"subscribe_business_status","businessId":"b5"}`)
		send(t, b, c, "unsubscribe_business_status", `{"action":"unsubscribe_business_status","businessId":"b5"}`)
		send(t, b, c, "subscribe_order", `{"action":"subscribe_order","orderId":"9"}`)
		wantItem(t, e.subscriptionItem(t, "x1", "business_status#b5"), map[string]any{
			"cid": "x1", "topic": "business_status#b5", "uid": "m", "kind": "merchant", "on": false,
			"made": n(t0.UnixMilli()), "expiresAt": n(t0.Add(3 * time.Hour).Unix()),
		})
		send(t, b, c, "unsubscribe_order", `{"action":"unsubscribe_order","orderId":"9"}`)
		if got := e.subscriptionItem(t, "x1", "order#9"); got != nil {
			t.Errorf("order#9 not deleted: %v", got)
		}
		b.Disconnect(context.Background(), c)
		if e.connectionExists(t, "x1") || len(e.subscriptions(t, "x1")) != 0 {
			t.Error("records remain after $disconnect")
		}
	})
}

func TestNewPicksThePreset(t *testing.T) {
	for preset, want := range map[string]string{"wizz": "*backend.Wizz", "this27": "*backend.This27"} {
		b, err := backend.New(preset, backend.Options{Secret: secret})
		if err != nil || typeName(b) != want {
			t.Errorf("New(%q) = %s, %v; want %s", preset, typeName(b), err, want)
		}
	}
	if _, err := backend.New("nope", backend.Options{}); err == nil || !strings.Contains(err.Error(), "wizz") {
		t.Errorf("New(nope) error %v, want one naming the presets", err)
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *backend.Wizz:
		return "*backend.Wizz"
	case *backend.This27:
		return "*backend.This27"
	}
	return "other"
}

// stuckStore never answers a write until its context ends.
type stuckStore struct{ backend.Store }

func (stuckStore) PutItem(ctx context.Context, _ *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func (stuckStore) DeleteItem(ctx context.Context, _ *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func (stuckStore) BatchWriteItem(ctx context.Context, _ *dynamodb.BatchWriteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestStoreCallsTimeOutAndFailTheCall(t *testing.T) {
	o := backend.Options{DB: stuckStore{}, Secret: secret, Now: clock, CallTimeout: 20 * time.Millisecond}
	for preset, tc := range map[string]struct{ app, route, body string }{
		"wizz":   {"drivers", "subscribe_order", `{"orderId":"1"}`},
		"this27": {"rider-app", "$default", `{"action":"unsubscribeFromOrder","data":{"orderId":"1"}}`},
	} {
		b, _ := backend.New(preset, o)
		c := conn("c", token(t, auth.Claims{User: "u", App: tc.app}), "ios")
		_, err := b.Connect(context.Background(), c) // never waits longer than CallTimeout
		var rej *gateway.Rejection
		if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &rej) {
			t.Errorf("%s: Connect error %v, want a deadline error (not a rejection)", preset, err)
		}
		c.Auth = backend.Identity{Claims: auth.Claims{User: "u", App: tc.app}, EntityType: "x"}
		if reply, err := b.Handle(context.Background(), c, tc.route, []byte(tc.body)); !errors.Is(err, context.DeadlineExceeded) || reply != nil {
			t.Errorf("%s: Handle = %s, %v; want no reply and a deadline error", preset, reply, err)
		}
	}
}
