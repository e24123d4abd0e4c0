package config

import (
	"maps"
	"slices"

	"wsops/data"
)

// attrOverride ties an attribute key of the file to the schema field it sets.
type attrOverride struct {
	key string
	raw *string
	dst *string
}

// schema applies [profiles.NAME.schema] to a preset's schema and validates
// the result. Keys absent from the file keep the preset's values.
func (pr *profileResolver) schema(s data.Schema, raw rawSchema) data.Schema {
	s.AppEntity = maps.Clone(s.AppEntity)
	s.Connections.Table.Indexes = slices.Clone(s.Connections.Table.Indexes)
	s.Subscriptions.Table.Indexes = slices.Clone(s.Subscriptions.Table.Indexes)

	c, rc := &s.Connections, raw.Connections
	ca := rc.Attributes
	pr.tableSchema("schema.connections", &c.Table, &c.TimeFormat, rawTableKeys{rc.Table, rc.HashKey, rc.RangeKey, rc.TimeFormat},
		[]attrOverride{
			{"id", ca.ID, &c.Attrs.ID}, {"user", ca.User, &c.Attrs.User},
			{"entity_type", ca.EntityType, &c.Attrs.EntityType}, {"app", ca.App, &c.Attrs.App},
			{"platform", ca.Platform, &c.Attrs.Platform}, {"connected_at", ca.ConnectedAt, &c.Attrs.ConnectedAt},
			{"ttl", ca.TTL, &c.Attrs.TTL}, {"source_ip", ca.SourceIP, &c.Attrs.SourceIP},
			{"user_agent", ca.UserAgent, &c.Attrs.UserAgent}, {"business_id", ca.BusinessID, &c.Attrs.BusinessID},
			{"last_seen_at", ca.LastSeenAt, &c.Attrs.LastSeenAt},
		})
	pr.index("schema.connections.user_index", "user", &c.Table, c.Attrs.User, rc.UserIndex)

	sub, rs := &s.Subscriptions, raw.Subscriptions
	sa := rs.Attributes
	pr.tableSchema("schema.subscriptions", &sub.Table, &sub.TimeFormat, rawTableKeys{rs.Table, rs.HashKey, rs.RangeKey, rs.TimeFormat},
		[]attrOverride{
			{"connection_id", sa.ConnectionID, &sub.Attrs.ConnectionID}, {"key", sa.Key, &sub.Attrs.Key},
			{"user", sa.User, &sub.Attrs.User}, {"entity_type", sa.EntityType, &sub.Attrs.EntityType},
			{"active", sa.Active, &sub.Attrs.Active}, {"created_at", sa.CreatedAt, &sub.Attrs.CreatedAt},
			{"ttl", sa.TTL, &sub.Attrs.TTL},
		})
	pr.index("schema.subscriptions.key_index", "key", &sub.Table, sub.Attrs.Key, rs.KeyIndex)

	for _, app := range slices.Sorted(maps.Keys(raw.AppEntity)) {
		entity := pr.str("schema.app_entity."+app, raw.AppEntity[app])
		if entity == "" {
			delete(s.AppEntity, app)
		} else {
			s.AppEntity[app] = entity
		}
	}
	if pr.err == nil {
		if err := s.Validate(); err != nil {
			pr.failWrap("schema", err, "the schema (preset %q with this profile's overrides) is unusable: %v", s.Preset, err)
		}
	}
	return s
}

// rawTableKeys are the table-level keys both schema tables share.
type rawTableKeys struct {
	name, hashKey, rangeKey, timeFormat *string
}

// tableSchema applies the overrides of one schema table. Renaming an
// attribute renames it in the table's keys and indexes too; removing it
// ("") drops the indexes keyed on it. Explicit hash_key and range_key
// overrides come last.
func (pr *profileResolver) tableSchema(at string, t *data.Table, tf *data.TimeFormat, keys rawTableKeys, attrs []attrOverride) {
	renamed := map[string]string{}
	for _, a := range attrs {
		if a.raw == nil {
			continue
		}
		old := *a.dst
		*a.dst = pr.str(at+".attributes."+a.key, *a.raw)
		if old != "" && old != *a.dst {
			renamed[old] = *a.dst
		}
	}
	applyRenames(t, renamed)
	if keys.name != nil {
		t.Name = pr.str(at+".table", *keys.name)
	}
	if keys.hashKey != nil {
		t.HashKey = pr.str(at+".hash_key", *keys.hashKey)
	}
	if keys.rangeKey != nil {
		t.RangeKey = pr.str(at+".range_key", *keys.rangeKey)
	}
	if keys.timeFormat != nil {
		*tf = data.TimeFormat(pr.str(at+".time_format", *keys.timeFormat))
		if *tf != data.EpochMillis && *tf != data.ISO8601 && *tf != data.Date {
			pr.fail(at+".time_format", "expected %q (a number of milliseconds), %q (an RFC 3339 string) or %q (a MongoDB date)", data.EpochMillis, data.ISO8601, data.Date)
		}
	}
}

// applyRenames follows attribute renames (old → new, new "" for removed) in
// a table's keys and indexes.
func applyRenames(t *data.Table, renamed map[string]string) {
	if n, ok := renamed[t.HashKey]; ok && n != "" {
		t.HashKey = n
	}
	if n, ok := renamed[t.RangeKey]; ok && n != "" {
		t.RangeKey = n
	}
	t.Indexes = slices.DeleteFunc(t.Indexes, func(ix data.Index) bool {
		n, ok := renamed[ix.HashKey]
		return ok && n == ""
	})
	for i, ix := range t.Indexes {
		if n, ok := renamed[ix.HashKey]; ok {
			t.Indexes[i].HashKey = n
		}
		if n, ok := renamed[ix.RangeKey]; ok && n != "" {
			t.Indexes[i].RangeKey = n
		}
	}
}

// index applies user_index or key_index: the named GSI, hashed on attr,
// replaces the table's index on attr; "" removes it.
func (pr *profileResolver) index(key, attrKey string, t *data.Table, attr string, raw *string) {
	if raw == nil {
		return
	}
	name := pr.str(key, *raw)
	if name != "" && attr == "" {
		pr.fail(key, "names an index on the %s attribute, but the schema has no %s attribute", attrKey, attrKey)
		return
	}
	t.Indexes = slices.DeleteFunc(t.Indexes, func(ix data.Index) bool { return ix.HashKey == attr })
	if name != "" {
		t.Indexes = append(t.Indexes, data.Index{Name: name, HashKey: attr})
	}
}
