package data

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wsops/secret"
)

// DefaultMongoBatch is how many documents one cursor batch holds when
// Options names no PageSize.
const DefaultMongoBatch = 1000

// mongoServerSelection bounds how long the driver looks for a server to
// send a call to before it gives up (unless the URI says otherwise).
const mongoServerSelection = 10 * time.Second

// MongoRegistry reads and writes a connection registry kept in MongoDB:
// one document per connection, its subscriptions the keys of an embedded
// array (the schema's Mongo). Every filter is a query the server answers,
// listings stream through cursors batch by batch, and conditional writes
// carry the values they expect in their filters.
type MongoRegistry struct {
	coll   *mongo.Collection
	client *mongo.Client // owned by the registry (DialMongo): Close disconnects it
	schema Schema
	opt    Options
	codec  mongoCodec
	// hide are what no error may show: the URI and its password.
	hide []string
}

// ValidateMongo reports the first thing that makes the schema unusable for
// a MongoDB registry.
func (s Schema) ValidateMongo() error {
	m, ca, sa := s.Mongo, s.Connections.Attrs, s.Subscriptions.Attrs
	st := s.Subscriptions.Table
	switch {
	case m.Database == "":
		return errors.New("the MongoDB database is not named (mongodb_database, or the URI's path)")
	case m.Collection == "":
		return errors.New("the MongoDB collection is not named (schema.connections.collection)")
	case m.Rooms == "":
		return errors.New("the rooms array field is not named (schema.subscriptions.rooms)")
	case s.Connections.Table.HashKey != ca.ID:
		return fmt.Errorf("the connections' key %q must be their id attribute %q: documents are found by it", s.Connections.Table.HashKey, ca.ID)
	case !(st.HashKey == sa.Key && st.RangeKey == sa.ConnectionID) && !(st.HashKey == sa.ConnectionID && st.RangeKey == sa.Key):
		return fmt.Errorf("a subscription's key must be its connection id and key attributes (%s, %s)", sa.ConnectionID, sa.Key)
	case sa.User != "" || sa.EntityType != "" || sa.Active != "" || sa.CreatedAt != "" || sa.TTL != "":
		return errors.New("a MongoDB registry keeps subscriptions as an array of keys, with no attributes of their own: schema.subscriptions.attributes may name only connection_id and key")
	}
	return s.Validate()
}

// NewMongoRegistry returns a registry over db's collection of schema s.
func NewMongoRegistry(db *mongo.Database, s Schema, opt Options) (*MongoRegistry, error) {
	if err := s.ValidateMongo(); err != nil {
		return nil, err
	}
	if opt.PageSize <= 0 {
		opt.PageSize = DefaultMongoBatch
	}
	if opt.CallTimeout <= 0 {
		opt.CallTimeout = DefaultCallTimeout
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &MongoRegistry{coll: db.Collection(s.Mongo.Collection), schema: s, opt: opt, codec: newMongoCodec(s)}, nil
}

// DialMongo connects to the MongoDB at uri (the driver connects lazily:
// an unreachable server fails the first call) and returns the registry in
// the schema's database. Close disconnects it. No error it returns, nor
// any its calls return, shows the URI's password.
func DialMongo(uri string, s Schema, opt Options) (*MongoRegistry, error) {
	hide := []string{uri}
	if p := secret.URIPassword(uri); p != "" {
		hide = append(hide, p)
	}
	o := options.Client().SetAppName("wsops").SetServerSelectionTimeout(mongoServerSelection).ApplyURI(uri)
	client, err := mongo.Connect(o)
	if err != nil {
		return nil, scrub(fmt.Errorf("connecting to %s: %w", secret.RedactURI(uri), err), hide)
	}
	m, err := NewMongoRegistry(client.Database(s.Mongo.Database), s, opt)
	if err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	m.client, m.hide = client, hide
	return m, nil
}

// Close disconnects a registry DialMongo made; one over a caller's
// database is left connected.
func (m *MongoRegistry) Close(ctx context.Context) error {
	if m.client == nil {
		return nil
	}
	return m.fail(ctx, nil, m.client.Disconnect(ctx))
}

// Schema returns the schema the registry maps documents with.
func (m *MongoRegistry) Schema() Schema { return m.schema }

// EstimatedConnections is the collection's document count from its
// metadata (estimatedDocumentCount), without reading the documents.
func (m *MongoRegistry) EstimatedConnections(ctx context.Context) (int64, error) {
	n, err := mongoCall(ctx, m, func(ctx context.Context) (int64, error) {
		return m.coll.EstimatedDocumentCount(ctx)
	})
	if err != nil {
		return 0, fmt.Errorf("counting %s: %w", m.where(), err)
	}
	return n, nil
}

// where names the collection in errors.
func (m *MongoRegistry) where() string {
	return m.schema.Mongo.Database + "." + m.schema.Mongo.Collection
}

// mongoCall runs one MongoDB call under the registry's per-call timeout.
func mongoCall[T any](ctx context.Context, m *MongoRegistry, f func(context.Context) (T, error)) (T, error) {
	callCtx, cancel := context.WithTimeout(ctx, m.opt.CallTimeout)
	defer cancel()
	v, err := f(callCtx)
	return v, m.fail(ctx, callCtx, err)
}

// fail says so when err is the per-call timeout (callCtx's) running out,
// not the caller's context nor the driver's own server selection timeout,
// and keeps the URI's password out of err.
func (m *MongoRegistry) fail(ctx, callCtx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if callCtx != nil && errors.Is(callCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		err = fmt.Errorf("MongoDB did not answer within %v: %w", m.opt.CallTimeout, err)
	}
	return scrub(err, m.hide)
}

// scrub returns err with every text of hide replaced, keeping what err
// wraps for errors.Is.
func scrub(err error, hide []string) error {
	msg := err.Error()
	clean := msg
	for _, h := range hide {
		if h != "" {
			clean = strings.ReplaceAll(clean, h, "****")
		}
	}
	if clean == msg {
		return err
	}
	return &scrubbed{msg: clean, err: err}
}

// scrubbed is an error whose text had a secret taken out.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }
