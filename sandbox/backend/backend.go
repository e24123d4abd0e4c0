// Package backend holds the reference backends' integrations: the Lambdas
// behind the wizz and this27 WebSocket APIs (ecosystems.md), as
// gateway.Backend implementations. They verify the $connect token, write and
// delete the registry records exactly as the real backends do, and answer
// each route with the real backends' replies. Attribute and table names come
// from the data.Schema they are given, so renamed schemas work too.
package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/auth"
	"wsops/data"
	"wsops/sandbox/gateway"
)

// Store is the slice of the DynamoDB API the backends use: the registry's
// reads and batch deletes, plus single puts and deletes.
type Store interface {
	data.DynamoAPI
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

var _ Store = (*dynamodb.Client)(nil)

// Options configure a backend. Secret and DB or Registry are required;
// zero values of the rest pick defaults.
type Options struct {
	// DB holds the registry tables (wizz's, and this27's on DynamoDB).
	DB Store
	// Registry is what $connect, $disconnect and this27's rooms write
	// through: the tables on DB (the default) or, for this27 as its
	// Lambdas keep it, documents in MongoDB (data.MongoRegistry). wizz's
	// subscriptions still go to DB directly.
	Registry data.Store
	// Schema is the preset's schema, possibly with renamed tables and
	// attributes (default: the preset's own schema; an empty app rule is
	// the preset's).
	Schema data.Schema
	// Secret is the HS256 secret $connect verifies the token with. Without
	// one every token is rejected.
	Secret []byte
	// Now is the clock (default time.Now).
	Now func() time.Time
	// IncidentShare (0..1) is the share of connections written as the
	// pre-fix backends wrote them (ecosystems.md, "the incident"): wizz's
	// order-receiver connections with entityType "customer" instead of
	// "merchant", on the connection and on every subscription it makes;
	// this27's rider-app connections with role "customer" instead of
	// "rider".
	IncidentShare float64
	// Rand draws the incident (default: math/rand/v2's global source).
	Rand *rand.Rand
	// Logger receives debug and warning logs (default: discarded).
	Logger *slog.Logger
	// CallTimeout bounds every DynamoDB call (default 10s).
	CallTimeout time.Duration
}

// Identity is what $connect established about a connection; the gateway
// hands it back on every later call as Conn.Auth.
type Identity struct {
	// Claims are the verified token's claims.
	Claims auth.Claims
	// EntityType is the entity type written on the connection's record (for
	// an incident connection, "customer" although the app rule says merchant).
	EntityType string
	// Platform is the connection's platform query parameter.
	Platform string
}

// recordLifetime is how long after it is written a record's ttl lets it
// live: API Gateway's 2 h maximum connection duration plus 1 h of slack.
const recordLifetime = data.MaxConnectionAge + time.Hour

// New returns the backend of a named preset ("wizz" or "this27").
func New(preset string, o Options) (gateway.Backend, error) {
	switch preset {
	case "wizz":
		return NewWizz(o), nil
	case "this27":
		return NewThis27(o), nil
	}
	return nil, fmt.Errorf("unknown preset %q: want one of %v", preset, data.PresetNames())
}

// incidentEntity is the entity type the incident writes (ecosystems.md).
const incidentEntity = "customer"

// core is what both backends share: options, the registry and $connect.
type core struct {
	o   Options
	reg data.Store
	log *slog.Logger
	// incidentApp is the app whose connections the incident miswrites.
	incidentApp string
	// mu guards o.Rand, which is not safe for concurrent use.
	mu sync.Mutex
}

func newCore(preset string, o Options, incidentApp string) *core {
	def, _ := data.PresetSchema(preset)
	if o.Schema.Connections.Table.Name == "" {
		o.Schema = def
	}
	if len(o.Schema.AppEntity) == 0 {
		o.Schema.AppEntity = def.AppEntity
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	reg := o.Registry
	if reg == nil {
		reg = data.NewRegistry(o.DB, o.Schema, data.Options{CallTimeout: o.CallTimeout, Now: o.Now})
	}
	return &core{o: o, reg: reg, log: o.Logger.With("preset", preset), incidentApp: incidentApp}
}

// connect runs $connect: it verifies the token and platform, maps the app
// to its entity type (a draw of IncidentShare miswrites a connection of the
// incident's app), and writes the connection record.
func (b *core) connect(ctx context.Context, c gateway.Conn) (Identity, error) {
	now := b.o.Now()
	claims, err := auth.Verify(b.o.Secret, c.Query.Get("token"), now)
	if err != nil {
		b.log.Debug("$connect: token rejected", "connection", c.ID, "err", err)
		return Identity{}, &gateway.Rejection{Status: 401, Body: "Unauthorized"}
	}
	platform := c.Query.Get("platform")
	if !validPlatform(platform) {
		return Identity{}, &gateway.Rejection{Status: 400, Body: "platform must be one of ios, android, web"}
	}
	entity, ok := b.o.Schema.AppEntity[claims.App]
	if !ok {
		b.log.Debug("$connect: unknown app", "connection", c.ID, "app", claims.App)
		return Identity{}, &gateway.Rejection{Status: 403, Body: "Forbidden"}
	}
	if claims.App == b.incidentApp && b.draw(b.o.IncidentShare) {
		entity = incidentEntity
	}
	at := c.ConnectedAt
	if at.IsZero() {
		at = now
	}
	rec := data.Connection{
		ID: c.ID, User: claims.User, EntityType: entity, App: claims.App, Platform: platform,
		ConnectedAt: at, LastSeenAt: at, TTL: at.Add(recordLifetime), SourceIP: c.SourceIP, UserAgent: c.UserAgent,
	}
	if claims.App == merchantApp {
		rec.BusinessID = claims.BusinessID
	}
	if err := b.reg.Create(ctx, false, b.o.Schema.EncodeConnection(rec)); err != nil {
		return Identity{}, fmt.Errorf("$connect %s: writing the connection record: %w", c.ID, err)
	}
	b.log.Debug("$connect", "connection", c.ID, "user", claims.User, "app", claims.App, "entityType", entity)
	return Identity{Claims: claims, EntityType: entity, Platform: platform}, nil
}

// disconnect runs $disconnect: it deletes the connection's record and all
// its subscriptions. Failures are logged: $disconnect has no one to tell.
func (b *core) disconnect(ctx context.Context, c gateway.Conn) {
	res, err := b.reg.DeleteConnections(ctx, []string{c.ID})
	if err == nil && len(res.Failed) > 0 {
		err = fmt.Errorf("%d records left unprocessed", len(res.Failed))
	}
	switch {
	case err != nil && errors.Is(context.Cause(ctx), gateway.ErrShutdown):
		// The gateway's shutdown ran out of time and says how many it cut.
		b.log.Debug("$disconnect cut short by the shutdown", "connection", c.ID, "err", err)
		return
	case err != nil:
		b.log.Warn("$disconnect: deleting records", "connection", c.ID, "err", err)
		return
	}
	b.log.Debug("$disconnect", "connection", c.ID, "subscriptions", res.Subscriptions)
}

// identity is the connection's Identity: from Conn.Auth, or, for a
// connection the gateway holds no auth for, from its registry record.
func (b *core) identity(ctx context.Context, c gateway.Conn) (Identity, error) {
	if id, ok := c.Auth.(Identity); ok {
		return id, nil
	}
	rec, err := b.reg.Connection(ctx, c.ID)
	if err != nil {
		return Identity{}, err
	}
	return Identity{Claims: auth.Claims{User: rec.User, App: rec.App}, EntityType: rec.EntityType, Platform: rec.Platform}, nil
}

// validPlatform reports whether p is a platform query parameter the
// backends accept.
func validPlatform(p string) bool {
	switch p {
	case "ios", "android", "web":
		return true
	}
	return false
}

// draw reports whether a draw falls within share.
func (b *core) draw(share float64) bool {
	if share <= 0 {
		return false
	}
	if b.o.Rand == nil {
		return rand.Float64() < share
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.o.Rand.Float64() < share
}

func (b *core) put(ctx context.Context, table string, item data.Item) error {
	ctx, cancel := context.WithTimeout(ctx, b.o.CallTimeout)
	defer cancel()
	_, err := b.o.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
	return err
}

func (b *core) delete(ctx context.Context, table string, key data.Item) error {
	ctx, cancel := context.WithTimeout(ctx, b.o.CallTimeout)
	defer cancel()
	_, err := b.o.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key})
	return err
}

// subscriptionKey extracts the subscriptions table's primary key from an item.
func (b *core) subscriptionKey(item data.Item) data.Item {
	t := b.o.Schema.Subscriptions.Table
	key := data.Item{t.HashKey: item[t.HashKey]}
	if t.RangeKey != "" {
		key[t.RangeKey] = item[t.RangeKey]
	}
	return key
}

// errNoKey is returned when a subscription's key attributes are missing
// from the encoded item, which only a schema whose table keys are not among
// its subscription attributes can cause.
var errNoKey = errors.New("the schema's subscription attributes do not include the table's key")

// checkKey verifies that a key has every attribute.
func checkKey(key data.Item) error {
	for _, v := range key {
		if v == nil {
			return errNoKey
		}
	}
	return nil
}
