// Package uitest is what the console's tests share: a small wizz fleet with
// the incident on an in-process DynamoDB (and a this27 one in MongoDB), the Ops and view.Common over it,
// a fake of the API's control plane (apigatewayv2 and CloudWatch) that
// counts its calls, a clock the test moves, and a driver that runs a
// bubbletea model's commands as the program would.
package uitest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"wsops/config"
	"wsops/data"
	"wsops/internal/testrig"
	"wsops/mgmt"
	"wsops/ops"
	"wsops/ops/auditlog"
	"wsops/ui/styles"
	"wsops/ui/view"
)

// Now is the console's clock in tests, so ages and "refreshed" lines are stable.
var Now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// Conns is a small wizz fleet with the incident, a stale record and a
// hostile user id.
func Conns() []data.Connection {
	c := func(i int, user, app, entity, platform string, age time.Duration) data.Connection {
		return data.Connection{ID: fmt.Sprintf("Conn%011d=", i), User: user, App: app, EntityType: entity,
			Platform: platform, ConnectedAt: Now.Add(-age), TTL: Now.Add(time.Hour)}
	}
	merchant := func(c data.Connection, business string) data.Connection { c.BusinessID = business; return c }
	return []data.Connection{
		c(1, "driver-0001", "drivers", "driver", "ios", 30*time.Second),
		c(2, "driver-0002", "drivers", "driver", "android", 5*time.Minute),
		c(3, "customer-0001", "customers", "customer", "ios", 2*time.Minute),
		c(4, "customer-0002", "customers", "customer", "web", 50*time.Minute),
		merchant(c(5, "merchant-0001", "order-receiver", "merchant", "android", 10*time.Minute), "b1"),
		merchant(c(6, "merchant-0002", "order-receiver", "customer", "android", 20*time.Minute), "b2"),
		c(7, "merchant-0003", "order-receiver", "customer", "ios", 3*time.Hour),
		c(8, "x\x1b]52;c;ZXZpbA==\x07\x1b[2Jy", "drivers", "driver", "ios", time.Minute),
		c(9, "driver-0001", "customers", "customer", "ios", 90*time.Second),
	}
}

// Subs are the fixture's subscriptions: an order two connections follow,
// and a merchant's inactive business status.
func Subs() []data.Subscription {
	return []data.Subscription{
		{ConnectionID: "Conn00000000001=", Key: "order#42", User: "driver-0001", EntityType: "driver", Active: true, CreatedAt: Now.Add(-time.Minute)},
		{ConnectionID: "Conn00000000003=", Key: "order#42", User: "customer-0001", EntityType: "customer", Active: true, CreatedAt: Now.Add(-time.Minute)},
		{ConnectionID: "Conn00000000005=", Key: "business_status#b1", User: "merchant-0001", EntityType: "merchant", Active: false, CreatedAt: Now.Add(-time.Hour)},
		{ConnectionID: "Conn00000000006=", Key: "order#42", User: "merchant-0002", EntityType: "customer", Active: true, CreatedAt: Now.Add(-time.Minute)},
	}
}

// Fixture is a session on the fixture fleet.
type Fixture struct {
	Profile  *config.Profile
	Registry data.Store
	Ops      *ops.Ops
	Audit    *auditlog.Log
	// DB is the DynamoDB of the wizz fleet (New); Mongo the database of
	// the this27 one (NewThis27).
	DB    *dynamodb.Client
	Mongo *mongo.Database
}

// Options change a fixture.
type Options struct {
	// Extra are connection items stored beside the fleet.
	Extra []data.Item
	// Gateway is the management API (nil: one nothing answers, so probes
	// learn nothing, which keeps goldens stable).
	Gateway ops.Gateway
	// Deps adjusts the Ops' dependencies.
	Deps func(*ops.Deps)
	// DynamoVia, when set, is the endpoint the registry reads through (a
	// proxy in front of upstream, the in-process DynamoDB the fixture seeds).
	DynamoVia func(upstream string) string
}

// New stores the fixture fleet in a fresh in-process DynamoDB and returns
// the session over it, whose Ops ask c.
func New(t testing.TB, c ops.Confirmer, opt Options) Fixture {
	t.Helper()
	upstream := testrig.MinidynURL(t)
	db := testrig.DynamoClient(upstream)
	schema := data.WizzSchema()
	ctx := context.Background()
	if err := data.EnsureTables(ctx, db, schema); err != nil {
		t.Fatal(err)
	}
	for _, c := range Conns() {
		Put(t, db, schema.Connections.Table.Name, schema.EncodeConnection(c))
	}
	for _, it := range opt.Extra {
		Put(t, db, schema.Connections.Table.Name, it)
	}
	for _, s := range Subs() {
		Put(t, db, schema.Subscriptions.Table.Name, schema.EncodeSubscription(s))
	}
	p, err := config.Builtin().Profile("sandbox")
	if err != nil {
		t.Fatal(err)
	}
	// The URLs discovery finds in the sandbox at its default addresses, as
	// a session's profile carries them.
	p.WebSocketURL, p.ManagementURL = "ws://"+config.SandboxAddr+"/"+config.SandboxStage, "http://"+config.SandboxAddr+"/"+config.SandboxStage
	p.Messages = []config.Message{
		{Name: "ping", Description: "a heartbeat the apps ignore", Data: `{"type":"ping"}`},
		{Name: "maintenance", Description: "tell clients about \x1b[31mmaintenance", Data: `{"type":"notice","text":"maintenance at 22:00"}`},
	}
	gw := gatewayOr(opt.Gateway)
	via := db
	if opt.DynamoVia != nil {
		via = testrig.DynamoClient(opt.DynamoVia(upstream))
	}
	f := Fixture{Profile: p, DB: db, Registry: data.NewRegistry(via, schema, data.Options{Now: func() time.Time { return Now }})}
	f.Ops, f.Audit = NewOps(t, f.Registry, gw, p.Name, c, opt.Deps)
	return f
}

// gatewayOr is gw, or (nil) a management API nothing answers, so that
// probes learn nothing and goldens stay stable.
func gatewayOr(gw ops.Gateway) ops.Gateway {
	if gw != nil {
		return gw
	}
	return mgmt.New(apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1/dev"), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""),
	}))
}

// NewOps is the Ops of a test session over reg and gw, asking c, with its
// audit log in a temporary directory; mod (if set) adjusts its dependencies.
func NewOps(t testing.TB, reg ops.Registry, gw ops.Gateway, profile string, c ops.Confirmer, mod func(*ops.Deps)) (*ops.Ops, *auditlog.Log) {
	t.Helper()
	log := auditlog.New(filepath.Join(t.TempDir(), "ops-audit.jsonl"))
	deps := ops.Deps{Registry: reg, Gateway: gw, Confirm: c, Audit: log, Policy: ops.Policy{Profile: profile},
		Caller: func(context.Context) (string, error) { return "sandbox", nil }}
	if mod != nil {
		mod(&deps)
	}
	o, err := ops.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	return o, log
}

// SeedAudit writes a send and a refused logout to the fixture's audit log.
func (f Fixture) SeedAudit(t testing.TB) {
	t.Helper()
	for _, e := range []auditlog.Entry{
		{Time: Now.Add(-time.Hour), Profile: "sandbox", Caller: "sandbox", Action: "send", Filter: "user driver-0001",
			Targets: 2, Result: map[string]int{"delivered": 2}, DurationMS: 41},
		{Time: Now.Add(-time.Minute), Profile: "sandbox", Caller: "sandbox", Action: "logout", Filter: "app drivers",
			Targets: 3, Result: map[string]int{}, Error: "refused: not confirmed"},
	} {
		if err := f.Audit.Append(e); err != nil {
			t.Fatal(err)
		}
	}
}

// Common is the views' session context on the fixture, ending with the test.
func (f Fixture) Common(t testing.TB) *view.Common {
	return &view.Common{Ctx: t.Context(), Ops: f.Ops, Profile: f.Profile, Styles: styles.New(styles.DefaultTheme()),
		Now: func() time.Time { return Now }, ProbeRPS: 20}
}

// Put stores one item.
func Put(t testing.TB, db *dynamodb.Client, table string, item data.Item) {
	t.Helper()
	if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
}
