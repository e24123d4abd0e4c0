package data_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"wsops/data"
)

// The whole records of some connections are read, then deleted by key:
// what a prune's before-images and its deletes are made of.
func TestSubscriptionsOfManyAndDeleteRecords(t *testing.T) {
	for _, schema := range []data.Schema{data.WizzSchema(), data.This27Schema()} {
		t.Run(schema.Preset, func(t *testing.T) {
			eachBackend(t, schema, func(t *testing.T, f fixture) {
				var conns []data.Connection
				var doomed []string
				for i := range 30 {
					c := f.conn(i, fmt.Sprintf("u%d", i), "drivers")
					conns = append(conns, c)
					f.putSubs(t, data.Subscription{ConnectionID: c.ID, Key: fmt.Sprintf("order#%d", i), User: c.User, EntityType: c.EntityType, Active: true},
						data.Subscription{ConnectionID: c.ID, Key: "order#shared", User: c.User, EntityType: c.EntityType, Active: true})
					if i%3 == 0 {
						doomed = append(doomed, c.ID)
					}
				}
				f.putConns(t, conns...)
				reg := f.registry(2)
				ctx := context.Background()
				subs, err := reg.SubscriptionsOfMany(ctx, doomed)
				if err != nil || len(subs) != 2*len(doomed) {
					t.Fatalf("%d subscriptions of %d connections (%v), want 2 each", len(subs), len(doomed), err)
				}
				for _, s := range subs {
					if !slices.Contains(doomed, s.ConnectionID) || schema.Preset == "wizz" && s.User == "" {
						t.Errorf("subscription %+v: not one of the connections, or not whole", s)
					}
				}
				var connItems, subItems []data.Item
				for _, c := range conns {
					if slices.Contains(doomed, c.ID) {
						connItems = append(connItems, schema.EncodeConnection(c))
					}
				}
				for _, s := range subs {
					subItems = append(subItems, s.Item)
				}
				// Twice: records already absent are no error.
				for range 2 {
					if err := reg.DeleteRecords(ctx, connItems, subItems); err != nil {
						t.Fatal(err)
					}
				}
				left := collect(t, reg.Connections(ctx, data.Select{}))
				leftSubs := collect(t, reg.Subscriptions(ctx, data.Select{}))
				if len(left) != 30-len(doomed) || len(leftSubs) != 2*(30-len(doomed)) {
					t.Fatalf("left %d connections and %d subscriptions, want %d and %d", len(left), len(leftSubs), 30-len(doomed), 2*(30-len(doomed)))
				}
				for _, c := range left {
					if slices.Contains(doomed, c.ID) {
						t.Errorf("%s survived its delete", c.ID)
					}
				}
			})
		})
	}
}
