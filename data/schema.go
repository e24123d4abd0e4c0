// Package data is the connection registry: the Connection and Subscription
// models, the mapping between a store's attribute names and those models,
// and one boundary (Store) with two stores behind it: Registry, on any
// DynamoDB-compatible endpoint, and MongoRegistry, on a MongoDB collection
// with one document per connection.
package data

import "fmt"

// TimeFormat says how a schema stores a timestamp attribute.
type TimeFormat string

// The timestamp encodings the presets use.
const (
	// EpochMillis is a number of milliseconds since the Unix epoch (type N).
	EpochMillis TimeFormat = "epoch_ms"
	// ISO8601 is an RFC 3339 string (type S).
	ISO8601 TimeFormat = "iso8601"
	// Date is a BSON date, in a MongoDB registry. Items carry it as an RFC
	// 3339 string, the same as ISO8601, since an item cannot tell a date
	// from a string: the MongoDB store itself flags a stored value that is
	// not a date.
	Date TimeFormat = "date"
)

// Index is a global secondary index: its name and key attributes.
type Index struct {
	Name     string
	HashKey  string
	RangeKey string
}

// Table names a DynamoDB table, its primary key and its global secondary indexes.
type Table struct {
	Name     string
	HashKey  string
	RangeKey string
	Indexes  []Index
}

// ConnectionAttrs names the attributes of a connection record. An empty name
// means the schema has no such attribute: it is neither read nor flagged.
// TTL is always DynamoDB's TTL encoding, epoch seconds (N); TimeFormat
// applies to ConnectedAt only.
type ConnectionAttrs struct {
	ID          string
	User        string
	EntityType  string
	App         string
	Platform    string
	ConnectedAt string
	TTL         string
	SourceIP    string
	UserAgent   string
	BusinessID  string
	// LastSeenAt is when the connection was last heard from (this27 on
	// MongoDB: lastSeenAt, a date), in the schema's TimeFormat.
	LastSeenAt string
}

// SubscriptionAttrs names the attributes of a subscription record. An empty
// name means the schema has no such attribute.
type SubscriptionAttrs struct {
	ConnectionID string
	Key          string
	User         string
	EntityType   string
	Active       string
	CreatedAt    string
	TTL          string
}

// ConnectionSchema maps the connections table onto Connection.
type ConnectionSchema struct {
	Table      Table
	Attrs      ConnectionAttrs
	TimeFormat TimeFormat
}

// SubscriptionSchema maps the subscriptions table onto Subscription.
type SubscriptionSchema struct {
	Table      Table
	Attrs      SubscriptionAttrs
	TimeFormat TimeFormat
}

// Schema is everything the registry needs to know about one deployment's
// tables: their names, keys, indexes, attribute names, and the rule that ties
// an app to the entity type its records must carry.
type Schema struct {
	Preset        string
	Connections   ConnectionSchema
	Subscriptions SubscriptionSchema
	// AppEntity maps an app id to the entity type its connections must carry.
	AppEntity map[string]string
	// Mongo maps the registry onto MongoDB documents, for a profile whose
	// registry is "mongodb"; DynamoDB registries ignore it.
	Mongo MongoSchema
}

// MongoSchema names where a MongoDB registry keeps its documents: one
// document per connection in Collection, whose fields are the connection
// attributes, and whose array field Rooms holds the keys of its
// subscriptions (this27's rooms). A subscription record is then one
// (document, key) pair: an item of the subscriptions schema's connection id
// and key attributes, and nothing else.
type MongoSchema struct {
	// Database holds the collection.
	Database string
	// Collection holds one document per connection.
	Collection string
	// Rooms is the array field of a connection document that holds its
	// subscription keys.
	Rooms string
}

// KnownEntityType reports whether the app rule assigns this entity type to
// any app. The rule is small, so a loop beats building a set per record.
func (s Schema) KnownEntityType(entity string) bool {
	for _, e := range s.AppEntity {
		if e == entity {
			return true
		}
	}
	return false
}

// Validate reports the first thing that makes the schema unusable.
func (s Schema) Validate() error {
	c, sub := s.Connections, s.Subscriptions
	switch {
	case c.Table.Name == "":
		return fmt.Errorf("connections table name is empty")
	case c.Table.HashKey == "":
		return fmt.Errorf("connections table hash key is empty")
	case c.Attrs.ID == "":
		return fmt.Errorf("connections id attribute is empty")
	case sub.Table.Name == "":
		return fmt.Errorf("subscriptions table name is empty")
	case sub.Table.HashKey == "":
		return fmt.Errorf("subscriptions table hash key is empty")
	case sub.Attrs.ConnectionID == "" || sub.Attrs.Key == "":
		return fmt.Errorf("subscriptions need both a connection id and a key attribute")
	}
	for _, t := range []Table{c.Table, sub.Table} {
		names := map[string]bool{}
		for _, ix := range t.Indexes {
			switch {
			case ix.Name == "" || ix.HashKey == "":
				return fmt.Errorf("table %s: an index needs a name and a hash key", t.Name)
			case names[ix.Name]:
				return fmt.Errorf("table %s: index %s is named twice", t.Name, ix.Name)
			}
			names[ix.Name] = true
		}
	}
	for _, f := range []TimeFormat{c.TimeFormat, sub.TimeFormat} {
		if f != EpochMillis && f != ISO8601 && f != Date {
			return fmt.Errorf("time format %q: want %q, %q or %q", f, EpochMillis, ISO8601, Date)
		}
	}
	return nil
}

// WizzSchema is the schema of the "wizz" preset (ecosystems.md §1).
func WizzSchema() Schema {
	return Schema{
		Preset: "wizz",
		Connections: ConnectionSchema{
			Table: Table{
				Name:    "WizzUser_websocket_connections_dev",
				HashKey: "connectionId",
				Indexes: []Index{{Name: "userId-index", HashKey: "userId"}},
			},
			Attrs: ConnectionAttrs{
				ID: "connectionId", User: "userId", EntityType: "entityType", App: "appId",
				Platform: "platform", ConnectedAt: "connectedAt", TTL: "ttl",
				SourceIP: "sourceIp", UserAgent: "userAgent", BusinessID: "businessId",
			},
			TimeFormat: EpochMillis,
		},
		Subscriptions: SubscriptionSchema{
			Table: Table{
				Name:     "WizzUser_websocket_subscriptions_dev",
				HashKey:  "connectionId",
				RangeKey: "subscriptionKey",
				Indexes:  []Index{{Name: "subscriptionKey-index", HashKey: "subscriptionKey"}},
			},
			Attrs: SubscriptionAttrs{
				ConnectionID: "connectionId", Key: "subscriptionKey", User: "userId",
				EntityType: "entityType", Active: "isActive", CreatedAt: "createdAt", TTL: "ttl",
			},
			TimeFormat: EpochMillis,
		},
		AppEntity: map[string]string{
			"drivers": "driver", "customers": "customer", "order-receiver": "merchant",
		},
	}
}

// This27Schema is the schema of the "this27" preset (ecosystems.md §2).
func This27Schema() Schema {
	return Schema{
		Preset: "this27",
		Connections: ConnectionSchema{
			Table: Table{Name: "this27_websocket_connections_dev", HashKey: "connectionId"},
			Attrs: ConnectionAttrs{
				ID: "connectionId", User: "userId", EntityType: "role", App: "app",
				Platform: "platform", ConnectedAt: "connectedAt",
			},
			TimeFormat: ISO8601,
		},
		Subscriptions: SubscriptionSchema{
			Table: Table{Name: "this27_websocket_rooms_dev", HashKey: "room", RangeKey: "connectionId"},
			Attrs: SubscriptionAttrs{ConnectionID: "connectionId", Key: "room"},
			// this27 rooms carry no timestamps; the format is used by nothing.
			TimeFormat: ISO8601,
		},
		AppEntity: map[string]string{
			"manager-web": "manager", "customer-app": "customer", "rider-app": "rider",
		},
		Mongo: MongoSchema{Database: "this27", Collection: "websocketconnections", Rooms: "rooms"},
	}
}

// This27MongoSchema is the "this27" preset as this27 really keeps its
// registry (ecosystems.md §2): database this27, collection
// websocketconnections, one document per connection with its rooms
// embedded, connectedAt and lastSeenAt as dates. The names of the DynamoDB
// tables stay, unused, so that a profile can switch stores.
func This27MongoSchema() Schema {
	s := This27Schema()
	s.Connections.TimeFormat = Date
	s.Connections.Attrs.LastSeenAt = "lastSeenAt"
	return s
}

// PresetSchema returns the schema of a named preset.
func PresetSchema(name string) (Schema, bool) {
	switch name {
	case "wizz":
		return WizzSchema(), true
	case "this27":
		return This27Schema(), true
	}
	return Schema{}, false
}

// MongoPresetSchema returns the schema of a named preset for a MongoDB
// registry: this27's own (This27MongoSchema); another preset's with its
// connections' times as dates, its collection and rooms field yet to be
// named.
func MongoPresetSchema(name string) (Schema, bool) {
	if name == "this27" {
		return This27MongoSchema(), true
	}
	s, ok := PresetSchema(name)
	s.Connections.TimeFormat = Date
	return s, ok
}

// PresetNames lists the presets PresetSchema knows.
func PresetNames() []string { return []string{"wizz", "this27"} }
