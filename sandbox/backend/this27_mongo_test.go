package backend_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"wsops/auth"
	"wsops/data"
	"wsops/internal/testrig"
	"wsops/sandbox/backend"
)

// this27's handlers on MongoDB write documents as its Lambdas do, read
// back through the driver: $connect inserts one (role from the app, the
// incident's riders as customers, no rooms yet, dates), subscribeToOrder
// adds the room once however often it is asked ($addToSet),
// unsubscribeFromOrder pulls it, $disconnect deletes the document.
func TestThis27HandlersWriteMongoDocuments(t *testing.T) {
	db := testrig.MongoDatabase(t)
	s := data.This27MongoSchema()
	s.Mongo.Database = db.Name()
	reg, err := data.NewMongoRegistry(db, s, data.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	b := backend.NewThis27(backend.Options{Registry: reg, Schema: s, Secret: secret, Now: clock, IncidentShare: 1, Rand: rand.New(rand.NewPCG(1, 2))})
	coll := db.Collection(s.Mongo.Collection)
	doc := func(id string) bson.M {
		t.Helper()
		var d bson.M
		if err := coll.FindOne(context.Background(), bson.D{{Key: "connectionId", Value: id}}).Decode(&d); err != nil {
			t.Fatalf("document %s: %v", id, err)
		}
		return d
	}
	rider := connect(t, b, conn("r1", token(t, auth.Claims{User: "rider-1", App: "rider-app"}), "android"))
	connect(t, b, conn("m1", token(t, auth.Claims{User: "mgr-1", App: "manager-web"}), "web"))
	r := doc("r1")
	if r["role"] != "customer" || r["userId"] != "rider-1" || r["app"] != "rider-app" || r["platform"] != "android" {
		t.Errorf("the rider's document %v: want role customer (the incident)", r)
	}
	if _, ok := r["connectedAt"].(bson.DateTime); !ok {
		t.Errorf("connectedAt %T, want a date", r["connectedAt"])
	}
	if rooms, ok := r["rooms"].(bson.A); !ok || len(rooms) != 0 {
		t.Errorf("a new document's rooms %v, want []", r["rooms"])
	}
	if got := doc("m1")["role"]; got != "manager" {
		t.Errorf("the manager's role %v: the incident is the riders'", got)
	}
	for range 2 {
		wantReply(t, send(t, b, rider, "$default", `{"action":"subscribeToOrder","data":{"orderId":"order123"}}`), `{"type":"subscribed","data":{"room":"order:order123"}}`)
	}
	send(t, b, rider, "$default", `{"action":"subscribeToOrder","data":{"orderId":7}}`)
	if rooms := doc("r1")["rooms"]; !sameRooms(rooms, "order:order123", "order:7") {
		t.Errorf("rooms after joining order123 twice and 7: %v", rooms)
	}
	wantReply(t, send(t, b, rider, "$default", `{"action":"unsubscribeFromOrder","data":{"orderId":"order123"}}`), `{"type":"unsubscribed","data":{"room":"order:order123"}}`)
	if rooms := doc("r1")["rooms"]; !sameRooms(rooms, "order:7") {
		t.Errorf("rooms after leaving order123: %v", rooms)
	}
	b.Disconnect(context.Background(), rider)
	if err := coll.FindOne(context.Background(), bson.D{{Key: "connectionId", Value: "r1"}}).Err(); err != mongo.ErrNoDocuments {
		t.Errorf("the rider's document after $disconnect: %v, want none", err)
	}
}

// sameRooms reports whether a document's rooms are exactly want, in order.
func sameRooms(rooms any, want ...string) bool {
	a, ok := rooms.(bson.A)
	if !ok || len(a) != len(want) {
		return false
	}
	for i, r := range a {
		if r != want[i] {
			return false
		}
	}
	return true
}
