package crash

import (
	"cmp"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// store is a registry the matrix runs every action against: the wizz
// sandbox's tables on DynamoDB, or the this27 sandbox's documents on
// MongoDB. What differs between the two is here; the actions, rounds,
// proxies and invariants are the same.
type store struct {
	name   string // the report's store column, and the subtests' name
	preset string
	// sandboxArgs are the sandbox's flags for its preset and its store,
	// listening on port.
	sandboxArgs func(port int) []string
	// open starts the registry's counting proxy and its witness, both in
	// front of the sandbox's store, and returns them with the profile's
	// lines that point wsops at the proxy.
	open func(t *testing.T, ep endpoints) (calls *callLog, reg registryWitness, profile string)
	// entityAttr is the attribute of a record naming its entity type.
	entityAttr string
	// courier and customer are the apps whose clients the actions connect
	// or seed, with the entity type their records carry.
	courier, customer app
	// incident is the app whose records the repair rule fixes: seeded
	// written with the entity type wrong, fixed to the app's own.
	incident app
	wrong    string
	// room is the subscription key (wizz) or room (this27) of an order.
	room func(order string) string
	// join is the message a client sends to subscribe to an order's room;
	// nil: the actions do not subscribe clients (send goes to --all).
	join func(order string) string
}

// app is an app and the entity type its connections are written with.
type app struct{ name, entity string }

// identity is a client of app, connecting as user.
func (a app) identity(user string) identity {
	return identity{User: user, App: a.name, EntityType: a.entity}
}

// stores are the matrix's stores, in report order.
var stores = []*store{dynamoStore, mongoStore}

// dynamoStore is the wizz sandbox on DynamoDB: the rows the matrix first had.
var dynamoStore = &store{
	name:   "dynamodb",
	preset: "wizz",
	sandboxArgs: func(port int) []string {
		return []string{"--dynamodb-addr", fmt.Sprintf("127.0.0.1:%d", port)}
	},
	open: func(t *testing.T, ep endpoints) (*callLog, registryWitness, string) {
		p := startProxy(t, ep.DynamoDBURL, dynamoMutation)
		reg := newDynamoWitness(t, ep.DynamoDBURL) // straight to DynamoDB, past the proxy
		return p.callLog, reg, fmt.Sprintf("dynamodb_url = %q\nscan_segments = 1\n", p.URL())
	},
	entityAttr: "entityType",
	courier:    app{"drivers", "driver"},
	customer:   app{"customers", "customer"},
	incident:   app{"order-receiver", "merchant"},
	wrong:      "customer",
	room:       func(order string) string { return "order#" + order },
}

// mongoStore is the this27 sandbox on MongoDB (its embedded FerretDB): one
// document per connection, its rooms inside it.
var mongoStore = &store{
	name:   "mongodb",
	preset: "this27",
	sandboxArgs: func(port int) []string {
		return []string{"--preset", "this27", "--mongodb-addr", fmt.Sprintf("127.0.0.1:%d", port)}
	},
	open: func(t *testing.T, ep endpoints) (*callLog, registryWitness, string) {
		u, err := url.Parse(ep.MongoDBURI)
		if err != nil || u.Host == "" {
			t.Fatalf("the sandbox's mongodb_uri %q: %v", ep.MongoDBURI, err)
		}
		db := cmp.Or(strings.TrimPrefix(u.Path, "/"), "this27")
		calls, addr := startWireCounter(t, u.Host)
		reg := newMongoWitness(t, "mongodb://"+u.Host+"/", db) // straight to the server, past the proxy
		return calls, reg, fmt.Sprintf("registry = \"mongodb\"\nmongodb_uri = %q\n", "mongodb://"+addr+"/"+db)
	},
	entityAttr: "role",
	courier:    app{"rider-app", "rider"},
	customer:   app{"customer-app", "customer"},
	incident:   app{"rider-app", "rider"},
	wrong:      "customer",
	room:       func(order string) string { return "order:" + order },
	join: func(order string) string {
		return fmt.Sprintf(`{"action":"subscribeToOrder","data":{"orderId":%q}}`, order)
	},
}

// registryWitness reads and seeds the registry straight from its store,
// with the store's own client and hand-written records: a witness
// independent of wsops's data package.
type registryWitness interface {
	// connections maps each connection id to its record.
	connections() map[string]record
	// subscriptions are the subscriptions (rooms) of the connections ids,
	// keyed by connection id + " " + key.
	subscriptions(ids map[string]bool) map[string]record
	// seed writes records as the preset's backend would have, for
	// connections that do not exist (or no longer do).
	seed(recs ...seedRecord)
	// remove deletes the records of ids and their subscriptions (clean-up
	// between rounds).
	remove(ids []string)
}

// seedRecord is a connection record the harness writes, with its
// subscriptions (rooms).
type seedRecord struct {
	id, user string
	app      app
	at       time.Time // connectedAt (and createdAt of its subscriptions)
	rooms    []string
}

// subscriptionKey keys a subscription in registryWitness.subscriptions.
func subscriptionKey(id, key string) string { return id + " " + key }
