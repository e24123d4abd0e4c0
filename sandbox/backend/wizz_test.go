package backend_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"wsops/auth"
	"wsops/data"
	"wsops/sandbox/backend"
	"wsops/sandbox/gateway"
)

func TestWizzRoutes(t *testing.T) {
	b := backend.NewWizz(backend.Options{Secret: secret})
	want := []string{"$default", "subscribe_order", "unsubscribe_order", "subscribe_business_status", "unsubscribe_business_status", "heartbeat"}
	if got := b.Routes(); !slices.Equal(got, want) {
		t.Errorf("Routes() = %v, want %v", got, want)
	}
}

func TestWizzOrderSubscriptions(t *testing.T) {
	eachBackend(t, data.WizzSchema(), func(t *testing.T, e env) {
		b := e.wizz(0)
		c := connect(t, b, conn("c1", token(t, auth.Claims{User: "d1", App: "drivers"}), "ios"))
		wantReply(t, send(t, b, c, "subscribe_order", `{"action":"subscribe_order","orderId":"123"}`),
			`{"type":"subscribed","topic":"order#123"}`)
		wantItem(t, e.subscriptionItem(t, "c1", "order#123"), map[string]any{
			"connectionId": "c1", "subscriptionKey": "order#123", "userId": "d1", "entityType": "driver",
			"isActive": true, "createdAt": n(t0.UnixMilli()), "ttl": n(t0.Add(3 * time.Hour).Unix()),
		})
		// A numeric order id names the same topic.
		wantReply(t, send(t, b, c, "subscribe_order", `{"action":"subscribe_order","orderId":456}`),
			`{"type":"subscribed","topic":"order#456"}`)
		wantReply(t, send(t, b, c, "unsubscribe_order", `{"action":"unsubscribe_order","orderId":"123"}`),
			`{"type":"unsubscribed","topic":"order#123"}`)
		if got := e.subscriptionItem(t, "c1", "order#123"); got != nil {
			t.Errorf("order#123 still recorded after unsubscribe: %v", got)
		}
		subs := e.subscriptions(t, "c1")
		if len(subs) != 1 || subs[0].Key != "order#456" || !subs[0].Active {
			t.Errorf("subscriptions %+v, want order#456 alone, active", subs)
		}
		for _, body := range []string{`{"action":"subscribe_order"}`, `{"action":"subscribe_order","orderId":""}`, `{"action":"subscribe_order","orderId":true}`} {
			wantReply(t, send(t, b, c, "subscribe_order", body), `{"type":"error","message":"orderId required"}`)
		}
		wantReply(t, send(t, b, c, "unsubscribe_order", `{"action":"unsubscribe_order"}`), `{"type":"error","message":"orderId required"}`)
		if subs := e.subscriptions(t, "c1"); len(subs) != 1 {
			t.Errorf("%d subscriptions after rejected messages, want 1", len(subs))
		}
	})
}

func TestWizzBusinessStatusToggle(t *testing.T) {
	eachBackend(t, data.WizzSchema(), func(t *testing.T, e env) {
		b := e.wizz(0)
		c := connect(t, b, conn("m1", token(t, auth.Claims{User: "merchant-1", App: "order-receiver", BusinessID: "b1"}), "android"))
		wantReply(t, send(t, b, c, "subscribe_business_status", `{"action":"subscribe_business_status","businessId":"b1"}`),
			`{"type":"subscribed","topic":"business_status#b1"}`)
		want := map[string]any{
			"connectionId": "m1", "subscriptionKey": "business_status#b1", "userId": "merchant-1", "entityType": "merchant",
			"isActive": true, "createdAt": n(t0.UnixMilli()), "ttl": n(t0.Add(3 * time.Hour).Unix()),
		}
		wantItem(t, e.subscriptionItem(t, "m1", "business_status#b1"), want)

		wantReply(t, send(t, b, c, "unsubscribe_business_status", `{"action":"unsubscribe_business_status","businessId":"b1"}`),
			`{"type":"unsubscribed","topic":"business_status#b1"}`)
		want["isActive"] = false // toggled, not deleted
		wantItem(t, e.subscriptionItem(t, "m1", "business_status#b1"), want)

		// Subscribing again turns it back on.
		send(t, b, c, "subscribe_business_status", `{"action":"subscribe_business_status","businessId":"b1"}`)
		if got := e.subscriptionItem(t, "m1", "business_status#b1")["isActive"]; got != true {
			t.Errorf("isActive %v after resubscribing, want true", got)
		}
		// Unsubscribing from a topic never subscribed creates nothing.
		wantReply(t, send(t, b, c, "unsubscribe_business_status", `{"action":"unsubscribe_business_status","businessId":"b2"}`),
			`{"type":"unsubscribed","topic":"business_status#b2"}`)
		if got := e.subscriptionItem(t, "m1", "business_status#b2"); got != nil {
			t.Errorf("unsubscribing created %v", got)
		}
		wantReply(t, send(t, b, c, "subscribe_business_status", `{"action":"subscribe_business_status"}`),
			`{"type":"error","message":"businessId required"}`)
	})
}

func TestWizzHeartbeatAndDefault(t *testing.T) {
	eachBackend(t, data.WizzSchema(), func(t *testing.T, e env) {
		b := e.wizz(0)
		c := connect(t, b, conn("c1", token(t, auth.Claims{User: "u", App: "customers"}), "web"))
		before := e.connectionItem(t, "c1")
		wantReply(t, send(t, b, c, "heartbeat", `{"action":"heartbeat"}`), `{"type":"heartbeat_ack","ts":1772366400000}`)
		wantItem(t, e.connectionItem(t, "c1"), before) // a heartbeat refreshes nothing
		for body, want := range map[string]string{
			`{"action":"dance"}`:        `{"type":"error","message":"unknown action","action":"dance"}`,
			`{"message":"no action"}`:   `{"type":"error","message":"unknown action","action":""}`,
			`not json at all`:           `{"type":"error","message":"unknown action","action":""}`,
			`{"action":42}`:             `{"type":"error","message":"unknown action","action":""}`,
			`{"action":"<b>\"x\"</b>"}`: `{"type":"error","message":"unknown action","action":"<b>\"x\"</b>"}`,
		} {
			wantReply(t, send(t, b, c, gateway.RouteDefault, body), want)
		}
		if subs := e.subscriptions(t, "c1"); len(subs) != 0 {
			t.Errorf("heartbeat/default wrote subscriptions: %+v", subs)
		}
	})
}

func TestDisconnectRemovesConnectionAndSubscriptions(t *testing.T) {
	for _, tc := range []struct {
		schema data.Schema
		app    string
		sub    func(t *testing.T, b gateway.Backend, c gateway.Conn, i int)
	}{
		{data.WizzSchema(), "order-receiver", func(t *testing.T, b gateway.Backend, c gateway.Conn, i int) {
			send(t, b, c, "subscribe_order", `{"action":"subscribe_order","orderId":"`+jsonInt(int64(i))+`"}`)
			send(t, b, c, "subscribe_business_status", `{"action":"subscribe_business_status","businessId":"b`+jsonInt(int64(i))+`"}`)
		}},
		{data.This27Schema(), "manager-web", func(t *testing.T, b gateway.Backend, c gateway.Conn, i int) {
			send(t, b, c, "$default", `{"action":"subscribeToOrder","data":{"orderId":"o`+jsonInt(int64(i))+`"}}`)
		}},
	} {
		t.Run(tc.schema.Preset, func(t *testing.T) {
			eachBackend(t, tc.schema, func(t *testing.T, e env) {
				b, err := backend.New(tc.schema.Preset, e.options(0))
				if err != nil {
					t.Fatal(err)
				}
				gone := connect(t, b, conn("gone", token(t, auth.Claims{User: "u1", App: tc.app}), "ios"))
				kept := connect(t, b, conn("kept", token(t, auth.Claims{User: "u1", App: tc.app}), "ios"))
				for i := range 3 {
					tc.sub(t, b, gone, i)
				}
				tc.sub(t, b, kept, 0) // the same topic as one of gone's
				b.Disconnect(context.Background(), gone)
				if e.connectionExists(t, "gone") || len(e.subscriptions(t, "gone")) != 0 {
					t.Errorf("records of the disconnected connection remain: %+v", e.subscriptions(t, "gone"))
				}
				if !e.connectionExists(t, "kept") || len(e.subscriptions(t, "kept")) == 0 {
					t.Error("the other connection's records were deleted too")
				}
				b.Disconnect(context.Background(), gone) // again: nothing left, nothing fails
			})
		})
	}
}

func TestRoutesWorkWithoutAuthFromTheRecord(t *testing.T) {
	eachBackend(t, data.WizzSchema(), func(t *testing.T, e env) {
		b := e.wizz(1)
		c := connect(t, b, conn("m", token(t, auth.Claims{User: "m1", App: "order-receiver"}), "ios"))
		c.Auth = nil // a gateway that lost it: the record answers
		send(t, b, c, "subscribe_order", `{"action":"subscribe_order","orderId":"1"}`)
		got := e.subscriptionItem(t, "m", "order#1")
		if got["userId"] != "m1" || got["entityType"] != "customer" {
			t.Errorf("subscription %v, want user m1 and the record's entity type", got)
		}
		stranger := conn("never-connected", "", "")
		if _, err := b.Handle(context.Background(), stranger, "subscribe_order", []byte(`{"orderId":"1"}`)); err == nil {
			t.Error("a connection with no record and no auth subscribed")
		}
	})
}
