package data

import (
	"context"
	"errors"
)

// Store is the registry boundary: everything the console, the commands and
// the operator actions read and write of a connection registry, whichever
// store keeps it — DynamoDB tables (Registry) or MongoDB documents
// (MongoRegistry). Records cross it as Items, whatever the store holds
// them as; keys are Items too (KeyOf), and a conditional write that finds
// the record changed is ErrConflict on both.
type Store interface {
	// Schema is the schema records are mapped with.
	Schema() Schema
	// Connections streams the connection records sel picks, every
	// condition served by the store (an index, a key, a query).
	Connections(ctx context.Context, sel Select) <-chan Page[Connection]
	// Connection reads one connection record by id; ErrNotFound when absent.
	Connection(ctx context.Context, id string) (Connection, error)
	// ConnectionsOf returns every connection record of a user.
	ConnectionsOf(ctx context.Context, user string) ([]Connection, error)
	// Subscriptions streams the subscription records sel picks.
	Subscriptions(ctx context.Context, sel Select) <-chan Page[Subscription]
	// SubscriptionsOf returns the subscription records of one connection.
	SubscriptionsOf(ctx context.Context, connectionID string) ([]Subscription, error)
	// SubscriptionsOfMany returns the subscription records of several
	// connections.
	SubscriptionsOfMany(ctx context.Context, ids []string) ([]Subscription, error)
	// DeleteConnections deletes connections' records with their
	// subscriptions; a connection with no record is no error.
	DeleteConnections(ctx context.Context, ids []string) (DeleteResult, error)
	// DeleteRecords deletes connection and subscription records (whole or
	// their keys); a record already absent is no error.
	DeleteRecords(ctx context.Context, conns, subs []Item) error
	// Update applies one change only if the record exists and still holds
	// Old (ErrConflict otherwise) and returns the record as it was.
	Update(ctx context.Context, c Change) (before Item, err error)
	// Create writes item only if no record with its key exists
	// (ErrConflict otherwise).
	Create(ctx context.Context, subscriptions bool, item Item) error
	// DeleteUnchanged deletes the record with item's key only if it still
	// holds every attribute of item (ErrConflict otherwise).
	DeleteUnchanged(ctx context.Context, subscriptions bool, item Item) error
	// Record reads one record by its key; ErrNotFound when there is none.
	Record(ctx context.Context, subscriptions bool, key Item) (Item, error)
	// KeyOf is the key of a connection or subscription record.
	KeyOf(subscriptions bool, item Item) Item
	// Records reads records by key, only the attributes attrs (nil: all);
	// keys with no record are left out.
	Records(ctx context.Context, subscriptions bool, keys []Item, attrs []string) ([]Item, error)
	// EstimatedConnections is the store's own count of connection
	// records, read without reading them.
	EstimatedConnections(ctx context.Context) (int64, error)
	// MissingIndexes lists the indexes the schema declares for the
	// store's queries that the live registry lacks, each with the command
	// that creates it (none: nil). It reads the indexes only, never the
	// records.
	MissingIndexes(ctx context.Context) ([]MissingIndex, error)
}

// Both stores stand behind the boundary.
var (
	_ Store = (*Registry)(nil)
	_ Store = (*MongoRegistry)(nil)
)

// ErrUnsupported means the store cannot do what was asked of it by its
// nature (a MongoDB room entry has no attribute of its own to update).
var ErrUnsupported = errors.New("not supported by this registry store")

// SubscriptionsOf returns the subscription records of one connection.
func (r *Registry) SubscriptionsOf(ctx context.Context, connectionID string) ([]Subscription, error) {
	return Collect(ctx, r.Subscriptions(ctx, Select{ConnectionID: connectionID}))
}
