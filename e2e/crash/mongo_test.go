package crash

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The this27 preset's collection (data/schema.go), spelled out here on
// purpose, as are the documents' fields: the witness reads and seeds the
// registry with the driver and hand-written documents, never with
// wsops's codec.
const mongoCollection = "websocketconnections"

// mongoWitness reads and seeds the this27 registry straight from MongoDB
// with the driver: a witness independent of wsops's data package.
type mongoWitness struct {
	t    *testing.T
	coll *mongo.Collection
}

var _ registryWitness = (*mongoWitness)(nil)

// newMongoWitness connects to the server at uri (past the proxy) and reads
// database db's collection; t.Cleanup disconnects.
func newMongoWitness(t *testing.T, uri, db string) *mongoWitness {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetTimeout(waitLimit))
	if err != nil {
		t.Fatalf("the MongoDB witness: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		_ = client.Disconnect(ctx)
	})
	return &mongoWitness{t: t, coll: client.Database(db).Collection(mongoCollection)}
}

// find reads the documents filter picks.
func (m *mongoWitness) find(filter bson.D) []bson.Raw {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cur, err := m.coll.Find(ctx, filter)
	if err != nil {
		m.t.Fatalf("reading %s: %v", mongoCollection, err)
	}
	var docs []bson.Raw
	if err := cur.All(ctx, &docs); err != nil {
		m.t.Fatalf("reading %s: %v", mongoCollection, err)
	}
	return docs
}

// connections reads every document, by connectionId.
func (m *mongoWitness) connections() map[string]record {
	out := map[string]record{}
	for _, d := range m.find(bson.D{}) {
		r := plainDocument(m.t, d)
		out[r["connectionId"]] = r
	}
	return out
}

// plainDocument is a document as a record: its strings as they are, any
// other value as extended JSON with its type (a date, an array of rooms),
// so that a date written back as a string, or a room lost, shows. _id is
// left out: the server's, not the registry's (a document written again
// gets another).
func plainDocument(t *testing.T, d bson.Raw) record {
	t.Helper()
	els, err := d.Elements()
	if err != nil {
		t.Fatalf("a document of %s: %v", mongoCollection, err)
	}
	r := record{}
	for _, e := range els {
		if e.Key() == "_id" {
			continue
		}
		if s, ok := e.Value().StringValueOK(); ok {
			r[e.Key()] = s
		} else {
			r[e.Key()] = e.Value().String()
		}
	}
	return r
}

// subscriptions lists the rooms of ids' documents, one record each.
func (m *mongoWitness) subscriptions(ids map[string]bool) map[string]record {
	in := bson.A{}
	for id := range ids {
		in = append(in, id)
	}
	out := map[string]record{}
	for _, d := range m.find(bson.D{{Key: "connectionId", Value: bson.D{{Key: "$in", Value: in}}}}) {
		id, _ := d.Lookup("connectionId").StringValueOK()
		rooms, _ := d.Lookup("rooms").ArrayOK()
		values, _ := rooms.Values()
		for _, v := range values {
			room, _ := v.StringValueOK()
			out[subscriptionKey(id, room)] = record{"connectionId": id, "room": room}
		}
	}
	return out
}

// seed writes documents as this27's $connect and subscribeToOrder would
// have: the rooms inside, the times as dates.
func (m *mongoWitness) seed(recs ...seedRecord) {
	m.t.Helper()
	docs := make([]any, len(recs))
	for i, r := range recs {
		rooms := bson.A{}
		for _, room := range r.rooms {
			rooms = append(rooms, room)
		}
		docs[i] = bson.D{
			{Key: "connectionId", Value: r.id}, {Key: "userId", Value: r.user}, {Key: "role", Value: r.app.entity},
			{Key: "app", Value: r.app.name}, {Key: "platform", Value: "android"}, {Key: "rooms", Value: rooms},
			{Key: "connectedAt", Value: r.at}, {Key: "lastSeenAt", Value: r.at},
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if _, err := m.coll.InsertMany(ctx, docs); err != nil {
		m.t.Fatalf("seeding %s: %v", mongoCollection, err)
	}
}

// remove deletes the documents of ids, their rooms with them.
func (m *mongoWitness) remove(ids []string) {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if _, err := m.coll.DeleteMany(ctx, bson.D{{Key: "connectionId", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		m.t.Fatalf("cleaning up %s: %v", mongoCollection, err)
	}
}
