package data

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// decodeConnection maps a connection document onto a Connection, as
// leniently as an item: the schema's decoder flags what an item shows
// (missing fields, a number id, the app rule), and the document itself
// what an item cannot show — a date field that holds no date, rooms that
// are no array of distinct strings.
func (m *MongoRegistry) decodeConnection(doc bson.Raw) Connection {
	c := m.schema.DecodeConnection(m.codec.item(doc), m.opt.Now())
	c.Problems = append(c.Problems, m.documentProblems(doc)...)
	return c
}

// documentProblems are what is wrong with a connection document's types.
func (m *MongoRegistry) documentProblems(doc bson.Raw) []string {
	var problems []string
	for _, f := range []string{m.schema.Connections.Attrs.ConnectedAt, m.schema.Connections.Attrs.LastSeenAt} {
		if f == "" || m.schema.Connections.TimeFormat != Date {
			continue
		}
		if v, err := doc.LookupErr(f); err == nil && v.Type != bson.TypeDateTime {
			problems = append(problems, fmt.Sprintf("%s is %s, expected a date", f, bsonTypeName(v.Type)))
		}
	}
	rooms := m.schema.Mongo.Rooms
	v, err := doc.LookupErr(rooms)
	switch {
	case err != nil:
		return problems
	case v.Type != bson.TypeArray:
		return append(problems, fmt.Sprintf("%s is %s, expected an array", rooms, bsonTypeName(v.Type)))
	}
	arr, _ := v.ArrayOK()
	vals, _ := arr.Values()
	for i, e := range vals {
		if e.Type != bson.TypeString {
			problems = append(problems, fmt.Sprintf("%s holds %s, expected strings", rooms, bsonTypeName(e.Type)))
		} else if n := countEqual(vals, e); n > 1 && firstEqual(vals, e) == i {
			problems = append(problems, fmt.Sprintf("%s holds %q %d times", rooms, e.StringValue(), n))
		}
	}
	return problems
}

// countEqual is how many of vals equal v.
func countEqual(vals []bson.RawValue, v bson.RawValue) int {
	n := 0
	for _, e := range vals {
		if e.Equal(v) {
			n++
		}
	}
	return n
}

// firstEqual is the index of the first of vals that equals v.
func firstEqual(vals []bson.RawValue, v bson.RawValue) int {
	for i, e := range vals {
		if e.Equal(v) {
			return i
		}
	}
	return -1
}

// subscriptionRows appends the subscription records one connection
// document holds to out: one per distinct entry of its rooms array (only
// topic's, when topic is set), each an item of the subscription schema's
// connection id and key attributes. A room entry listed twice is one
// record, flagged; a rooms field that is a string is read as one room,
// flagged; one of any other type holds no room (its connection record
// carries the problem).
func (m *MongoRegistry) subscriptionRows(doc bson.Raw, topic string, out []Subscription) []Subscription {
	sa := m.schema.Subscriptions.Attrs
	rooms := m.schema.Mongo.Rooms
	v, err := doc.LookupErr(rooms)
	if err != nil {
		return out
	}
	var id types.AttributeValue
	if raw, err := doc.LookupErr(m.schema.Connections.Attrs.ID); err == nil {
		id = m.codec.attr(raw)
	}
	row := func(room bson.RawValue, problem string) {
		item := Item{sa.Key: m.codec.attr(room)}
		if id != nil {
			item[sa.ConnectionID] = id
		}
		s := m.schema.DecodeSubscription(item, m.opt.Now())
		if problem != "" {
			s.Problems = append(s.Problems, problem)
		}
		out = append(out, s)
	}
	wanted := func(room bson.RawValue) bool {
		s, ok := room.StringValueOK()
		return topic == "" || ok && s == topic
	}
	switch v.Type {
	case bson.TypeString:
		if wanted(v) {
			row(v, fmt.Sprintf("%s is a string, expected an array", rooms))
		}
		return out
	case bson.TypeArray:
	default:
		return out
	}
	arr, _ := v.ArrayOK()
	vals, _ := arr.Values()
	for i, e := range vals {
		if !wanted(e) || firstEqual(vals, e) != i {
			continue
		}
		problem := ""
		if n := countEqual(vals, e); n > 1 {
			problem = fmt.Sprintf("%s holds it %d times", rooms, n)
		}
		row(e, problem)
	}
	return out
}
