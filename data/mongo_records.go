package data

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// KeyOf returns a record's key: a connection's id, or a subscription's
// connection id and key (the subscriptions schema's table keys).
func (m *MongoRegistry) KeyOf(subscriptions bool, item Item) Item {
	if subscriptions {
		return keyOf(m.schema.Subscriptions.Table, item)
	}
	return keyOf(m.schema.Connections.Table, item)
}

// Record reads one record by its key: a connection's whole document, or a
// room entry as a subscription item; ErrNotFound when there is none.
func (m *MongoRegistry) Record(ctx context.Context, subscriptions bool, key Item) (Item, error) {
	id := key[m.idKey(subscriptions)]
	if id == nil {
		return nil, fmt.Errorf("reading a record of %s: the key names no connection id", m.where())
	}
	f := bson.D{{Key: m.schema.Connections.Attrs.ID, Value: m.idMatch(id)}}
	if !subscriptions {
		doc, err := m.findOne(ctx, f, nil)
		if err != nil {
			return nil, err
		}
		return m.codec.item(doc), nil
	}
	room := key[m.schema.Subscriptions.Attrs.Key]
	if room == nil {
		return nil, fmt.Errorf("reading a room entry of %s: the key names no room", m.where())
	}
	f = append(f, bson.E{Key: m.schema.Mongo.Rooms, Value: m.codec.value("", room)})
	doc, err := m.findOne(ctx, f, m.projection([]string{m.schema.Mongo.Rooms}))
	if err != nil {
		return nil, err
	}
	for _, s := range m.subscriptionRows(doc, "", nil) {
		if EqualValues(s.Item[m.schema.Subscriptions.Attrs.Key], room) {
			return s.Item, nil
		}
	}
	return nil, ErrNotFound
}

// idKey is the attribute of a key that holds the connection id.
func (m *MongoRegistry) idKey(subscriptions bool) string {
	if subscriptions {
		return m.schema.Subscriptions.Attrs.ConnectionID
	}
	return m.schema.Connections.Attrs.ID
}

// Records reads records by key, a thousand keys a query: connection
// documents (only the fields attrs, plus the id; nil: whole), or room
// entries. Keys with no record are left out; the order is not the keys'.
func (m *MongoRegistry) Records(ctx context.Context, subscriptions bool, keys []Item, attrs []string) ([]Item, error) {
	var all []Item
	for chunk := range slices.Chunk(keys, keysPerQuery) {
		ids := make([]types.AttributeValue, 0, len(chunk))
		wanted := map[string]bool{}
		for _, k := range chunk {
			if id := k[m.idKey(subscriptions)]; id != nil {
				ids = append(ids, id)
				if subscriptions {
					wanted[subKey(k, m.schema.Subscriptions.Attrs)] = true
				}
			}
		}
		if len(ids) == 0 {
			continue
		}
		var (
			items []Item
			err   error
		)
		if subscriptions {
			items, err = Collect(ctx, mongoStream(ctx, m, m.idsFilter(ids), m.projection([]string{m.schema.Mongo.Rooms}), func(doc bson.Raw, out []Item) []Item {
				for _, s := range m.subscriptionRows(doc, "", nil) {
					if wanted[subKey(s.Item, m.schema.Subscriptions.Attrs)] {
						out = append(out, s.Item)
					}
				}
				return out
			}))
		} else {
			items, err = Collect(ctx, mongoStream(ctx, m, m.idsFilter(ids), m.projection(attrs), func(doc bson.Raw, out []Item) []Item {
				return append(out, m.codec.item(doc))
			}))
		}
		all = append(all, items...)
		if err != nil {
			return all, fmt.Errorf("reading %d records of %s: %w", len(keys), m.where(), err)
		}
	}
	return all, nil
}

// subKey identifies a subscription item by its connection id and key.
func subKey(item Item, a SubscriptionAttrs) string {
	id, _ := MarshalValue(item[a.ConnectionID])
	key, _ := MarshalValue(item[a.Key])
	return string(id) + "\x00" + string(key)
}
