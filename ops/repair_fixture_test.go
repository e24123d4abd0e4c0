package ops

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wsops/data"
	"wsops/internal/testrig"
	"wsops/mgmt"
	"wsops/ops/auditlog"
	"wsops/ops/repairplan"
)

// plainString is a string attribute's value, "" for anything else.
func plainString(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// repairRig is a registry on one test backend with an Ops to repair it.
type repairRig struct {
	db      *dynamodb.Client // DynamoDB backends
	mdb     *mongo.Database  // the MongoDB backend
	schema  data.Schema
	reg     data.Store
	ops     *Ops
	deps    Deps
	audit   *auditlog.Log
	confirm *recordingConfirmer
	dir     string
	now     time.Time
}

// liveGateway says every connection is open (a repair plan asks before it
// creates records for one) and panics on any write: a repair makes none.
type liveGateway struct{ noGateway }

func (liveGateway) Get(context.Context, string) (mgmt.ConnectionInfo, error) {
	return mgmt.ConnectionInfo{}, nil
}

// eachRepairBackend runs fn against dynalite and minidyn with fresh tables,
// and for a schema a MongoDB registry can keep (this27) against the
// embedded FerretDB with a fresh database.
func eachRepairBackend(t *testing.T, s data.Schema, fn func(t *testing.T, r *repairRig)) {
	t.Setenv("XDG_STATE_HOME", t.TempDir()) // default journals go there
	for _, b := range testrig.RegistryBackends(t, s) {
		t.Run(b.Name, func(t *testing.T) {
			r := &repairRig{dir: t.TempDir(), confirm: &recordingConfirmer{}, now: time.Now().Truncate(time.Millisecond)}
			var tables []string
			if b.Store == testrig.StoreMongo {
				r.mdb = testrig.MongoDatabase(t)
				r.schema, _ = data.MongoPresetSchema(s.Preset)
				r.schema.Mongo.Database = r.mdb.Name()
				reg, err := data.NewMongoRegistry(r.mdb, r.schema, data.Options{})
				if err != nil {
					t.Fatal(err)
				}
				r.reg, tables = reg, []string{r.mdb.Name() + "." + r.schema.Mongo.Collection}
			} else {
				r.db = testrig.DynamoClient(b.URL)
				r.schema = testrig.UniqueSchema(t, r.db, s)
				r.reg = data.NewRegistry(r.db, r.schema, data.Options{Segments: min(4, b.MaxSegments)})
				tables = []string{r.schema.Connections.Table.Name, r.schema.Subscriptions.Table.Name}
			}
			r.audit = auditlog.New(filepath.Join(r.dir, "audit.jsonl"))
			r.deps = Deps{Registry: r.reg, Gateway: liveGateway{}, Policy: Policy{Profile: "sandbox"}, Confirm: r.confirm, Audit: r.audit,
				Caller: sandboxCaller, Now: func() time.Time { return r.now },
				Place: Place{Registry: b.URL, Tables: tables}}
			r.ops = r.with(t, nil)
			fn(t, r)
		})
	}
}

// with is an Ops over the rig's registry with deps changed by change (nil: as they are).
func (r *repairRig) with(t *testing.T, change func(*Deps)) *Ops {
	t.Helper()
	return testOps(t, r.deps, change)
}

// conn is a well-formed connection of app with the app rule's entity type.
func (r *repairRig) conn(i int, app string) data.Connection {
	return data.Connection{ID: fmt.Sprintf("R%014d=", i), User: fmt.Sprintf("u-%d", i), App: app,
		EntityType: r.schema.AppEntity[app], Platform: "android",
		ConnectedAt: r.now.Add(-time.Minute), TTL: r.now.Add(time.Hour)}
}

func (r *repairRig) put(t *testing.T, conns []data.Connection, subs []data.Subscription) {
	t.Helper()
	if r.mdb != nil {
		r.putDocuments(t, conns, subs)
		return
	}
	put := func(table string, item data.Item) {
		if _, err := r.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			t.Fatalf("seeding %s: %v", table, err)
		}
	}
	for _, c := range conns {
		put(r.schema.Connections.Table.Name, r.schema.EncodeConnection(c))
	}
	for _, s := range subs {
		put(r.schema.Subscriptions.Table.Name, r.schema.EncodeSubscription(s))
	}
}

// putDocuments writes connections as documents and subscriptions as their
// room entries, through the driver ($set and $addToSet, upserting).
func (r *repairRig) putDocuments(t *testing.T, conns []data.Connection, subs []data.Subscription) {
	t.Helper()
	a := r.schema.Connections.Attrs
	coll := r.mdb.Collection(r.schema.Mongo.Collection)
	upsert := func(id string, update bson.D) {
		if _, err := coll.UpdateOne(context.Background(), bson.D{{Key: a.ID, Value: id}}, update, options.UpdateOne().SetUpsert(true)); err != nil {
			t.Fatalf("seeding %s: %v", id, err)
		}
	}
	for _, c := range conns {
		doc := bson.D{}
		for _, f := range [][2]string{{a.User, c.User}, {a.EntityType, c.EntityType}, {a.App, c.App}, {a.Platform, c.Platform}} {
			if f[0] != "" && f[1] != "" {
				doc = append(doc, bson.E{Key: f[0], Value: f[1]})
			}
		}
		if !c.ConnectedAt.IsZero() {
			doc = append(doc, bson.E{Key: a.ConnectedAt, Value: c.ConnectedAt})
		}
		upsert(c.ID, bson.D{{Key: "$set", Value: doc}})
	}
	for _, s := range subs {
		upsert(s.ConnectionID, bson.D{{Key: "$addToSet", Value: bson.D{{Key: r.schema.Mongo.Rooms, Value: s.Key}}}})
	}
}

// entities reads every record's entity type: connections by id, and
// subscriptions by "id key".
func (r *repairRig) entities(t *testing.T) (conns, subs map[string]string) {
	t.Helper()
	ctx := context.Background()
	cs, err := data.Collect(ctx, r.reg.Connections(ctx, data.Select{}))
	if err != nil {
		t.Fatal(err)
	}
	conns = map[string]string{}
	for _, c := range cs {
		conns[c.ID] = c.EntityType
	}
	ss, err := data.Collect(ctx, r.reg.Subscriptions(ctx, data.Select{}))
	if err != nil {
		t.Fatal(err)
	}
	subs = map[string]string{}
	for _, s := range ss {
		subs[s.ConnectionID+" "+s.Key] = s.EntityType
	}
	return conns, subs
}

// setEntity writes an entity type behind the repair's back (another writer).
func (r *repairRig) setEntity(t *testing.T, id, entity string) {
	t.Helper()
	a := r.schema.Connections.Attrs
	if r.mdb != nil {
		_, err := r.mdb.Collection(r.schema.Mongo.Collection).UpdateOne(context.Background(),
			bson.D{{Key: a.ID, Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: a.EntityType, Value: entity}}}})
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	_, err := r.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName:                 aws.String(r.schema.Connections.Table.Name),
		Key:                       data.Item{r.schema.Connections.Table.HashKey: &types.AttributeValueMemberS{Value: id}},
		UpdateExpression:          aws.String("SET #e = :v"),
		ExpressionAttributeNames:  map[string]string{"#e": a.EntityType},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: entity}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// summary writes each change as "table id attribute old→new" (or "create key").
func summary(p repairplan.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		id := plainString(c.Key["connectionId"])
		switch c.Op {
		case repairplan.OpSet:
			out = append(out, fmt.Sprintf("%s %s %s %s→%s", c.Table(), id, c.Attribute, repairplan.ValueText(c.Old), repairplan.ValueText(c.New)))
		default:
			out = append(out, fmt.Sprintf("%s %s %s %s", c.Op, c.Table(), id, plainString(c.Record["subscriptionKey"])))
		}
	}
	slices.Sort(out)
	return out
}
