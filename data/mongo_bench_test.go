package data_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wsops/data"
	"wsops/internal/testrig"
)

// benchDocs is how many documents BenchmarkMongoInventory lists
// (WSOPS_BENCH_MONGO_DOCS overrides it, for a quick run).
const benchDocs = 100_000

// BenchmarkMongoInventory lists a collection of this27 connection documents
// (100,000: every room, date and field a real one has) through the store —
// cursor batches, each document converted to an item and decoded leniently
// onto a Connection — and, in the same run over the same collection, with a
// bare driver cursor that only walks the documents (cursor.Next) and with
// one that decodes each into a bson.M. Each iteration runs all three, in
// alternating order, so the server's state is the same for each; it
// reports each one's time per listing and the store's ratio to both
// baselines. The same batch size for all (data.DefaultMongoBatch).
func BenchmarkMongoInventory(b *testing.B) {
	n := benchDocs
	if v, err := strconv.Atoi(os.Getenv("WSOPS_BENCH_MONGO_DOCS")); err == nil && v > 0 {
		n = v
	}
	db := testrig.MongoDatabase(b)
	s := mongoSchema(data.This27Schema(), db.Name())
	coll := db.Collection(s.Mongo.Collection)
	seedInventory(b, coll, n)
	reg, err := data.NewMongoRegistry(db, s, data.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	walk := func(decode bool) time.Duration {
		start := time.Now()
		cur, err := coll.Find(ctx, bson.D{}, options.Find().SetBatchSize(data.DefaultMongoBatch))
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for cur.Next(ctx) {
			if decode {
				var m bson.M
				if err := cur.Decode(&m); err != nil {
					b.Fatal(err)
				}
			}
			got++
		}
		if err := cur.Err(); err != nil || got != n {
			b.Fatalf("driver listed %d of %d: %v", got, n, err)
		}
		_ = cur.Close(ctx)
		return time.Since(start)
	}
	list := func() time.Duration {
		start := time.Now()
		got := 0
		for pg := range reg.Connections(ctx, data.Select{}) {
			if pg.Err != nil {
				b.Fatal(pg.Err)
			}
			got += len(pg.Items)
		}
		if got != n {
			b.Fatalf("store listed %d of %d", got, n)
		}
		return time.Since(start)
	}
	var store, bare, decoded time.Duration
	round := 0
	b.ResetTimer()
	for b.Loop() {
		if round%2 == 0 { // the order alternates: no listing always meets a warm or a cold server
			store += list()
			bare += walk(false)
			decoded += walk(true)
		} else {
			decoded += walk(true)
			bare += walk(false)
			store += list()
		}
		round++
	}
	per := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(b.N) }
	b.ReportMetric(per(store), "store-ms/list")
	b.ReportMetric(per(bare), "bare-ms/list")
	b.ReportMetric(per(decoded), "bsonM-ms/list")
	b.ReportMetric(float64(store)/float64(bare), "x-bare")
	b.ReportMetric(float64(store)/float64(decoded), "x-bsonM")
	b.ReportMetric(float64(n), "docs")
}

// seedInventory writes n connection documents through the driver, a
// thousand at a time.
func seedInventory(b *testing.B, coll *mongo.Collection, n int) {
	b.Helper()
	apps := [][2]string{{"customer-app", "customer"}, {"rider-app", "rider"}, {"manager-web", "manager"}}
	at := time.Now().Add(-10 * time.Minute)
	batch := make([]any, 0, 1000)
	for i := range n {
		app := apps[i%len(apps)]
		batch = append(batch, bson.D{
			{Key: "_id", Value: bson.NewObjectID()}, {Key: "connectionId", Value: fmt.Sprintf("L0SM9cOF%07d=", i)},
			{Key: "userId", Value: fmt.Sprintf("user-%06d", i/2)}, {Key: "role", Value: app[1]}, {Key: "app", Value: app[0]},
			{Key: "platform", Value: "android"}, {Key: "rooms", Value: bson.A{fmt.Sprintf("order:o%d", i%5000), "order:shared"}},
			{Key: "connectedAt", Value: at}, {Key: "lastSeenAt", Value: at.Add(time.Minute)},
		})
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := coll.InsertMany(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}
