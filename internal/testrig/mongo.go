package testrig

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wsops/sandbox/mongodb"
)

// MongoEnv names a variable that points every test package at one
// MongoDB-wire server instead of the embedded FerretDB (a real mongod,
// say): a mongodb:// URI.
const MongoEnv = "WSOPS_TEST_MONGODB_URI"

// ferretStart bounds the embedded FerretDB's start, its first answer included.
const ferretStart = 60 * time.Second

// ferret is the test binary's one embedded FerretDB and its one client.
var ferret struct {
	once   sync.Once
	uri    string
	client *mongo.Client
	err    error
	stop   func()
	seq    int
	seqMu  sync.Mutex
}

// MongoURL returns the URI of a MongoDB-wire server for tests: the one
// WSOPS_TEST_MONGODB_URI names, else an embedded FerretDB (a real MongoDB
// wire protocol implementation: its SQLite backend in a temporary
// directory, a free loopback port), started once per test binary and
// stopped by VerifyTestMain. A FerretDB that does not start or answer fails
// the test loudly: it is never skipped.
func MongoURL(t testing.TB) string {
	ferret.once.Do(func() { ferret.uri, ferret.client, ferret.stop, ferret.err = startMongo() })
	if ferret.err != nil {
		t.Fatalf("MongoDB for tests: %v", ferret.err)
	}
	return ferret.uri
}

// MongoClient returns the test binary's shared driver client, connected to
// MongoURL's server. Tests write their documents through it, never through
// wsops's own encoder.
func MongoClient(t testing.TB) *mongo.Client {
	MongoURL(t)
	return ferret.client
}

// MongoDatabase returns a database unique to this test on MongoURL's
// server, dropped when the test ends.
func MongoDatabase(t testing.TB) *mongo.Database {
	c := MongoClient(t)
	ferret.seqMu.Lock()
	ferret.seq++
	name := fmt.Sprintf("t%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, ferret.seq)
	ferret.seqMu.Unlock()
	db := c.Database(name)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = db.Drop(ctx)
	})
	return db
}

// startMongo connects to WSOPS_TEST_MONGODB_URI's server, or starts an
// embedded FerretDB, and waits for its first answer.
func startMongo() (uri string, client *mongo.Client, stop func(), err error) {
	stop = func() {}
	if uri = os.Getenv(MongoEnv); uri == "" {
		if uri, stop, err = startFerretDB(); err != nil {
			return "", nil, nil, err
		}
	}
	client, err = mongo.Connect(options.Client().ApplyURI(uri))
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), ferretStart)
		err = client.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
		cancel()
	}
	if err != nil {
		stop()
		return "", nil, nil, fmt.Errorf("no answer from %s: %w", uri, err)
	}
	stopServer := stop
	stopAll := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Disconnect(ctx)
		stopServer()
	}
	return uri, client, stopAll, nil
}

// startFerretDB runs the sandbox's embedded FerretDB on a free loopback
// port.
func startFerretDB() (uri string, stop func(), err error) {
	srv, err := mongodb.Start("127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	return srv.URI(), srv.Stop, nil
}

// stopMongo stops what MongoURL started, if anything.
func stopMongo() {
	if ferret.stop != nil {
		ferret.stop()
		ferret.stop = nil
	}
}

// MongoDocs reads every document of a registry collection through the
// driver, by connectionId; two documents of one id fail the test.
func MongoDocs(t testing.TB, coll *mongo.Collection) map[string]bson.M {
	t.Helper()
	cur, err := coll.Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var all []bson.M
	if err := cur.All(context.Background(), &all); err != nil {
		t.Fatal(err)
	}
	out := map[string]bson.M{}
	for _, d := range all {
		id := fmt.Sprint(d["connectionId"])
		if _, dup := out[id]; dup {
			t.Errorf("two documents of %s", id)
		}
		out[id] = d
	}
	return out
}

// Rooms are a document's rooms (its rooms array's strings), sorted.
func Rooms(d bson.M) []string {
	var out []string
	arr, _ := d["rooms"].(bson.A)
	for _, v := range arr {
		s, _ := v.(string)
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
