package config

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"wsops/data"
	"wsops/secret"
)

// Field is one key/value line of a described profile.
type Field struct {
	Key   string
	Value string
}

// Describe lists the resolved profile as ordered key/value pairs for
// `wsops config`: endpoints, region, credentials profile, preset, every
// table, attribute and index name, safety switches, limits, repair rule and
// message names, and the token source. Keys are the config file's keys.
// Secrets are redacted: the token shows as secret.Redact of it, or as its
// command with anything secret-looking redacted.
func (p *Profile) Describe() []Field {
	ws, mgmt := p.WebSocketURL, p.ManagementURL
	if p.NeedsDiscovery() {
		ws = fmt.Sprintf("(found at start from api %q, stage %s)", p.API, p.Stage)
	}
	if mgmt == "" && (p.NeedsDiscovery() || p.WebSocketURL != "") {
		mgmt = "(found at start: the execute-api URL of the API's stage)"
	}
	f := []Field{
		{"profile", p.Name},
		{"sandbox", strconv.FormatBool(p.Sandbox)},
		{"region", p.Region},
		{"aws_profile", p.AWSProfile},
		{"websocket_url", ws},
		{"management_url", mgmt},
		{"dynamodb_url", p.DynamoDBURL},
		{"api", p.API},
		{"stage", p.Stage},
		{"apigateway_url", p.APIGatewayURL},
		{"cloudwatch_url", p.CloudWatchURL},
		{"logs_url", p.LogsURL},
		{"logs.access", p.Logs.Access},
		{"logs.execution", p.Logs.Execution},
		{"logs.handlers", strings.Join(p.Logs.Handlers, ", ")},
		{"registry", p.Registry},
	}
	if p.Registry == RegistryMongoDB {
		f = append(f, describeMongo(p)...)
	}
	f = append(f, Field{"preset", p.Preset})
	f = append(f, describeConnections(p.Schema.Connections)...)
	f = append(f, describeSubscriptions(p.Schema.Subscriptions)...)
	f = append(f,
		Field{"schema.app_entity", describeAppEntity(p.Schema.AppEntity)},
		Field{"read_only", strconv.FormatBool(p.ReadOnly)},
		Field{"production", strconv.FormatBool(p.Production)},
		Field{"management_rps", strconv.FormatFloat(p.ManagementRPS, 'f', -1, 64)},
		Field{"repair_rps", strconv.FormatFloat(p.RepairRPS, 'f', -1, 64)},
		Field{"scan_segments", strconv.Itoa(p.ScanSegments)},
		Field{"repair", joinRuleNames(p.Repair)},
		Field{"messages", joinMessageNames(p.Messages)},
		Field{"logout_notice", p.LogoutNotice},
		Field{"token", p.Token.describe(p.Sandbox)},
	)
	if p.Sandbox {
		s := "development default"
		if p.SandboxSecret != "" {
			s = secret.Redact(p.SandboxSecret)
		}
		f = append(f, Field{"sandbox_secret", s})
	}
	return f
}

// describeConnections lists the connections table's names.
func describeConnections(c data.ConnectionSchema) []Field {
	const at = "schema.connections."
	a := c.Attrs
	return append(describeTable(at, c.Table, c.TimeFormat),
		Field{at + "attributes.id", a.ID},
		Field{at + "attributes.user", a.User},
		Field{at + "attributes.entity_type", a.EntityType},
		Field{at + "attributes.app", a.App},
		Field{at + "attributes.platform", a.Platform},
		Field{at + "attributes.connected_at", a.ConnectedAt},
		Field{at + "attributes.ttl", a.TTL},
		Field{at + "attributes.source_ip", a.SourceIP},
		Field{at + "attributes.user_agent", a.UserAgent},
		Field{at + "attributes.business_id", a.BusinessID},
		Field{at + "attributes.last_seen_at", a.LastSeenAt},
	)
}

// describeMongo lists where a MongoDB registry is: the URI with its
// password redacted, the database, the collection, the rooms field and
// the indexes its queries want.
func describeMongo(p *Profile) []Field {
	m := p.Schema.Mongo
	db := p.MongoDB.database
	if db == "" {
		db = "(the URI's path, else " + m.Database + ")"
	}
	indexes := make([]string, 0, 5)
	for _, ix := range p.Schema.MongoIndexes() {
		indexes = append(indexes, fmt.Sprintf("%s (%s)", ix.Name, strings.Join(ix.Fields, ", ")))
	}
	return []Field{
		{"mongodb_uri", p.MongoDB.String()},
		{"mongodb_database", db},
		{"schema.connections.collection", m.Collection},
		{"schema.connections.mongodb_indexes", strings.Join(indexes, "; ")},
		{"schema.subscriptions.rooms", m.Rooms},
	}
}

// describeSubscriptions lists the subscriptions table's names.
func describeSubscriptions(s data.SubscriptionSchema) []Field {
	const at = "schema.subscriptions."
	a := s.Attrs
	return append(describeTable(at, s.Table, s.TimeFormat),
		Field{at + "attributes.connection_id", a.ConnectionID},
		Field{at + "attributes.key", a.Key},
		Field{at + "attributes.user", a.User},
		Field{at + "attributes.entity_type", a.EntityType},
		Field{at + "attributes.active", a.Active},
		Field{at + "attributes.created_at", a.CreatedAt},
		Field{at + "attributes.ttl", a.TTL},
	)
}

// describeTable lists a table's name, keys, indexes and time format.
func describeTable(at string, t data.Table, tf data.TimeFormat) []Field {
	indexes := make([]string, len(t.Indexes))
	for i, ix := range t.Indexes {
		keys := ix.HashKey
		if ix.RangeKey != "" {
			keys += ", " + ix.RangeKey
		}
		indexes[i] = fmt.Sprintf("%s (%s)", ix.Name, keys)
	}
	return []Field{
		{at + "table", t.Name},
		{at + "hash_key", t.HashKey},
		{at + "range_key", t.RangeKey},
		{at + "indexes", strings.Join(indexes, "; ")},
		{at + "time_format", string(tf)},
	}
}

// describeAppEntity formats the app → entity type rule, sorted by app.
func describeAppEntity(m map[string]string) string {
	pairs := make([]string, 0, len(m))
	for _, app := range slices.Sorted(maps.Keys(m)) {
		pairs = append(pairs, app+" → "+m[app])
	}
	return strings.Join(pairs, ", ")
}

// joinRuleNames lists repair rule names.
func joinRuleNames(rules []RepairRule) string {
	names := make([]string, len(rules))
	for i, r := range rules {
		names[i] = r.Name
	}
	return strings.Join(names, ", ")
}

// joinMessageNames lists saved message names.
func joinMessageNames(msgs []Message) string {
	names := make([]string, len(msgs))
	for i, m := range msgs {
		names[i] = m.Name
	}
	return strings.Join(names, ", ")
}
