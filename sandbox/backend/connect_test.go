package backend_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"wsops/auth"
	"wsops/data"
	"wsops/sandbox/backend"
	"wsops/sandbox/gateway"
)

func TestConnectRejects(t *testing.T) {
	for _, preset := range []struct {
		schema data.Schema
		app    string // an app of the preset
		other  string // an app of the other preset
	}{
		{data.WizzSchema(), "drivers", "rider-app"},
		{data.This27Schema(), "rider-app", "drivers"},
	} {
		t.Run(preset.schema.Preset, func(t *testing.T) {
			eachBackend(t, preset.schema, func(t *testing.T, e env) {
				b, _ := backend.New(preset.schema.Preset, e.options(0))
				good := token(t, auth.Claims{User: "u1", App: preset.app})
				expired, _ := auth.Mint(secret, auth.Claims{User: "u1", App: preset.app}, time.Hour, t0.Add(-2*time.Hour))
				forged, _ := auth.Mint([]byte("someone-else"), auth.Claims{User: "u1", App: preset.app}, time.Hour, t0)
				for _, tc := range []struct {
					name            string
					token, platform string
					status          int
				}{
					{"no token", "", "ios", 401},
					{"garbage token", "not.a.jwt", "ios", 401},
					{"expired token", expired, "ios", 401},
					{"wrong secret", forged, "ios", 401},
					{"bad token and bad platform", "x", "windows", 401},
					{"no platform", good, "", 400},
					{"unknown platform", good, "windows", 400},
					{"platform in capitals", good, "IOS", 400},
					{"app of the other preset", token(t, auth.Claims{User: "u1", App: preset.other}), "web", 403},
					{"no app", token(t, auth.Claims{User: "u1"}), "web", 403},
				} {
					_, err := b.Connect(context.Background(), conn("rej"+tc.name, tc.token, tc.platform))
					var rej *gateway.Rejection
					if !errors.As(err, &rej) || rej.Status != tc.status {
						t.Errorf("%s: err %v, want a %d rejection", tc.name, err, tc.status)
						continue
					}
					if tc.status == 401 && rej.Body != "Unauthorized" {
						t.Errorf("%s: body %q, want Unauthorized", tc.name, rej.Body)
					}
					if e.connectionExists(t, "rej"+tc.name) {
						t.Errorf("%s: a rejected connection was written", tc.name)
					}
				}
			})
		})
	}
}

func TestWizzConnectWritesTheExactItem(t *testing.T) {
	eachBackend(t, data.WizzSchema(), func(t *testing.T, e env) {
		b := e.wizz(0)
		base := map[string]any{
			"platform": "android", "connectedAt": n(t0.UnixMilli()), "ttl": n(t0.Add(3 * time.Hour).Unix()),
			"sourceIp": "203.0.113.7", "userAgent": "okhttp/4.12.0",
		}
		for _, tc := range []struct {
			claims auth.Claims
			entity string
			extra  map[string]any
		}{
			{auth.Claims{User: "d1", App: "drivers", EntityType: "driver"}, "driver", nil},
			{auth.Claims{User: "c1", App: "customers"}, "customer", nil},
			// The entity type comes from the app rule, never from the token.
			{auth.Claims{User: "c2", App: "customers", EntityType: "merchant"}, "customer", nil},
			{auth.Claims{User: "m1", App: "order-receiver", BusinessID: "b42"}, "merchant", map[string]any{"businessId": "b42"}},
			{auth.Claims{User: "m2", App: "order-receiver"}, "merchant", nil},
			// businessId is written for order-receiver connections only.
			{auth.Claims{User: "d2", App: "drivers", BusinessID: "b1"}, "driver", nil},
		} {
			id := "conn-" + tc.claims.User
			c := connect(t, b, conn(id, token(t, tc.claims), "android"))
			want := map[string]any{"connectionId": id, "userId": tc.claims.User, "entityType": tc.entity, "appId": tc.claims.App}
			for k, v := range base {
				want[k] = v
			}
			for k, v := range tc.extra {
				want[k] = v
			}
			wantItem(t, e.connectionItem(t, id), want)
			got, ok := c.Auth.(backend.Identity)
			if !ok || got.Claims != tc.claims || got.EntityType != tc.entity || got.Platform != "android" {
				t.Errorf("auth %#v, want the claims, entity %s and platform", c.Auth, tc.entity)
			}
		}
	})
}

func TestThis27ConnectWritesTheExactItem(t *testing.T) {
	eachBackend(t, data.This27Schema(), func(t *testing.T, e env) {
		b := e.this27()
		for app, role := range map[string]string{"manager-web": "manager", "customer-app": "customer", "rider-app": "rider"} {
			id := "c-" + app
			connect(t, b, conn(id, token(t, auth.Claims{User: "u-" + app, App: app, BusinessID: "b1"}), "web"))
			wantItem(t, e.connectionItem(t, id), map[string]any{
				"connectionId": id, "userId": "u-" + app, "role": role, "app": app,
				"platform": "web", "connectedAt": "2026-03-01T12:00:00.000Z",
			})
		}
	})
}

func TestIncidentShareWritesOrderReceiversAsCustomers(t *testing.T) {
	eachBackend(t, data.WizzSchema(), func(t *testing.T, e env) {
		b := e.wizz(1)
		m := connect(t, b, conn("m", token(t, auth.Claims{User: "m1", App: "order-receiver", BusinessID: "b9"}), "ios"))
		connect(t, b, conn("d", token(t, auth.Claims{User: "d1", App: "drivers"}), "ios"))
		if got := e.connectionItem(t, "m")["entityType"]; got != "customer" {
			t.Errorf("order-receiver entityType %v, want customer (the incident)", got)
		}
		if got := e.connectionItem(t, "d")["entityType"]; got != "driver" {
			t.Errorf("drivers entityType %v, want driver (the incident is order-receiver's)", got)
		}
		send(t, b, m, "subscribe_order", `{"action":"subscribe_order","orderId":"7"}`)
		send(t, b, m, "subscribe_business_status", `{"action":"subscribe_business_status","businessId":"b9"}`)
		subs := e.subscriptions(t, "m")
		if len(subs) != 2 {
			t.Fatalf("%d subscriptions, want 2", len(subs))
		}
		for _, s := range subs {
			if s.EntityType != "customer" {
				t.Errorf("subscription %s entityType %q, want customer (copied from the connection)", s.Key, s.EntityType)
			}
		}
		conns, err := e.reg.ConnectionsOf(context.Background(), "m1")
		if err != nil || len(conns) != 1 || !hasProblem(conns[0].Problems, "order-receiver") {
			t.Errorf("registry view %+v (err %v): want the app/entity mismatch flagged", conns, err)
		}
	})
}

func TestIncidentShareIsAShare(t *testing.T) {
	eachBackend(t, data.WizzSchema(), func(t *testing.T, e env) {
		for _, tc := range []struct {
			share    float64
			min, max int
		}{{0, 0, 0}, {0.5, 1, 19}, {1, 20, 20}} {
			b := e.wizz(tc.share)
			customers := 0
			for i := range 20 {
				id := "s" + jsonInt(int64(tc.share*10)) + "-" + jsonInt(int64(i))
				c := connect(t, b, conn(id, token(t, auth.Claims{User: "m", App: "order-receiver"}), "web"))
				if c.Auth.(backend.Identity).EntityType == "customer" {
					customers++
				}
			}
			if customers < tc.min || customers > tc.max {
				t.Errorf("share %v: %d of 20 written as customer, want %d..%d", tc.share, customers, tc.min, tc.max)
			}
		}
	})
}

func hasProblem(problems []string, substr string) bool {
	for _, p := range problems {
		if strings.Contains(p, substr) {
			return true
		}
	}
	return false
}
