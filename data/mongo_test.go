package data_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.mongodb.org/mongo-driver/v2/bson"

	"wsops/data"
	"wsops/internal/testrig"
)

// onMongo runs fn against the embedded FerretDB with a fresh this27
// database and its indexes.
func onMongo(t *testing.T, fn func(t *testing.T, f fixture)) {
	t.Helper()
	f := fixture{backend: testrig.Backend{Name: "ferretdb", MaxSegments: 1, Store: testrig.StoreMongo},
		now: time.Now().UTC().Truncate(time.Millisecond), mdb: testrig.MongoDatabase(t)}
	f.schema = mongoSchema(data.This27Schema(), f.mdb.Name())
	if err := data.EnsureMongoIndexes(context.Background(), f.mdb, f.schema); err != nil {
		t.Fatal(err)
	}
	fn(t, f)
}

func sv(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// Documents written by another client, some of them malformed the ways a
// hand-written Lambda gets them wrong, are each listed once, flagged.
func TestMongoMalformedDocumentsAreFlaggedNotLost(t *testing.T) {
	onMongo(t, func(t *testing.T, f fixture) {
		at := f.now.Add(-time.Minute)
		oid := bson.NewObjectID()
		docs := map[string]bson.D{
			"good": {{Key: "connectionId", Value: "good"}, {Key: "userId", Value: "u"}, {Key: "role", Value: "rider"},
				{Key: "app", Value: "rider-app"}, {Key: "platform", Value: "ios"}, {Key: "rooms", Value: bson.A{"order:1"}},
				{Key: "connectedAt", Value: at}, {Key: "lastSeenAt", Value: at}},
			"string-date": {{Key: "connectionId", Value: "string-date"}, {Key: "userId", Value: "u"}, {Key: "role", Value: "rider"},
				{Key: "app", Value: "rider-app"}, {Key: "connectedAt", Value: at.Format(time.RFC3339)}},
			"number-id": {{Key: "connectionId", Value: 42}, {Key: "userId", Value: "u"}, {Key: "role", Value: "rider"},
				{Key: "app", Value: "rider-app"}, {Key: "connectedAt", Value: at}},
			"rooms-string": {{Key: "connectionId", Value: "rooms-string"}, {Key: "userId", Value: "u"}, {Key: "role", Value: "rider"},
				{Key: "app", Value: "rider-app"}, {Key: "connectedAt", Value: at}, {Key: "rooms", Value: "order:1"}},
			"rooms-mixed": {{Key: "connectionId", Value: "rooms-mixed"}, {Key: "userId", Value: "u"}, {Key: "role", Value: "rider"},
				{Key: "app", Value: "rider-app"}, {Key: "connectedAt", Value: at}, {Key: "rooms", Value: bson.A{"order:1", 7, "order:1"}}},
			"incident": {{Key: "connectionId", Value: "incident"}, {Key: "userId", Value: oid}, {Key: "role", Value: "customer"},
				{Key: "app", Value: "rider-app"}, {Key: "connectedAt", Value: at}, {Key: "meta", Value: bson.D{{Key: "v", Value: 1.5}}}},
			"bare": {{Key: "connectionId", Value: "bare"}},
			"old-number-date": {{Key: "connectionId", Value: "old-number-date"}, {Key: "userId", Value: "u"}, {Key: "role", Value: "rider"},
				{Key: "app", Value: "rider-app"}, {Key: "connectedAt", Value: f.now.Add(-3 * time.Hour).UnixMilli()}},
		}
		want := map[string][]string{
			"good":            nil,
			"string-date":     {"connectedAt is a string, expected a date"},
			"number-id":       {"connectionId is a number, expected a string"},
			"rooms-string":    {"rooms is a string, expected an array"},
			"rooms-mixed":     {`rooms holds "order:1" 2 times`, "rooms holds a number, expected strings"},
			"incident":        {`role "customer" but app rider-app`}, // an ObjectId user id reads as its hex string
			"bare":            {"missing userId", "missing role", "missing app", "missing connectedAt"},
			"old-number-date": {"older than 2h", "connectedAt is a number, expected a date"},
		}
		var all []any
		for _, d := range docs {
			all = append(all, d)
		}
		f.insert(t, all...)

		got := collect(t, f.registry(1).Connections(context.Background(), data.Select{}))
		if len(got) != len(docs) {
			t.Fatalf("listed %d rows, want all %d documents once each", len(got), len(docs))
		}
		byID := map[string]data.Connection{}
		for _, c := range got {
			id := c.ID
			if id == "42" {
				id = "number-id"
			}
			byID[id] = c
		}
		for id := range docs {
			c, ok := byID[id]
			if !ok {
				t.Errorf("%s: not listed", id)
				continue
			}
			if strings.Join(c.Problems, "; ") != strings.Join(want[id], "; ") {
				t.Errorf("%s: problems %q, want %q", id, c.Problems, want[id])
			}
		}
		if c := byID["incident"]; c.User != oid.Hex() || data.PlainItem(c.Item)["meta"] == nil {
			t.Errorf("incident: user %q, attributes %v: want the ObjectId's hex and the nested document", c.User, data.PlainItem(c.Item))
		}
		if c := byID["good"]; !c.ConnectedAt.Equal(at) || !c.LastSeenAt.Equal(at) {
			t.Errorf("good: connected %v, last seen %v, want %v", c.ConnectedAt, c.LastSeenAt, at)
		}
		// Their rooms: the string one read as a room, flagged; the number
		// one flagged by the subscription decoder; the twice-listed once.
		subs := collect(t, f.registry(1).Subscriptions(context.Background(), data.Select{}))
		var rows []string
		for _, s := range subs {
			rows = append(rows, s.ConnectionID+" "+s.Key+" "+strings.Join(s.Problems, "; "))
		}
		slices.Sort(rows)
		wantRows := []string{"good order:1 ", "rooms-mixed 7 room is a number, expected a string",
			"rooms-mixed order:1 rooms holds it 2 times", "rooms-string order:1 rooms is a string, expected an array"}
		if !slices.Equal(rows, wantRows) {
			t.Errorf("subscription rows %q, want %q", rows, wantRows)
		}
	})
}

// A topic is the query {rooms: topic}: exactly the room's members, each
// once, whatever else their documents hold.
func TestMongoTopicListsExactlyTheRoomsMembers(t *testing.T) {
	onMongo(t, func(t *testing.T, f fixture) {
		at := f.now.Add(-time.Minute)
		doc := func(id string, rooms any) bson.D {
			return bson.D{{Key: "connectionId", Value: id}, {Key: "userId", Value: "u-" + id}, {Key: "role", Value: "customer"},
				{Key: "app", Value: "customer-app"}, {Key: "connectedAt", Value: at}, {Key: "rooms", Value: rooms}}
		}
		f.insert(t, doc("a", bson.A{"order:X", "order:Y"}), doc("b", bson.A{"order:X"}), doc("c", bson.A{"order:XY", "order:x"}),
			doc("d", bson.A{}), doc("e", "order:X"), doc("f", bson.A{"order:X", "order:X"}))
		reg := f.registry(1)
		ctx := context.Background()
		members := func(sel data.Select) []string {
			var out []string
			for _, s := range collect(t, reg.Subscriptions(ctx, sel)) {
				if s.Key != "order:X" {
					t.Errorf("topic order:X listed %s's %s", s.ConnectionID, s.Key)
				}
				out = append(out, s.ConnectionID)
			}
			slices.Sort(out)
			return out
		}
		if got := members(data.Select{Topic: "order:X"}); !slices.Equal(got, []string{"a", "b", "e", "f"}) {
			t.Errorf("members of order:X: %v, want a b e f", got)
		}
		var conns []string
		for _, c := range collect(t, reg.Connections(ctx, data.Select{Topic: "order:X"})) {
			conns = append(conns, c.ID)
		}
		slices.Sort(conns)
		if !slices.Equal(conns, []string{"a", "b", "e", "f"}) {
			t.Errorf("connections in order:X: %v, want a b e f", conns)
		}
		if got := members(data.Select{Topic: "order:X", User: "u-b"}); !slices.Equal(got, []string{"b"}) {
			t.Errorf("order:X of user u-b: %v", got)
		}
	})
}

// Writes are conditional: a room entry is added once ($addToSet) and
// removed only while held ($pull); a document is created only where none
// has its id, updated only while it holds the planned value, deleted only
// while unchanged. A room entry has no attribute to update.
func TestMongoWritesAreConditional(t *testing.T) {
	onMongo(t, func(t *testing.T, f fixture) {
		reg := f.registry(1)
		ctx := context.Background()
		c := f.conn(1, "r1", "rider-app")
		c.EntityType = "customer"
		f.putConns(t, c)
		sub := data.Item{"connectionId": sv(c.ID), "room": sv("order:9")}
		if err := reg.Create(ctx, true, sub); err != nil {
			t.Fatalf("joining a room: %v", err)
		}
		if err := reg.Create(ctx, true, sub); !errors.Is(err, data.ErrConflict) {
			t.Fatalf("joining it again: %v, want ErrConflict", err)
		}
		if err := reg.Create(ctx, true, data.Item{"connectionId": sv("nobody"), "room": sv("order:9")}); !errors.Is(err, data.ErrNotFound) {
			t.Fatalf("a room of a connection with no document: %v, want ErrNotFound", err)
		}
		if got, err := reg.Record(ctx, true, reg.KeyOf(true, sub)); err != nil || !data.EqualValues(got["room"], sv("order:9")) {
			t.Fatalf("the room entry: %v, %v", data.PlainItem(got), err)
		}
		key := reg.KeyOf(false, data.Item{"connectionId": sv(c.ID)})
		if _, err := reg.Update(ctx, data.Change{Subscriptions: true, Key: reg.KeyOf(true, sub), Attribute: "room", New: sv("x")}); !errors.Is(err, data.ErrUnsupported) {
			t.Fatalf("updating a room entry: %v, want ErrUnsupported", err)
		}
		before, err := reg.Update(ctx, data.Change{Key: key, Attribute: "role", Old: sv("customer"), New: sv("rider")})
		if err != nil || !data.EqualValues(before["role"], sv("customer")) || before["rooms"] == nil {
			t.Fatalf("repair: before %v, %v; want the whole document as it was", data.PlainItem(before), err)
		}
		if _, err := reg.Update(ctx, data.Change{Key: key, Attribute: "role", Old: sv("customer"), New: sv("rider")}); !errors.Is(err, data.ErrConflict) {
			t.Fatalf("the same repair again: %v, want ErrConflict", err)
		}
		// A date field's condition matches the date the item carries as a string.
		doc, err := reg.Record(ctx, false, key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reg.Update(ctx, data.Change{Key: key, Attribute: "connectedAt", Old: doc["connectedAt"], New: doc["connectedAt"]}); err != nil {
			t.Fatalf("update conditioned on a date: %v", err)
		}
		if err := reg.DeleteUnchanged(ctx, false, before); !errors.Is(err, data.ErrConflict) {
			t.Fatalf("deleting a changed document: %v, want ErrConflict", err)
		}
		if err := reg.DeleteUnchanged(ctx, true, sub); err != nil {
			t.Fatalf("leaving the room: %v", err)
		}
		if err := reg.DeleteUnchanged(ctx, true, sub); !errors.Is(err, data.ErrConflict) {
			t.Fatalf("leaving it again: %v, want ErrConflict", err)
		}
		doc, err = reg.Record(ctx, false, key)
		if err != nil {
			t.Fatal(err)
		}
		if err := reg.DeleteUnchanged(ctx, false, doc); err != nil {
			t.Fatalf("deleting the unchanged document: %v", err)
		}
		if _, err := reg.Record(ctx, false, key); !errors.Is(err, data.ErrNotFound) {
			t.Fatalf("after the delete: %v, want ErrNotFound", err)
		}
		// Restored from its before-image: the same document, types and all.
		if err := reg.Create(ctx, false, doc); err != nil {
			t.Fatalf("restoring: %v", err)
		}
		if err := reg.Create(ctx, false, doc); !errors.Is(err, data.ErrConflict) {
			t.Fatalf("restoring over it: %v, want ErrConflict", err)
		}
		var back bson.M
		if err := f.coll().FindOne(ctx, bson.D{{Key: "connectionId", Value: c.ID}}).Decode(&back); err != nil {
			t.Fatal(err)
		}
		if _, ok := back["_id"].(bson.ObjectID); !ok {
			t.Errorf("restored _id %T, want the ObjectId", back["_id"])
		}
		if d, ok := back["connectedAt"].(bson.DateTime); !ok || !d.Time().Equal(c.ConnectedAt) {
			t.Errorf("restored connectedAt %v (%T), want the date %v", back["connectedAt"], back["connectedAt"], c.ConnectedAt)
		}
	})
}

// Values keep their types through an item and back: what a restore writes
// is what was read.
func TestMongoItemsRoundTrip(t *testing.T) {
	onMongo(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		at := time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.UTC)
		orig := bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "connectionId", Value: "rt"},
			{Key: "big", Value: int64(9007199254740993)}, {Key: "small", Value: int32(7)}, {Key: "half", Value: 0.5},
			{Key: "yes", Value: true}, {Key: "none", Value: nil}, {Key: "connectedAt", Value: at},
			{Key: "rooms", Value: bson.A{"order:1", "order:2"}}, {Key: "nested", Value: bson.D{{Key: "a", Value: "b"}, {Key: "n", Value: int64(3)}}}}
		f.insert(t, orig)
		reg := f.registry(1)
		key := data.Item{"connectionId": sv("rt")}
		item, err := reg.Record(ctx, false, key)
		if err != nil {
			t.Fatal(err)
		}
		if got := data.PlainItem(item)["connectedAt"]; got != "2024-05-06T07:08:09.123Z" {
			t.Errorf("a date reads as %v, want its ISO-8601 form", got)
		}
		if n, ok := item["big"].(*types.AttributeValueMemberN); !ok || n.Value != "9007199254740993" {
			t.Errorf("a large integer reads as %v, want its exact digits", item["big"])
		}
		if err := reg.DeleteUnchanged(ctx, false, item); err != nil {
			t.Fatalf("deleting the document as read: %v", err)
		}
		if err := reg.Create(ctx, false, item); err != nil {
			t.Fatal(err)
		}
		var back bson.D
		if err := f.coll().FindOne(ctx, bson.D{{Key: "connectionId", Value: "rt"}}).Decode(&back); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{}
		for _, e := range orig {
			want[e.Key] = e.Value
		}
		for _, e := range back {
			w := want[e.Key]
			switch v := e.Value.(type) {
			case bson.DateTime:
				if !v.Time().Equal(at) {
					t.Errorf("%s: %v, want %v", e.Key, v.Time(), at)
				}
			case int64, float64, bool, string, nil, bson.ObjectID:
				if n, ok := w.(int32); ok {
					w = int64(n)
				}
				if v != w {
					t.Errorf("%s: %v (%T), want %v (%T)", e.Key, v, v, w, w)
				}
			case bson.A:
				if len(v) != 2 || v[0] != "order:1" || v[1] != "order:2" {
					t.Errorf("%s: %v", e.Key, v)
				}
			case bson.D:
				if len(v) != 2 || v[0].Value != "b" || v[1].Value != int64(3) {
					t.Errorf("%s: %v", e.Key, v)
				}
			default:
				t.Errorf("%s: restored as %T", e.Key, v)
			}
		}
		if len(back) != len(orig) {
			t.Errorf("restored %v, want %v", back, orig)
		}
	})
}

// Deletes remove exactly what they name: whole documents, and room
// entries (a rooms string included) from documents that stay.
func TestMongoDeleteRecordsRemovesExactlyThoseRecords(t *testing.T) {
	onMongo(t, func(t *testing.T, f fixture) {
		at := f.now.Add(-time.Minute)
		doc := func(id string, rooms any) bson.D {
			return bson.D{{Key: "connectionId", Value: id}, {Key: "userId", Value: "u"}, {Key: "role", Value: "rider"},
				{Key: "app", Value: "rider-app"}, {Key: "connectedAt", Value: at}, {Key: "rooms", Value: rooms}}
		}
		f.insert(t, doc("gone", bson.A{"order:1"}), doc("stays", bson.A{"order:1", "order:2", "order:3"}), doc("str", "order:1"), doc("other", bson.A{"order:1"}))
		reg := f.registry(1)
		ctx := context.Background()
		room := func(id, r string) data.Item { return data.Item{"connectionId": sv(id), "room": sv(r)} }
		err := reg.DeleteRecords(ctx, []data.Item{{"connectionId": sv("gone")}},
			[]data.Item{room("gone", "order:1"), room("stays", "order:1"), room("stays", "order:3"), room("str", "order:1")})
		if err != nil {
			t.Fatal(err)
		}
		var rows []string
		for _, s := range collect(t, reg.Subscriptions(ctx, data.Select{})) {
			rows = append(rows, s.ConnectionID+" "+s.Key)
		}
		slices.Sort(rows)
		if want := []string{"other order:1", "stays order:2"}; !slices.Equal(rows, want) {
			t.Errorf("room entries left %v, want %v", rows, want)
		}
		if n, err := f.coll().CountDocuments(ctx, bson.D{}); err != nil || n != 3 {
			t.Errorf("%d documents left (%v), want 3", n, err)
		}
		if n, err := reg.EstimatedConnections(ctx); err != nil || n != 3 {
			t.Errorf("estimated %d connections (%v), want 3", n, err)
		}
	})
}

// The indexes a preset declares are created once, and serve its queries.
func TestMongoIndexesAreCreatedOnce(t *testing.T) {
	onMongo(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		if err := data.EnsureMongoIndexes(ctx, f.mdb, f.schema); err != nil {
			t.Fatalf("ensuring the indexes again: %v", err)
		}
		specs, err := f.coll().Indexes().ListSpecifications(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range specs {
			names = append(names, s.Name)
		}
		slices.Sort(names)
		if want := []string{"_id_", "app_1_role_1", "connectionId_1", "rooms_1", "userId_1"}; !slices.Equal(names, want) {
			t.Errorf("indexes %v, want %v", names, want)
		}
	})
}

// No error shows the URI's password, whatever goes wrong.
func TestMongoErrorsNeverShowThePassword(t *testing.T) {
	const password = "hunter2-s3cret"
	uri := "mongodb://ops:" + password + "@" + testrig.ClosedAddr(t) + "/this27?serverSelectionTimeoutMS=300&connectTimeoutMS=300"
	reg, err := data.DialMongo(uri, data.This27MongoSchema(), data.Options{CallTimeout: 5 * time.Second})
	if err != nil {
		if strings.Contains(err.Error(), password) {
			t.Fatalf("dial error shows the password: %v", err)
		}
		t.Fatal(err)
	}
	defer reg.Close(context.Background())
	ctx := context.Background()
	_, err = data.Collect(ctx, reg.Connections(ctx, data.Select{}))
	if err == nil || strings.Contains(err.Error(), password) {
		t.Errorf("listing with no server: %v, want an error without the password", err)
	}
	if _, err := reg.Connection(ctx, "x"); err == nil || strings.Contains(err.Error(), password) {
		t.Errorf("reading with no server: %v", err)
	}
	if _, err := reg.MissingIndexes(ctx); err == nil || strings.Contains(err.Error(), password) {
		t.Errorf("listing the indexes with no server: %v", err)
	}
	_, err = data.DialMongo("mongodb://ops:"+password+"@localhost/?connectTimeoutMS=soon", data.This27MongoSchema(), data.Options{})
	if err == nil || strings.Contains(err.Error(), password) {
		t.Errorf("a bad URI: %v, want an error without the password", err)
	}
}

// A server that stops answering within the per-call timeout is named so,
// and the listing ends with that error, not silently.
func TestMongoCallTimeoutIsNamed(t *testing.T) {
	onMongo(t, func(t *testing.T, f fixture) {
		f.insert(t, bson.D{{Key: "connectionId", Value: "a"}})
		reg := f.registryWith(data.Options{CallTimeout: time.Nanosecond})
		_, err := data.Collect(context.Background(), reg.Connections(context.Background(), data.Select{}))
		if err == nil || !strings.Contains(err.Error(), "MongoDB did not answer within 1ns") {
			t.Errorf("listing under a 1ns call timeout: %v", err)
		}
		if _, err := reg.Record(context.Background(), false, data.Item{"connectionId": sv("a")}); err == nil || !strings.Contains(err.Error(), "did not answer within") {
			t.Errorf("reading under a 1ns call timeout: %v", err)
		}
	})
}

// A created document is in no room yet, as a schema's default writes it
// (rooms: []), and keeps its null fields: both read through the driver.
func TestMongoCreatedDocumentHasEmptyRoomsAndItsNulls(t *testing.T) {
	onMongo(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		item := f.schema.EncodeConnection(data.Connection{ID: "new1", User: "u", App: "rider-app", EntityType: "rider", ConnectedAt: f.now})
		item["note"] = &types.AttributeValueMemberNULL{Value: true}
		if err := f.registry(1).Create(ctx, false, item); err != nil {
			t.Fatal(err)
		}
		var doc bson.M
		if err := f.mdb.Collection(f.schema.Mongo.Collection).FindOne(ctx, bson.D{{Key: "connectionId", Value: "new1"}}).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		rooms, isArray := doc["rooms"].(bson.A)
		note, hasNote := doc["note"]
		if !isArray || len(rooms) != 0 || !hasNote || note != nil {
			t.Errorf("created document %v: want rooms [] and note null", doc)
		}
	})
}
