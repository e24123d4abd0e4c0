package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"go.uber.org/goleak"

	"wsops/config"
	"wsops/mgmt"

	"wsops/data"
	"wsops/internal/testrig"
	"wsops/ops"
	"wsops/ops/auditlog"
	"wsops/ui/confirm"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii) // goldens are plain text
	time.Local = time.UTC                   // and times in them do not depend on the machine
	// No goroutine outlives the tests, but the one teatest leaves per test
	// model waiting for SIGINT forever.
	testrig.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/charmbracelet/x/exp/teatest.NewTestModel.func2"))
}

// fixedNow is the console's clock in tests, so ages and "refreshed" lines are stable.
var fixedNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// fixtureConns is a small wizz fleet with the incident, a stale record and a
// hostile user id.
func fixtureConns() []data.Connection {
	c := func(i int, user, app, entity, platform string, age time.Duration) data.Connection {
		return data.Connection{ID: fmt.Sprintf("Conn%011d=", i), User: user, App: app, EntityType: entity,
			Platform: platform, ConnectedAt: fixedNow.Add(-age), TTL: fixedNow.Add(time.Hour)}
	}
	return []data.Connection{
		c(1, "driver-0001", "drivers", "driver", "ios", 30*time.Second),
		c(2, "driver-0002", "drivers", "driver", "android", 5*time.Minute),
		c(3, "customer-0001", "customers", "customer", "ios", 2*time.Minute),
		c(4, "customer-0002", "customers", "customer", "web", 50*time.Minute),
		c(5, "merchant-0001", "order-receiver", "merchant", "android", 10*time.Minute),
		c(6, "merchant-0002", "order-receiver", "customer", "android", 20*time.Minute),
		c(7, "merchant-0003", "order-receiver", "customer", "ios", 3*time.Hour),
		c(8, "x\x1b]52;c;ZXZpbA==\x07\x1b[2Jy", "drivers", "driver", "ios", time.Minute),
		c(9, "driver-0001", "customers", "customer", "ios", 90*time.Second),
	}
}

// testAudits maps each test Ops to its audit log, for the tests that read it.
var testAudits sync.Map

// testOps is the Ops of a test session over reg and mgmt, asking c, with
// its audit log in a temporary directory; mod adjusts its dependencies.
func testOps(t testing.TB, reg ops.Registry, mgmt ops.Gateway, profile string, c ops.Confirmer, mod ...func(*ops.Deps)) *ops.Ops {
	t.Helper()
	log := auditlog.New(filepath.Join(t.TempDir(), "ops-audit.jsonl"))
	deps := ops.Deps{Registry: reg, Gateway: mgmt, Confirm: c, Audit: log, Policy: ops.Policy{Profile: profile},
		Caller: func(context.Context) (string, error) { return "sandbox", nil }}
	for _, f := range mod {
		f(&deps)
	}
	o, err := ops.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	testAudits.Store(o, log)
	return o
}

// auditOf is the audit log of a test Ops.
func auditOf(t testing.TB, o *ops.Ops) *auditlog.Log {
	t.Helper()
	log, ok := testAudits.Load(o)
	if !ok {
		t.Fatal("not a test Ops")
	}
	return log.(*auditlog.Log)
}

// fixtureSession is a session on an in-process minidyn holding the fixture
// fleet, with a management API that nothing answers (probes learn nothing,
// which keeps goldens stable).
func fixtureSession(t testing.TB, c *confirm.Confirmer) Session { return fixtureSessionWith(t, c) }

// fixtureSessionWith is fixtureSession with extra connection items stored.
func fixtureSessionWith(t testing.TB, c *confirm.Confirmer, extra ...data.Item) Session {
	t.Helper()
	db := testrig.DynamoClient(testrig.MinidynURL(t))
	schema := data.WizzSchema()
	ctx := context.Background()
	if err := data.EnsureTables(ctx, db, schema); err != nil {
		t.Fatal(err)
	}
	for _, c := range fixtureConns() {
		put(t, db, schema.Connections.Table.Name, schema.EncodeConnection(c))
	}
	for _, it := range extra {
		put(t, db, schema.Connections.Table.Name, it)
	}
	for _, s := range []data.Subscription{
		{ConnectionID: "Conn00000000001=", Key: "order#42", User: "driver-0001", EntityType: "driver", Active: true, CreatedAt: fixedNow.Add(-time.Minute)},
		{ConnectionID: "Conn00000000003=", Key: "order#42", User: "customer-0001", EntityType: "customer", Active: true, CreatedAt: fixedNow.Add(-time.Minute)},
		{ConnectionID: "Conn00000000005=", Key: "business_status#b1", User: "merchant-0001", EntityType: "merchant", Active: false, CreatedAt: fixedNow.Add(-time.Hour)},
	} {
		put(t, db, schema.Subscriptions.Table.Name, schema.EncodeSubscription(s))
	}
	p, err := config.Builtin().Profile("sandbox")
	if err != nil {
		t.Fatal(err)
	}
	api := apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1/dev"), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""),
	})
	p.Messages = []config.Message{
		{Name: "ping", Description: "a heartbeat the apps ignore", Data: `{"type":"ping"}`},
		{Name: "maintenance", Description: "tell clients about \x1b[31mmaintenance", Data: `{"type":"notice","text":"maintenance at 22:00"}`},
	}
	s := Session{
		Profile:  p,
		Registry: data.NewRegistry(db, schema, data.Options{Now: func() time.Time { return fixedNow }}),
		Mgmt:     mgmt.New(api),
	}
	s.Ops = testOps(t, s.Registry, s.Mgmt, p.Name, c)
	return s
}

func put(t testing.TB, db *dynamodb.Client, table string, item data.Item) {
	t.Helper()
	if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
}

func fixtureOptions(t testing.TB) Options {
	c := confirm.NewConfirmer()
	return Options{Session: fixtureSession(t, c), Confirmer: c, Refresh: time.Hour, Now: func() time.Time { return fixedNow },
		AuditPath: fixtureAudit(t)}
}

// fixtureAudit is an audit log with a send and a refused logout.
func fixtureAudit(t testing.TB) string {
	t.Helper()
	log := auditlog.New(filepath.Join(t.TempDir(), "audit.jsonl"))
	for _, e := range []auditlog.Entry{
		{Time: fixedNow.Add(-time.Hour), Profile: "sandbox", Caller: "sandbox", Action: "send", Filter: "user driver-0001",
			Targets: 2, Result: map[string]int{"delivered": 2}, DurationMS: 41},
		{Time: fixedNow.Add(-time.Minute), Profile: "sandbox", Caller: "sandbox", Action: "logout", Filter: "app drivers",
			Targets: 3, Result: map[string]int{}, Error: "refused: not confirmed"},
	} {
		if err := log.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	return log.Path()
}
