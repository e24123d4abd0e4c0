package sandbox

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/config"
	"wsops/data"
	"wsops/sandbox/dynamo"
	"wsops/sandbox/mongodb"
	"wsops/secret"
)

// registry is where the sandbox keeps the preset's connection registry:
// DynamoDB tables (embedded, or on --dynamodb-url) or, for this27 as it
// really is, MongoDB documents (on an embedded FerretDB, or --mongodb-uri).
type registry struct {
	schema data.Schema
	store  data.Store
	// db is the DynamoDB client of the tables; nil on MongoDB.
	db *dynamodb.Client
	// dynamoURL and mongoURI say where the registry is (one is set).
	dynamoURL, mongoURI string
	// embedded is true when the registry goes with the sandbox.
	embedded bool
	stop     func(context.Context)
}

// callTimeout bounds each registry call of the handlers, as a Lambda's
// timeout would.
const callTimeout = 10 * time.Second

// RegistryOf is the store a sandbox of cfg keeps its registry in: the
// one it names, else MongoDB for this27 and DynamoDB for the others.
func RegistryOf(cfg Config) string {
	if cfg.Registry != "" {
		return cfg.Registry
	}
	if cfg.Preset == "this27" {
		return config.RegistryMongoDB
	}
	return config.RegistryDynamoDB
}

// openRegistry starts or reaches the registry's store and readies it: the
// preset's tables, or its collection's indexes.
func openRegistry(ctx context.Context, cfg Config) (*registry, error) {
	switch RegistryOf(cfg) {
	case config.RegistryDynamoDB:
		return openDynamo(ctx, cfg)
	case config.RegistryMongoDB:
		if cfg.Preset != "this27" {
			return nil, fmt.Errorf("registry %s: the %s backend keeps its registry in DynamoDB; only this27 keeps it in MongoDB", config.RegistryMongoDB, cfg.Preset)
		}
		return openMongo(ctx, cfg)
	}
	return nil, fmt.Errorf("registry %q: want %s or %s", cfg.Registry, config.RegistryDynamoDB, config.RegistryMongoDB)
}

func openDynamo(ctx context.Context, cfg Config) (*registry, error) {
	schema, _ := data.PresetSchema(cfg.Preset)
	r := &registry{schema: schema, dynamoURL: cfg.DynamoURL, stop: func(context.Context) {}}
	if r.dynamoURL == "" {
		l, err := net.Listen("tcp", cfg.DynamoAddr)
		if err != nil {
			return nil, fmt.Errorf("embedded DynamoDB: %w", err)
		}
		stop := dynamo.Serve(l)
		r.stop = func(ctx context.Context) { _ = stop(ctx) } // its only error is ctx's
		r.embedded = true
		r.dynamoURL = "http://" + l.Addr().String()
	}
	r.db = dynamoClient(r.dynamoURL)
	if err := data.EnsureTables(ctx, r.db, schema); err != nil {
		r.stop(ctx)
		return nil, fmt.Errorf("creating the %s tables at %s: %w", cfg.Preset, r.dynamoURL, err)
	}
	r.store = data.NewRegistry(r.db, schema, data.Options{CallTimeout: callTimeout})
	return r, nil
}

func openMongo(ctx context.Context, cfg Config) (*registry, error) {
	r := &registry{mongoURI: cfg.MongoURI, stop: func(context.Context) {}}
	if r.mongoURI == "" {
		srv, err := mongodb.Start(cfg.MongoAddr)
		if err != nil {
			return nil, err
		}
		r.stop = func(context.Context) { srv.Stop() }
		r.embedded = true
		r.mongoURI = srv.URI()
	}
	r.schema = data.This27MongoSchema()
	r.schema.Mongo.Database = cmp.Or(config.URIDatabase(r.mongoURI), r.schema.Mongo.Database)
	reg, err := data.DialMongo(r.mongoURI, r.schema, data.Options{CallTimeout: callTimeout})
	if err == nil {
		err = reg.EnsureIndexes(ctx)
		if err != nil {
			_ = reg.Close(ctx)
		}
	}
	if err != nil {
		r.stop(ctx)
		return nil, fmt.Errorf("the %s registry at %s: %w", cfg.Preset, secret.RedactURI(r.mongoURI), err)
	}
	r.store = reg
	stopServer := r.stop
	r.stop = func(ctx context.Context) {
		_ = reg.Close(ctx)
		stopServer(ctx)
	}
	return r, nil
}
