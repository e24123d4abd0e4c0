package e2e

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// TestConsoleSwitchesToTheThis27Sandbox: with no config, `:profile
// sandbox-this27` starts the this27 sandbox in the console's process, its
// registry in an embedded MongoDB that any MongoDB client can read; the
// console shows this27's fleet from it, the riders written as customers
// flagged, and its rooms; q stops both sandboxes.
func TestConsoleSwitchesToTheThis27Sandbox(t *testing.T) {
	portFree(t, "127.0.0.1:8788")
	portFree(t, "127.0.0.1:27017")
	term, _, _ := builtInConsole(t)
	term.waitFor("the wizz fleet", waitLimit, func(s string) bool { return strings.Contains(s, "order-receiver") })
	term.keys(":", "profile sandbox-this27", "Enter")
	took := term.waitFor("this27's fleet, the incident flagged", 2*waitLimit, func(s string) bool {
		return strings.Contains(s, "wsops  sandbox-this27") && strings.Contains(s, "rider-app") && strings.Contains(s, "manager-web") &&
			strings.Contains(s, "customer-app") && strings.Contains(s, "breaks the app rule")
	})
	t.Logf("this27's fleet after %v", took)

	// Another MongoDB client reads the same documents.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://127.0.0.1:27017/"))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	coll := client.Database("this27").Collection("websocketconnections")
	// A rider in a room: a document is created in no room (FerretDB sets
	// its empty rooms array a moment after the insert) and joins its rooms
	// over its socket, moments after the fleet first shows.
	var riders []bson.M
	inRoom := func() bool {
		cur, err := coll.Find(ctx, bson.D{{Key: "app", Value: "rider-app"}})
		if err != nil || cur.All(ctx, &riders) != nil {
			return false
		}
		for _, d := range riders {
			if rooms, _ := d["rooms"].(bson.A); len(rooms) > 0 && d["connectionId"] != nil && d["role"] != nil {
				return true
			}
		}
		return false
	}
	if _, ok := waitUntil(waitLimit, inRoom); !ok {
		t.Errorf("no rider document with connectionId, role and rooms through the driver: %v", riders)
	}

	term.keys(":", "subs", "Enter")
	term.waitFor("the rooms", waitLimit, func(s string) bool { return strings.Contains(s, "order:order1") })
	term.quit()
	if _, ok := waitUntil(10*time.Second, func() bool { return !answers("127.0.0.1:27017") && !answers("127.0.0.1:8788") }); !ok {
		t.Error("the this27 sandbox still answers after the console quit")
	}
}

// answers reports whether something accepts connections on addr.
func answers(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
