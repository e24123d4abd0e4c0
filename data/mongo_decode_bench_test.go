package data

import (
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// benchDocuments are n this27 connection documents as the driver hands
// them over: raw BSON.
func benchDocuments(b *testing.B, n int) []bson.Raw {
	at := time.Now().Add(-10 * time.Minute)
	docs := make([]bson.Raw, n)
	for i := range docs {
		raw, err := bson.Marshal(bson.D{
			{Key: "_id", Value: bson.NewObjectID()}, {Key: "connectionId", Value: fmt.Sprintf("L0SM9cOF%07d=", i)},
			{Key: "userId", Value: fmt.Sprintf("user-%06d", i/2)}, {Key: "role", Value: "rider"}, {Key: "app", Value: "rider-app"},
			{Key: "platform", Value: "android"}, {Key: "rooms", Value: bson.A{fmt.Sprintf("order:o%d", i), "order:shared"}},
			{Key: "connectedAt", Value: at}, {Key: "lastSeenAt", Value: at},
		})
		if err != nil {
			b.Fatal(err)
		}
		docs[i] = raw
	}
	return docs
}

// BenchmarkMongoDocumentDecode is the store's own cost per document, with
// no server: the document converted to an item and decoded leniently
// (problems checked), against the driver decoding it into a bson.M. What a
// listing costs beyond the server's answer (BenchmarkMongoInventory's
// figures are the server's). Run with -cpu 1 for a per-core figure.
func BenchmarkMongoDocumentDecode(b *testing.B) {
	docs := benchDocuments(b, 1000)
	s := This27MongoSchema()
	m := &MongoRegistry{schema: s, codec: newMongoCodec(s), opt: Options{Now: time.Now}}
	b.Run("store", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, d := range docs {
				if c := m.decodeConnection(d); c.ID == "" {
					b.Fatal("no id")
				}
			}
		}
		b.ReportMetric(float64(b.N*len(docs))/b.Elapsed().Seconds(), "docs/s")
	})
	b.Run("bsonM", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, d := range docs {
				var v bson.M
				if err := bson.Unmarshal(d, &v); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N*len(docs))/b.Elapsed().Seconds(), "docs/s")
	})
}
