package config

import (
	"reflect"
	"testing"

	"wsops/data"
)

func TestSchemaOverrides(t *testing.T) {
	t.Setenv("WSOPS_TEST_STAGE", "qa")
	tests := []struct {
		name string
		doc  string
		want func() data.Schema
	}{
		{"preset unchanged", profileA("preset = 'wizz'"), data.WizzSchema},
		{"this27 keeps its registry in MongoDB", profileA("preset = 'this27'"), data.This27MongoSchema},
		{"this27 on MongoDB, renamed", profileA(
			"preset = 'this27'",
			"mongodb_uri = 'mongodb://db.internal/this27'",
			"[profiles.a.schema.connections]",
			"collection = 'wsconnections'",
			"[profiles.a.schema.connections.attributes]",
			"last_seen_at = 'seenAt'",
			"user = 'uid'",
			"[profiles.a.schema.subscriptions]",
			"rooms = 'channels'",
		), func() data.Schema {
			s := data.This27MongoSchema()
			s.Mongo.Collection, s.Mongo.Rooms = "wsconnections", "channels"
			s.Connections.Attrs.LastSeenAt, s.Connections.Attrs.User = "seenAt", "uid"
			return s
		}},
		{"this27 renamed tables, new key index, removed attribute", profileA(
			"preset = 'this27'",
			"registry = 'dynamodb'",
			"[profiles.a.schema.connections]",
			"table = 'this27_websocket_connections_${env:WSOPS_TEST_STAGE}'",
			"[profiles.a.schema.connections.attributes]",
			"platform = ''",
			"[profiles.a.schema.subscriptions]",
			"table = 'this27_websocket_rooms_qa'",
			"key_index = 'room-index'",
		), func() data.Schema {
			s := data.This27Schema()
			s.Connections.Table.Name = "this27_websocket_connections_qa"
			s.Connections.Attrs.Platform = ""
			s.Subscriptions.Table.Name = "this27_websocket_rooms_qa"
			s.Subscriptions.Table.Indexes = []data.Index{{Name: "room-index", HashKey: "room"}}
			return s
		}},
		{"wizz removed and renamed indexes", profileA(
			"[profiles.a.schema.connections]",
			"user_index = ''",
			"[profiles.a.schema.subscriptions]",
			"key_index = 'topic-index'",
		), func() data.Schema {
			s := data.WizzSchema()
			s.Connections.Table.Indexes = nil
			s.Subscriptions.Table.Indexes = []data.Index{{Name: "topic-index", HashKey: "subscriptionKey"}}
			return s
		}},
		{"renamed attributes follow into keys and indexes", profileA(
			"[profiles.a.schema.connections.attributes]",
			"id = 'connId'",
			"user = 'uid'",
			"[profiles.a.schema.subscriptions.attributes]",
			"key = 'topic'",
			"user = ''",
		), func() data.Schema {
			s := data.WizzSchema()
			s.Connections.Table.HashKey = "connId"
			s.Connections.Attrs.ID = "connId"
			s.Connections.Attrs.User = "uid"
			s.Connections.Table.Indexes = []data.Index{{Name: "userId-index", HashKey: "uid"}}
			s.Subscriptions.Table.RangeKey = "topic"
			s.Subscriptions.Attrs.Key = "topic"
			s.Subscriptions.Attrs.User = ""
			s.Subscriptions.Table.Indexes = []data.Index{{Name: "subscriptionKey-index", HashKey: "topic"}}
			return s
		}},
		{"removed attribute drops its index", profileA(
			"[profiles.a.schema.connections.attributes]",
			"user = ''",
		), func() data.Schema {
			s := data.WizzSchema()
			s.Connections.Attrs.User = ""
			s.Connections.Table.Indexes = []data.Index{}
			return s
		}},
		{"explicit keys and time formats", profileA(
			"[profiles.a.schema.connections]",
			"hash_key = 'pk'",
			"range_key = 'sk'",
			"time_format = 'iso8601'",
			"[profiles.a.schema.subscriptions]",
			"range_key = ''",
		), func() data.Schema {
			s := data.WizzSchema()
			s.Connections.Table.HashKey, s.Connections.Table.RangeKey = "pk", "sk"
			s.Connections.TimeFormat = data.ISO8601
			s.Subscriptions.Table.RangeKey = ""
			return s
		}},
		{"app_entity adds, replaces and removes", profileA(
			"[profiles.a.schema.app_entity]",
			"kiosk = 'merchant'",
			"customers = 'consumer'",
			"drivers = ''",
		), func() data.Schema {
			s := data.WizzSchema()
			s.AppEntity = map[string]string{"customers": "consumer", "order-receiver": "merchant", "kiosk": "merchant"}
			return s
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustProfile(t, tt.doc, "a").Schema
			want := tt.want()
			normalizeIndexes(&got)
			normalizeIndexes(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("schema:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// normalizeIndexes makes empty index lists compare equal whether nil or not.
func normalizeIndexes(s *data.Schema) {
	for _, t := range []*data.Table{&s.Connections.Table, &s.Subscriptions.Table} {
		if len(t.Indexes) == 0 {
			t.Indexes = nil
		}
	}
}

// Overrides in one profile never leak into the preset or another profile.
func TestSchemaOverridesAreIsolated(t *testing.T) {
	cfg := mustParse(t, lines(
		"[profiles.a]",
		"[profiles.a.schema.connections.attributes]",
		"user = 'uid'",
		"[profiles.a.schema.app_entity]",
		"drivers = 'courier'",
		"[profiles.b]",
	))
	a, b := cfg.Profiles["a"].Schema, cfg.Profiles["b"].Schema
	if a.Connections.Table.Indexes[0].HashKey != "uid" || a.AppEntity["drivers"] != "courier" {
		t.Fatalf("profile a not overridden: %+v", a)
	}
	if !reflect.DeepEqual(b, data.WizzSchema()) {
		t.Errorf("profile b = %+v, want the untouched wizz preset", b)
	}
}
