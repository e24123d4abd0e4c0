package data

import (
	"regexp"
	"strings"
)

// MissingIndex is an index a registry's schema declares that the store
// itself lacks: the reads it serves then scan the whole collection
// (MongoDB), or fail (DynamoDB: the registry queries the index).
type MissingIndex struct {
	// Where is the table or collection that lacks it, as an operator
	// names it: "table T", "collection db.coll".
	Where string
	// Name is the index's name as the schema declares it.
	Name string
	// Fields are its key attributes or fields, in order.
	Fields []string
	// Without says what the reads it serves do without it: "looking up a
	// user's connections scans the whole collection".
	Without string
	// Create is the one command that creates it: a mongosh line, an aws
	// CLI line.
	Create string
}

// indexUse says which reads an index on attr (its first key) serves.
func (s Schema) indexUse(attr string) string {
	c, sub := s.Connections.Attrs, s.Subscriptions.Attrs
	switch attr {
	case c.ID, sub.ConnectionID:
		return "looking up a connection by its id (every read of one connection, every conditional write)"
	case c.User:
		return "looking up a user's connections"
	case s.Mongo.Rooms, sub.Key:
		return "looking up a topic's subscribers (a room's members)"
	case c.App, c.EntityType:
		return "filtering by app and entity type (the console's filters, the repair rule)"
	case c.BusinessID:
		return "looking up a business's connections"
	}
	return "reading the records by " + attr
}

// plainWord is a name a shell takes as it is.
var plainWord = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.,:/=@%+-]*$`)

// shellQuote quotes s for a POSIX shell where it needs quoting.
func shellQuote(s string) string {
	if plainWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
