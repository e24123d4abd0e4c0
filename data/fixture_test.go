package data_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wsops/data"
	"wsops/internal/testrig"
)

// fixture is one backend with fresh tables (or a fresh MongoDB database)
// of one schema.
type fixture struct {
	backend testrig.Backend
	db      *dynamodb.Client // DynamoDB backends
	mdb     *mongo.Database  // the MongoDB backend
	schema  data.Schema
	now     time.Time
}

// mongo reports whether the fixture's registry is a MongoDB one.
func (f fixture) mongo() bool { return f.mdb != nil }

// eachBackend runs fn as a subtest per backend (dynalite, minidyn, and
// for this27 the embedded FerretDB), each with its own tables or
// database of schema s.
func eachBackend(t *testing.T, s data.Schema, fn func(t *testing.T, f fixture)) {
	t.Helper()
	for _, b := range testrig.RegistryBackends(t, s) {
		t.Run(b.Name, func(t *testing.T) {
			f := fixture{backend: b, now: time.Now().UTC().Truncate(time.Millisecond)}
			if b.Store == testrig.StoreMongo {
				f.mdb = testrig.MongoDatabase(t)
				f.schema = mongoSchema(s, f.mdb.Name())
				if err := data.EnsureMongoIndexes(context.Background(), f.mdb, f.schema); err != nil {
					t.Fatal(err)
				}
			} else {
				f.db = testrig.DynamoClient(b.URL)
				f.schema = testrig.UniqueSchema(t, f.db, s)
			}
			fn(t, f)
		})
	}
}

// eachStore runs eachBackend for both presets: the tests about the
// registry boundary itself, which every store must pass.
func eachStore(t *testing.T, fn func(t *testing.T, f fixture)) {
	t.Helper()
	for _, s := range []data.Schema{data.WizzSchema(), data.This27Schema()} {
		t.Run(s.Preset, func(t *testing.T) { eachBackend(t, s, fn) })
	}
}

// mongoSchema is s as a MongoDB registry keeps it, in database db.
func mongoSchema(s data.Schema, db string) data.Schema {
	s.Connections.TimeFormat = data.Date
	s.Connections.Attrs.LastSeenAt = "lastSeenAt"
	s.Mongo.Database = db
	return s
}

func (f fixture) registry(segments int) data.Store {
	return f.registryWith(data.Options{Segments: min(segments, f.backend.MaxSegments)})
}

// registryWith is the fixture's registry with opt (its clock the fixture's
// unless opt names one).
func (f fixture) registryWith(opt data.Options) data.Store {
	if opt.Now == nil {
		opt.Now = func() time.Time { return f.now }
	}
	if f.mongo() {
		reg, err := data.NewMongoRegistry(f.mdb, f.schema, opt)
		if err != nil {
			panic(err)
		}
		return reg
	}
	return data.NewRegistry(f.db, f.schema, opt)
}

// put writes items to a table in batches of 25.
func (f fixture) put(t *testing.T, table string, items ...data.Item) {
	t.Helper()
	for start := 0; start < len(items); start += 25 {
		var reqs []types.WriteRequest
		for _, it := range items[start:min(start+25, len(items))] {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
		}
		pending := map[string][]types.WriteRequest{table: reqs}
		for len(pending) > 0 {
			out, err := f.db.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				t.Fatalf("loading %s: %v", table, err)
			}
			pending = out.UnprocessedItems
		}
	}
}

// conn builds a well-formed connection of the fixture's schema.
func (f fixture) conn(i int, user, app string) data.Connection {
	return data.Connection{
		ID: fmt.Sprintf("C%014d=", i), User: user, App: app,
		EntityType: f.schema.AppEntity[app], Platform: "ios",
		ConnectedAt: f.now.Add(-time.Minute), TTL: f.now.Add(time.Hour),
	}
}

// app is the i-th app of the schema's rule, in name order: tests that
// every preset runs pick apps by position (wizz: customers, drivers,
// order-receiver; this27: customer-app, manager-web, rider-app).
func (f fixture) app(i int) string { return sortedApps(f.schema)[i] }

func (f fixture) putConns(t *testing.T, conns ...data.Connection) {
	t.Helper()
	if f.mongo() {
		f.upsertDocs(t, conns...)
		return
	}
	items := make([]data.Item, len(conns))
	for i, c := range conns {
		items[i] = f.schema.EncodeConnection(c)
	}
	f.put(t, f.schema.Connections.Table.Name, items...)
}

func (f fixture) putSubs(t *testing.T, subs ...data.Subscription) {
	t.Helper()
	if f.mongo() {
		f.joinRooms(t, subs...)
		return
	}
	items := make([]data.Item, len(subs))
	for i, s := range subs {
		items[i] = f.schema.EncodeSubscription(s)
	}
	f.put(t, f.schema.Subscriptions.Table.Name, items...)
}

// mongoDoc is connection c as a this27 Lambda writes it, built by the test
// itself (never by wsops's encoder): strings, dates as dates, ttl as a
// number of seconds.
func mongoDoc(s data.Schema, c data.Connection) bson.D {
	a := s.Connections.Attrs
	var d bson.D
	for _, kv := range []struct {
		name  string
		value any
	}{
		{a.ID, c.ID}, {a.User, c.User}, {a.EntityType, c.EntityType}, {a.App, c.App}, {a.Platform, c.Platform},
		{a.SourceIP, c.SourceIP}, {a.UserAgent, c.UserAgent}, {a.BusinessID, c.BusinessID},
		{a.ConnectedAt, c.ConnectedAt}, {a.LastSeenAt, c.LastSeenAt}, {a.TTL, c.TTL},
	} {
		switch v := kv.value.(type) {
		case string:
			if kv.name != "" && v != "" {
				d = append(d, bson.E{Key: kv.name, Value: v})
			}
		case time.Time:
			if kv.name == a.TTL && kv.name != "" && !v.IsZero() {
				d = append(d, bson.E{Key: kv.name, Value: v.Unix()})
			} else if kv.name != "" && !v.IsZero() {
				d = append(d, bson.E{Key: kv.name, Value: v})
			}
		}
	}
	return d
}

// upsertDocs writes the connections' documents through the driver: new
// ones inserted, and a document a room was added to first updated, so that
// it keeps its rooms.
func (f fixture) upsertDocs(t *testing.T, conns ...data.Connection) {
	t.Helper()
	id := f.schema.Connections.Attrs.ID
	cur, err := f.coll().Find(context.Background(), bson.D{}, options.Find().SetProjection(bson.D{{Key: id, Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var have []bson.M
	if err := cur.All(context.Background(), &have); err != nil {
		t.Fatal(err)
	}
	exists := map[any]bool{}
	for _, d := range have {
		exists[d[id]] = true
	}
	var models []mongo.WriteModel
	for _, c := range conns {
		if exists[c.ID] {
			models = append(models, mongo.NewUpdateOneModel().
				SetFilter(bson.D{{Key: id, Value: c.ID}}).
				SetUpdate(bson.D{{Key: "$set", Value: mongoDoc(f.schema, c)}}))
		} else {
			models = append(models, mongo.NewInsertOneModel().SetDocument(mongoDoc(f.schema, c)))
		}
	}
	f.bulk(t, models)
}

// joinRooms adds the subscriptions' keys to their connections' rooms
// arrays through the driver, as this27's subscribeToOrder does (a
// connection with no document gets a bare one).
func (f fixture) joinRooms(t *testing.T, subs ...data.Subscription) {
	t.Helper()
	var models []mongo.WriteModel
	for _, s := range subs {
		models = append(models, mongo.NewUpdateOneModel().SetUpsert(true).
			SetFilter(bson.D{{Key: f.schema.Connections.Attrs.ID, Value: s.ConnectionID}}).
			SetUpdate(bson.D{{Key: "$addToSet", Value: bson.D{{Key: f.schema.Mongo.Rooms, Value: s.Key}}}}))
	}
	f.bulk(t, models)
}

// insert writes raw documents through the driver.
func (f fixture) insert(t *testing.T, docs ...any) {
	t.Helper()
	if _, err := f.coll().InsertMany(context.Background(), docs); err != nil {
		t.Fatalf("inserting %d documents: %v", len(docs), err)
	}
}

func (f fixture) coll() *mongo.Collection { return f.mdb.Collection(f.schema.Mongo.Collection) }

func (f fixture) bulk(t *testing.T, models []mongo.WriteModel) {
	t.Helper()
	for start := 0; start < len(models); start += 1000 {
		_, err := f.coll().BulkWrite(context.Background(), models[start:min(start+1000, len(models))], options.BulkWrite().SetOrdered(true))
		if err != nil {
			t.Fatalf("writing documents: %v", err)
		}
	}
}

// sortedApps are the apps of the schema's rule, in name order.
func sortedApps(s data.Schema) []string { return slices.Sorted(maps.Keys(s.AppEntity)) }
