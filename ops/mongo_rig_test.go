package ops

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"wsops/data"
	"wsops/internal/testrig"
	"wsops/mgmt"
	"wsops/ops/auditlog"
)

// mongoRig is this27's registry as this27 keeps it — documents in a
// MongoDB collection (the embedded FerretDB), written by the test through
// the driver — with an Ops over it and a gateway that knows which
// connections are gone.
type mongoRig struct {
	db      *mongo.Database
	coll    *mongo.Collection
	schema  data.Schema
	reg     *data.MongoRegistry
	gw      *roomGateway
	ops     *Ops
	deps    Deps
	confirm *recordingConfirmer
	audit   *auditlog.Log
	dir     string
	now     time.Time
}

func newMongoRig(t *testing.T) *mongoRig {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir()) // default journals go there
	db := testrig.MongoDatabase(t)
	s := data.This27MongoSchema()
	s.Mongo.Database = db.Name()
	if err := data.EnsureMongoIndexes(context.Background(), db, s); err != nil {
		t.Fatal(err)
	}
	reg, err := data.NewMongoRegistry(db, s, data.Options{PageSize: 7}) // several batches
	if err != nil {
		t.Fatal(err)
	}
	r := &mongoRig{db: db, coll: db.Collection(s.Mongo.Collection), schema: s, reg: reg, gw: newRoomGateway(),
		confirm: &recordingConfirmer{}, dir: t.TempDir(), now: time.Now().Truncate(time.Millisecond)}
	r.audit = auditlog.New(filepath.Join(r.dir, "audit.jsonl"))
	coll := s.Mongo.Database + "." + s.Mongo.Collection
	r.deps = Deps{Registry: reg, Gateway: r.gw, Confirm: r.confirm, Audit: r.audit, Caller: sandboxCaller,
		Policy: Policy{Profile: "this27-test"}, Now: func() time.Time { return r.now },
		Place: Place{Management: "http://gateway.test/dev", Registry: testrig.MongoURL(t), Tables: []string{coll, coll + ".rooms"}}}
	r.ops = testOps(t, r.deps, nil)
	return r
}

// doc is a connection document as this27's $connect Lambda writes it,
// connected 30 minutes ago, in rooms.
func (r *mongoRig) doc(id, user, app, role string, rooms ...string) bson.D {
	at := r.now.Add(-30 * time.Minute)
	return bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "connectionId", Value: id}, {Key: "userId", Value: user},
		{Key: "role", Value: role}, {Key: "app", Value: app}, {Key: "platform", Value: "android"},
		{Key: "rooms", Value: append(bson.A{}, stringAnys(rooms)...)}, {Key: "connectedAt", Value: at}, {Key: "lastSeenAt", Value: at}}
}

func stringAnys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (r *mongoRig) insert(t *testing.T, docs ...bson.D) {
	t.Helper()
	all := make([]any, len(docs))
	for i, d := range docs {
		all[i] = d
	}
	if _, err := r.coll.InsertMany(context.Background(), all); err != nil {
		t.Fatal(err)
	}
}

// docs reads every document through the driver, by connection id.
func (r *mongoRig) docs(t *testing.T) map[string]bson.M { return testrig.MongoDocs(t, r.coll) }

// roomGateway is the management API of a fleet whose gone connections are
// known: GetConnection and PostToConnection answer 410 for them, the
// others are live; every call is recorded.
type roomGateway struct {
	mu    sync.Mutex
	gone  map[string]bool
	posts map[string]int
	cuts  []string
}

func newRoomGateway() *roomGateway {
	return &roomGateway{gone: map[string]bool{}, posts: map[string]int{}}
}

func (g *roomGateway) setGone(ids ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, id := range ids {
		g.gone[id] = true
	}
}

func (g *roomGateway) Post(_ context.Context, id string, _ []byte) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.posts[id]++
	if g.gone[id] {
		return mgmt.ErrGone
	}
	return nil
}

func (g *roomGateway) Get(_ context.Context, id string) (mgmt.ConnectionInfo, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gone[id] {
		return mgmt.ConnectionInfo{}, mgmt.ErrGone
	}
	return mgmt.ConnectionInfo{}, nil
}

func (g *roomGateway) Delete(_ context.Context, id string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gone[id] {
		return mgmt.ErrGone
	}
	g.gone[id] = true
	g.cuts = append(g.cuts, id)
	return nil
}

// posted are the connections posted to, sorted.
func (g *roomGateway) posted() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for id, n := range g.posts {
		for range n {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
