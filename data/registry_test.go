package data_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
)

func collect[T any](t *testing.T, pages <-chan data.Page[T]) []T {
	t.Helper()
	all, err := data.Collect(context.Background(), pages)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	return all
}

func ids(conns []data.Connection) map[string]int {
	seen := map[string]int{}
	for _, c := range conns {
		seen[c.ID]++
	}
	return seen
}

func TestScanOverOneMegabyteReadsEveryItemOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, f fixture) {
		const n = 3600 // ~1.1 KB each: ~3.9 MB, so each of 3 segments spans pages
		pad := strings.Repeat("x", 1000)
		conns := make([]data.Connection, n)
		for i := range conns {
			conns[i] = f.conn(i, fmt.Sprintf("u%d", i%97), f.app(1))
			conns[i].Platform = pad
		}
		f.putConns(t, conns...)

		reg := f.registry(3)
		pages := 0
		var got []data.Connection
		for pg := range reg.Connections(context.Background(), data.Select{}) {
			if pg.Err != nil {
				t.Fatal(pg.Err)
			}
			pages++
			got = append(got, pg.Items...)
		}
		seen := ids(got)
		if len(got) != n || len(seen) != n {
			t.Fatalf("read %d items (%d distinct), want %d each once", len(got), len(seen), n)
		}
		for _, c := range conns {
			if seen[c.ID] != 1 {
				t.Fatalf("%s read %d times", c.ID, seen[c.ID])
			}
		}
		if f.backend.Name == "dynalite" && pages < 6 {
			t.Errorf("dynalite with 3 segments over 3.9 MB gave %d pages, want at least 2 per segment", pages)
		}
		if f.mongo() && pages < n/data.DefaultMongoBatch {
			t.Errorf("MongoDB gave %d pages of %d documents, want one per cursor batch of %d", pages, n, data.DefaultMongoBatch)
		}
	})
}

func TestUserIndexQueryFindsExactlyTheUsersConnections(t *testing.T) {
	eachStore(t, func(t *testing.T, f fixture) {
		f.putConns(t,
			f.conn(1, "alice", f.app(1)), f.conn(2, "alice", f.app(0)),
			f.conn(3, "bob", f.app(1)), f.conn(4, "alicia", f.app(2)))
		got, err := f.registry(1).ConnectionsOf(context.Background(), "alice")
		if err != nil {
			t.Fatal(err)
		}
		seen := ids(got)
		if len(got) != 2 || seen[f.conn(1, "", "").ID] != 1 || seen[f.conn(2, "", "").ID] != 1 {
			t.Fatalf("alice's connections: %v", seen)
		}
	})
}

func TestFilterExpressionNarrowsByAppEntityAndPlatform(t *testing.T) {
	eachStore(t, func(t *testing.T, f fixture) {
		a, b, c := f.conn(1, "u1", f.app(1)), f.conn(2, "u2", f.app(1)), f.conn(3, "u3", f.app(0))
		b.Platform = "android"
		f.putConns(t, a, b, c)
		reg := f.registry(2)
		cases := []struct {
			sel  data.Select
			want []string
		}{
			{data.Select{App: f.app(1)}, []string{a.ID, b.ID}},
			{data.Select{App: f.app(1), Platform: "android"}, []string{b.ID}},
			{data.Select{EntityType: c.EntityType}, []string{c.ID}},
			{data.Select{App: "nobody"}, nil},
			{data.Select{ConnectionID: b.ID, Platform: "android"}, []string{b.ID}},
			{data.Select{ConnectionID: b.ID, Platform: "ios"}, nil},
		}
		for _, tc := range cases {
			seen := ids(collect(t, reg.Connections(context.Background(), tc.sel)))
			if len(seen) != len(tc.want) {
				t.Errorf("%+v: got %v, want %v", tc.sel, seen, tc.want)
			}
			for _, id := range tc.want {
				if seen[id] != 1 {
					t.Errorf("%+v: %s missing from %v", tc.sel, id, seen)
				}
			}
		}
	})
}

func TestTopicIndexQueryAndJoinByApp(t *testing.T) {
	eachBackend(t, data.WizzSchema(), func(t *testing.T, f fixture) {
		d, m := f.conn(1, "driver1", "drivers"), f.conn(2, "merchant1", "order-receiver")
		f.putConns(t, d, m)
		f.putSubs(t,
			data.Subscription{ConnectionID: d.ID, Key: "order#42", User: d.User, EntityType: "driver", Active: true},
			data.Subscription{ConnectionID: m.ID, Key: "order#42", User: m.User, EntityType: "merchant", Active: true},
			data.Subscription{ConnectionID: m.ID, Key: "business_status#b1", User: m.User, EntityType: "merchant", Active: false})
		reg := f.registry(1)
		ctx := context.Background()

		if got := collect(t, reg.Subscriptions(ctx, data.Select{Topic: "order#42"})); len(got) != 2 {
			t.Fatalf("order#42 subscribers: %d, want 2", len(got))
		}
		got := collect(t, reg.Subscriptions(ctx, data.Select{Topic: "order#42", App: "order-receiver"}))
		if len(got) != 1 || got[0].ConnectionID != m.ID {
			t.Fatalf("order#42 ∩ order-receiver: %+v", got)
		}
		mine, err := reg.SubscriptionsOf(ctx, m.ID)
		if err != nil || len(mine) != 2 {
			t.Fatalf("subscriptions of the merchant: %d (%v), want 2", len(mine), err)
		}
		for _, s := range mine {
			if s.Key == "business_status#b1" && s.Active {
				t.Errorf("isActive false read as true")
			}
		}
		conns := collect(t, reg.Connections(ctx, data.Select{Topic: "order#42", App: "drivers"}))
		if len(conns) != 1 || conns[0].ID != d.ID {
			t.Fatalf("drivers watching order#42: %+v", conns)
		}
	})
}

func TestThis27RoomsAreReadByRoomKeyAndByConnection(t *testing.T) {
	eachBackend(t, data.This27Schema(), func(t *testing.T, f fixture) {
		r, c := f.conn(1, "rider1", "rider-app"), f.conn(2, "cust1", "customer-app")
		f.putConns(t, r, c)
		f.putSubs(t,
			data.Subscription{ConnectionID: r.ID, Key: "order:7"},
			data.Subscription{ConnectionID: c.ID, Key: "order:7"},
			data.Subscription{ConnectionID: c.ID, Key: "order:8"})
		reg := f.registry(2)
		ctx := context.Background()
		if got := collect(t, reg.Subscriptions(ctx, data.Select{Topic: "order:7"})); len(got) != 2 {
			t.Fatalf("room order:7: %d members, want 2", len(got))
		}
		got, err := reg.SubscriptionsOf(ctx, c.ID)
		if err != nil || len(got) != 2 {
			t.Fatalf("rooms of the customer: %d (%v), want 2", len(got), err)
		}
		for _, s := range got {
			if !s.Active || len(s.Problems) > 0 {
				t.Errorf("room membership %+v: want active, no problems", s)
			}
		}
		all := collect(t, reg.Connections(ctx, data.Select{}))
		for _, x := range all {
			if len(x.Problems) > 0 {
				t.Errorf("well-formed this27 connection flagged: %v", x.Problems)
			}
		}
		// A topic with a condition on the connection: joined on DynamoDB,
		// one query on MongoDB.
		got = collect(t, reg.Subscriptions(ctx, data.Select{Topic: "order:7", App: "rider-app"}))
		if len(got) != 1 || got[0].ConnectionID != r.ID || got[0].Key != "order:7" {
			t.Fatalf("order:7 ∩ rider-app: %+v", got)
		}
		conns := collect(t, reg.Connections(ctx, data.Select{Topic: "order:8"}))
		if len(conns) != 1 || conns[0].ID != c.ID {
			t.Fatalf("connections in order:8: %+v", conns)
		}
		if got := collect(t, reg.Subscriptions(ctx, data.Select{Topic: "order:8", User: "rider1"})); len(got) != 0 {
			t.Fatalf("order:8 ∩ rider1: %+v, want none", got)
		}
	})
}

func TestConditionalUpdateConflictKeepsTheOtherWritersValue(t *testing.T) {
	eachStore(t, func(t *testing.T, f fixture) {
		c := f.conn(1, "m1", f.app(2))
		c.EntityType = f.schema.AppEntity[f.app(0)]
		f.putConns(t, c)
		reg := f.registry(1)
		ctx := context.Background()
		key := data.Item{f.schema.Connections.Table.HashKey: &types.AttributeValueMemberS{Value: c.ID}}
		s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
		attr := f.schema.Connections.Attrs.EntityType
		wrong, other, right := c.EntityType, f.schema.AppEntity[f.app(1)], f.schema.AppEntity[f.app(2)]

		// Someone else already wrote other: a change planned from wrong must fail.
		if _, err := reg.Update(ctx, data.Change{Key: key, Attribute: attr, Old: s(wrong), New: s(other)}); err != nil {
			t.Fatalf("first write: %v", err)
		}
		_, err := reg.Update(ctx, data.Change{Key: key, Attribute: attr, Old: s(wrong), New: s(right)})
		if !errors.Is(err, data.ErrConflict) {
			t.Fatalf("stale write: %v, want ErrConflict", err)
		}
		got, err := reg.Connection(ctx, c.ID)
		if err != nil || got.EntityType != other {
			t.Fatalf("after conflict: %q (%v), want the other writer's %s", got.EntityType, err, other)
		}
		// A change on a record that does not exist is a conflict, not a create.
		missing := data.Item{f.schema.Connections.Table.HashKey: &types.AttributeValueMemberS{Value: "nobody"}}
		if _, err := reg.Update(ctx, data.Change{Key: missing, Attribute: attr, New: s(right)}); !errors.Is(err, data.ErrConflict) {
			t.Fatalf("update of a missing record: %v, want ErrConflict", err)
		}
		if _, err := reg.Connection(ctx, "nobody"); !errors.Is(err, data.ErrNotFound) {
			t.Fatalf("missing record: %v, want ErrNotFound", err)
		}
	})
}

func TestDeleteConnectionsRemovesRecordsAndSubscriptionsInBatches(t *testing.T) {
	for _, schema := range []data.Schema{data.WizzSchema(), data.This27Schema()} {
		t.Run(schema.Preset, func(t *testing.T) {
			eachBackend(t, schema, func(t *testing.T, f fixture) {
				var conns []data.Connection
				var subs []data.Subscription
				var doomed []string
				for i := range 40 {
					c := f.conn(i, fmt.Sprintf("u%d", i), "drivers")
					conns = append(conns, c)
					subs = append(subs, data.Subscription{ConnectionID: c.ID, Key: fmt.Sprintf("order#%d", i), User: c.User, EntityType: c.EntityType, Active: true},
						data.Subscription{ConnectionID: c.ID, Key: "order#shared", User: c.User, EntityType: c.EntityType, Active: true})
					if i < 30 {
						doomed = append(doomed, c.ID)
					}
				}
				f.putConns(t, conns...)
				f.putSubs(t, subs...)
				reg := f.registry(2)
				ctx := context.Background()

				res, err := reg.DeleteConnections(ctx, doomed)
				if err != nil {
					t.Fatal(err)
				}
				if res.Connections != 30 || res.Subscriptions != 60 || len(res.Failed) != 0 {
					t.Fatalf("deleted %+v, want 30 connections, 60 subscriptions", res)
				}
				left := collect(t, reg.Connections(ctx, data.Select{}))
				leftSubs := collect(t, reg.Subscriptions(ctx, data.Select{}))
				if len(left) != 10 || len(leftSubs) != 20 {
					t.Fatalf("left %d connections and %d subscriptions, want 10 and 20", len(left), len(leftSubs))
				}
				for _, c := range left {
					if c.ID < conns[30].ID {
						t.Errorf("%s survived its delete", c.ID)
					}
				}
			})
		})
	}
}

func TestMalformedItemsAreFlaggedNotDropped(t *testing.T) {
	eachBackend(t, data.WizzSchema(), func(t *testing.T, f fixture) {
		S := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
		N := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
		nowMS := fmt.Sprint(f.now.UnixMilli())
		items := map[string]data.Item{
			"no-user": {"connectionId": S("no-user"), "entityType": S("driver"), "appId": S("drivers"), "connectedAt": N(nowMS)},
			"no-keys": {"connectionId": S("no-keys")},
			"ms-as-string": {"connectionId": S("ms-as-string"), "userId": S("u"), "entityType": S("driver"),
				"appId": S("drivers"), "connectedAt": S(nowMS)},
			"alien-entity": {"connectionId": S("alien-entity"), "userId": S("u"), "entityType": S("wizard"),
				"appId": S("drivers"), "connectedAt": N(nowMS)},
			"incident": {"connectionId": S("incident"), "userId": S("m"), "entityType": S("customer"),
				"appId": S("order-receiver"), "connectedAt": N(nowMS)},
			"old-expired": {"connectionId": S("old-expired"), "userId": S("u"), "entityType": S("driver"), "appId": S("drivers"),
				"connectedAt": N(fmt.Sprint(f.now.Add(-3 * time.Hour).UnixMilli())), "ttl": N(fmt.Sprint(f.now.Add(-time.Minute).Unix()))},
			"platform-is-a-map": {"connectionId": S("platform-is-a-map"), "userId": S("u"), "entityType": S("driver"), "appId": S("drivers"),
				"platform": &types.AttributeValueMemberM{Value: data.Item{"x": S("y")}}, "connectedAt": N("12345678901234567890123456789012345678")},
		}
		want := map[string][]string{
			"no-user":           {"missing userId"},
			"no-keys":           {"missing userId", "missing entityType", "missing appId", "missing connectedAt"},
			"ms-as-string":      {"connectedAt is a string, expected a number"},
			"alien-entity":      {`entityType "wizard" but appId drivers`},
			"incident":          {`entityType "customer" but appId order-receiver`},
			"old-expired":       {"older than 2h", "ttl expired"},
			"platform-is-a-map": {"platform has type M, expected a string", "unparseable connectedAt"},
		}
		var all []data.Item
		for _, it := range items {
			all = append(all, it)
		}
		f.put(t, f.schema.Connections.Table.Name, all...)

		got := collect(t, f.registry(2).Connections(context.Background(), data.Select{}))
		if len(got) != len(items) {
			t.Fatalf("read %d rows, want all %d malformed items", len(got), len(items))
		}
		for _, c := range got {
			if strings.Join(c.Problems, "; ") != strings.Join(want[c.ID], "; ") {
				t.Errorf("%s: problems %q, want %q", c.ID, c.Problems, want[c.ID])
			}
			if len(c.Item) != len(items[c.ID]) {
				t.Errorf("%s: raw item has %d attributes, want %d", c.ID, len(c.Item), len(items[c.ID]))
			}
		}
	})
}

func TestStreamStopsWhenCancelled(t *testing.T) {
	eachStore(t, func(t *testing.T, f fixture) {
		conns := make([]data.Connection, 100)
		for i := range conns {
			conns[i] = f.conn(i, "u", f.app(1))
		}
		f.putConns(t, conns...)
		reg := f.registryWith(data.Options{Segments: min(2, f.backend.MaxSegments), PageSize: 10})
		ctx, cancel := context.WithCancel(context.Background())
		pages := reg.Connections(ctx, data.Select{})
		<-pages
		cancel()
		// The readers must close the channel without the consumer draining it.
		deadline := time.After(10 * time.Second)
		for {
			select {
			case _, open := <-pages:
				if !open {
					return
				}
			case <-deadline:
				t.Fatal("stream still open 10s after cancel")
			}
		}
	})
}

func TestSummaryCountsByAppAndEntity(t *testing.T) {
	eachStore(t, func(t *testing.T, f fixture) {
		bad := f.conn(3, "m", f.app(2))
		bad.EntityType = f.schema.AppEntity[f.app(0)]
		f.putConns(t, f.conn(1, "a", f.app(1)), f.conn(2, "b", f.app(1)), bad)
		sum, err := data.Summarize(context.Background(), f.registry(1).Connections(context.Background(), data.Select{}))
		if err != nil {
			t.Fatal(err)
		}
		cell := data.AppEntity{App: bad.App, EntityType: bad.EntityType}
		good := data.AppEntity{App: f.app(1), EntityType: f.schema.AppEntity[f.app(1)]}
		if sum.Total != 3 || sum.Problems != 1 || sum.Counts[good] != 2 || sum.Counts[cell] != 1 {
			t.Fatalf("summary %+v", sum)
		}
		if !f.schema.Breaks(cell) || f.schema.Breaks(good) {
			t.Errorf("Breaks does not follow the app rule")
		}
		if cells := sum.Cells(); len(cells) != 2 || cells[0].App != good.App {
			t.Errorf("cells %v", cells)
		}
	})
}

// A query that names both a connection and a topic pins the range key in the
// key condition (DynamoDB refuses key attributes in a filter).
func TestSubscriptionOfConnectionAndTopic(t *testing.T) {
	for _, schema := range []data.Schema{data.WizzSchema(), data.This27Schema()} {
		t.Run(schema.Preset, func(t *testing.T) {
			eachBackend(t, schema, func(t *testing.T, f fixture) {
				a, b := f.conn(1, "u1", "drivers"), f.conn(2, "u2", "drivers")
				f.putSubs(t,
					data.Subscription{ConnectionID: a.ID, Key: "order#1", User: "u1", EntityType: "driver", Active: true},
					data.Subscription{ConnectionID: a.ID, Key: "order#2", User: "u1", EntityType: "driver", Active: true},
					data.Subscription{ConnectionID: b.ID, Key: "order#1", User: "u2", EntityType: "driver", Active: true})
				got := collect(t, f.registry(1).Subscriptions(context.Background(), data.Select{ConnectionID: a.ID, Topic: "order#1"}))
				if len(got) != 1 || got[0].ConnectionID != a.ID || got[0].Key != "order#1" {
					t.Fatalf("got %+v, want a's order#1 only", got)
				}
			})
		})
	}
}

func TestDeleteConnectionsToleratesRepeatedIDs(t *testing.T) {
	eachStore(t, func(t *testing.T, f fixture) {
		c := f.conn(1, "u", f.app(1))
		f.putConns(t, c)
		f.putSubs(t, data.Subscription{ConnectionID: c.ID, Key: "order#1", User: "u", EntityType: c.EntityType, Active: true})
		res, err := f.registry(1).DeleteConnections(context.Background(), []string{c.ID, c.ID, c.ID})
		if err != nil || res.Connections != 1 || res.Subscriptions != 1 {
			t.Fatalf("result %+v, %v", res, err)
		}
	})
}

func TestCancelledReadIsNotComplete(t *testing.T) {
	eachStore(t, func(t *testing.T, f fixture) {
		f.putConns(t, f.conn(1, "u", f.app(1)), f.conn(2, "u", f.app(1)))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := data.Collect(ctx, f.registry(1).Connections(ctx, data.Select{})); !errors.Is(err, context.Canceled) {
			t.Fatalf("a cancelled read collected with error %v, want context.Canceled", err)
		}
	})
}
