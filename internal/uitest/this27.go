package uitest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wsops/config"
	"wsops/data"
	"wsops/internal/testrig"
	"wsops/ops"
)

// This27Docs is a small this27 fleet as MongoDB documents, written the way
// this27's Lambdas write them: a rider written with role "customer" (the
// incident), an order room three connections are in, and a document whose
// connectedAt is a string and whose rooms are not an array.
func This27Docs() []bson.D {
	doc := func(i int, user, app, role, platform string, age time.Duration, rooms ...any) bson.D {
		at := Now.Add(-age)
		return bson.D{{Key: "connectionId", Value: fmt.Sprintf("Room%011d=", i)}, {Key: "userId", Value: user},
			{Key: "role", Value: role}, {Key: "app", Value: app}, {Key: "platform", Value: platform},
			{Key: "rooms", Value: append(bson.A{}, rooms...)}, {Key: "connectedAt", Value: at}, {Key: "lastSeenAt", Value: at}}
	}
	return []bson.D{
		doc(1, "rider-0001", "rider-app", "rider", "android", time.Minute, "order:order123"),
		doc(2, "rider-0002", "rider-app", "customer", "ios", 2*time.Minute, "order:order123", "order:order7"),
		doc(3, "customer-0001", "customer-app", "customer", "ios", 3*time.Minute, "order:order123"),
		doc(4, "manager-0001", "manager-web", "manager", "web", 10*time.Minute, "order:order7"),
		doc(5, "customer-0002", "customer-app", "customer", "android", 20*time.Minute),
		{{Key: "connectionId", Value: "Room00000000006="}, {Key: "userId", Value: "rider-0003"}, {Key: "app", Value: "rider-app"},
			{Key: "role", Value: "rider"}, {Key: "connectedAt", Value: Now.Add(-time.Hour).Format(time.RFC3339)}, {Key: "rooms", Value: "order:order9"}},
	}
}

// NewThis27 stores the this27 fleet in a fresh database of the test
// binary's MongoDB (written through the driver) and returns the session
// over it, whose Ops ask c, on the built-in this27 sandbox profile.
func NewThis27(t testing.TB, c ops.Confirmer, opt Options) Fixture {
	t.Helper()
	db := testrig.MongoDatabase(t)
	p, err := config.Builtin().Profile(config.SandboxThis27Profile)
	if err != nil {
		t.Fatal(err)
	}
	p.WebSocketURL, p.ManagementURL = "ws://"+config.SandboxThis27Addr+"/"+config.SandboxStage, "http://"+config.SandboxThis27Addr+"/"+config.SandboxStage
	schema := p.Schema
	schema.Mongo.Database = db.Name()
	ctx := context.Background()
	if err := data.EnsureMongoIndexes(ctx, db, schema); err != nil {
		t.Fatal(err)
	}
	var docs []any
	for _, d := range This27Docs() {
		docs = append(docs, d)
	}
	if _, err := db.Collection(schema.Mongo.Collection).InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	reg, err := data.NewMongoRegistry(db, schema, data.Options{Now: func() time.Time { return Now }})
	if err != nil {
		t.Fatal(err)
	}
	f := Fixture{Profile: p, Mongo: db, Registry: reg}
	f.Ops, f.Audit = NewOps(t, reg, gatewayOr(opt.Gateway), p.Name, c, opt.Deps)
	return f
}
