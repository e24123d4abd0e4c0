package backend_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/auth"
	"wsops/data"
	"wsops/internal/testrig"
	"wsops/sandbox/backend"
	"wsops/sandbox/gateway"
)

var (
	secret = []byte("backend-test-secret")
	// t0 is the tests' clock: every call sees this instant.
	t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

// env is one registry endpoint with a preset's tables made for this test.
type env struct {
	db  *dynamodb.Client
	s   data.Schema
	reg *data.Registry
}

// eachBackend runs fn against dynalite and the sandbox's shimmed minidyn,
// with the tables of schema s (renamed to be unique) created by data.EnsureTables.
func eachBackend(t *testing.T, s data.Schema, fn func(t *testing.T, e env)) {
	t.Helper()
	for _, b := range testrig.SandboxBackends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := testrig.DynamoClient(b.URL)
			us := testrig.UniqueSchema(t, db, s)
			fn(t, env{db: db, s: us, reg: data.NewRegistry(db, us, data.Options{Now: clock})})
		})
	}
}

func clock() time.Time { return t0 }

func (e env) options(share float64) backend.Options {
	return backend.Options{
		DB: e.db, Schema: e.s, Secret: secret, Now: clock, IncidentShare: share,
		Rand: rand.New(rand.NewPCG(1, 2)),
	}
}

func (e env) wizz(share float64) gateway.Backend { return backend.NewWizz(e.options(share)) }

func (e env) this27() gateway.Backend { return backend.NewThis27(e.options(0)) }

func token(t *testing.T, c auth.Claims) string {
	t.Helper()
	tok, err := auth.Mint(secret, c, time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// conn is the connection a gateway would hand the backend for an upgrade
// with these query parameters (empty ones left out).
func conn(id, tok, platform string) gateway.Conn {
	q := url.Values{}
	if tok != "" {
		q.Set("token", tok)
	}
	if platform != "" {
		q.Set("platform", platform)
	}
	return gateway.Conn{
		ID: id, Stage: "dev", Query: q, SourceIP: "203.0.113.7", UserAgent: "okhttp/4.12.0",
		ConnectedAt: t0,
	}
}

// connect runs $connect and returns the connection with its Auth set, as
// the gateway keeps it.
func connect(t *testing.T, b gateway.Backend, c gateway.Conn) gateway.Conn {
	t.Helper()
	a, err := b.Connect(context.Background(), c)
	if err != nil {
		t.Fatalf("Connect %s: %v", c.ID, err)
	}
	c.Auth = a
	return c
}

// send runs a route and returns the reply.
func send(t *testing.T, b gateway.Backend, c gateway.Conn, route, body string) string {
	t.Helper()
	reply, err := b.Handle(context.Background(), c, route, []byte(body))
	if err != nil {
		t.Fatalf("Handle %s %s: %v", route, body, err)
	}
	return string(reply)
}

func wantReply(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("reply %s, want %s", got, want)
	}
}

// rawItem reads one item as plain JSON values (numbers as json.Number), nil when absent.
func (e env) rawItem(t *testing.T, table string, key data.Item) map[string]any {
	t.Helper()
	out, err := e.db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Item) == 0 {
		return nil
	}
	return data.PlainItem(out.Item)
}

func (e env) connectionItem(t *testing.T, id string) map[string]any {
	t.Helper()
	k := e.s.Connections.Table.HashKey
	return e.rawItem(t, e.s.Connections.Table.Name, data.Item{k: &types.AttributeValueMemberS{Value: id}})
}

func (e env) subscriptionItem(t *testing.T, connID, key string) map[string]any {
	t.Helper()
	sk := e.s.EncodeSubscription(data.Subscription{ConnectionID: connID, Key: key})
	tb := e.s.Subscriptions.Table
	return e.rawItem(t, tb.Name, data.Item{tb.HashKey: sk[tb.HashKey], tb.RangeKey: sk[tb.RangeKey]})
}

func (e env) subscriptions(t *testing.T, connID string) []data.Subscription {
	t.Helper()
	subs, err := e.reg.SubscriptionsOf(context.Background(), connID)
	if err != nil {
		t.Fatal(err)
	}
	return subs
}

func (e env) connectionExists(t *testing.T, id string) bool {
	t.Helper()
	_, err := e.reg.Connection(context.Background(), id)
	if err != nil && !errors.Is(err, data.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func wantItem(t *testing.T, got, want map[string]any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("item\n got %s\nwant %s", g, w)
	}
}

func n(v int64) json.Number { return json.Number(jsonInt(v)) }

func jsonInt(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
