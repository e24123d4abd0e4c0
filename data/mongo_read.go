package data

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// cursorCloseTimeout bounds closing a cursor whose reader went away.
const cursorCloseTimeout = 5 * time.Second

// keysPerQuery bounds the values one $in of a lookup by key names.
const keysPerQuery = 1000

// filter is the query that picks the connection documents sel names: every
// condition an equality on the document (a topic: membership of the rooms
// array), served by the indexes of MongoIndexes.
func (m *MongoRegistry) filter(sel Select) (bson.D, error) {
	a := m.schema.Connections.Attrs
	if sel.BusinessID != "" && a.BusinessID == "" {
		return nil, ErrNoBusinessID
	}
	f := bson.D{}
	for _, c := range []struct{ field, value string }{
		{a.ID, sel.ConnectionID}, {a.User, sel.User}, {a.App, sel.App}, {a.EntityType, sel.EntityType},
		{a.Platform, sel.Platform}, {a.BusinessID, sel.BusinessID}, {m.schema.Mongo.Rooms, sel.Topic},
	} {
		if c.field != "" && c.value != "" {
			f = append(f, bson.E{Key: c.field, Value: m.codec.match(c.field, &types.AttributeValueMemberS{Value: c.value})})
		}
	}
	return f, nil
}

// projection limits a read to fields (plus the id): nil reads whole documents.
func (m *MongoRegistry) projection(fields []string) bson.D {
	if len(fields) == 0 {
		return nil
	}
	fields = append(slices.Clone(fields), m.schema.Connections.Attrs.ID)
	p := bson.D{}
	for _, f := range slices.Compact(slices.Sorted(slices.Values(fields))) {
		if f != "" {
			p = append(p, bson.E{Key: f, Value: 1})
		}
	}
	if !slices.Contains(fields, "_id") {
		p = append(p, bson.E{Key: "_id", Value: 0})
	}
	return p
}

// Connections streams the connection documents sel picks, decoded, one
// page per cursor batch.
func (m *MongoRegistry) Connections(ctx context.Context, sel Select) <-chan Page[Connection] {
	f, err := m.filter(sel)
	if err != nil {
		return failed[Connection](err)
	}
	return mongoStream(ctx, m, f, m.projection(sel.Attributes), func(doc bson.Raw, out []Connection) []Connection {
		return append(out, m.decodeConnection(doc))
	})
}

// Subscriptions streams the subscription records sel picks: one per room
// entry of the connection documents the query finds (a topic: the
// documents whose rooms hold it, and of each only that entry). A user, app,
// entity type, platform or business id is a condition on the same
// documents, so no join is needed.
func (m *MongoRegistry) Subscriptions(ctx context.Context, sel Select) <-chan Page[Subscription] {
	f, err := m.filter(sel)
	if err != nil {
		return failed[Subscription](err)
	}
	proj := m.projection([]string{m.schema.Mongo.Rooms})
	return mongoStream(ctx, m, f, proj, func(doc bson.Raw, out []Subscription) []Subscription {
		return m.subscriptionRows(doc, sel.Topic, out)
	})
}

// mongoStream runs find(filter) and sends what add makes of each batch's
// documents as one page, until the cursor is exhausted, fails, or ctx
// ends; the channel is closed then. Each batch is read under the per-call
// timeout. When ctx is cancelled the reader stops without waiting for the
// consumer.
func mongoStream[T any](ctx context.Context, m *MongoRegistry, filter, proj bson.D, add func(bson.Raw, []T) []T) <-chan Page[T] {
	out := make(chan Page[T], 2)
	send := func(pg Page[T]) bool {
		select {
		case out <- pg:
			return true
		case <-ctx.Done():
			return false
		}
	}
	go func() {
		defer close(out)
		fail := func(callCtx context.Context, err error) {
			if ctx.Err() == nil {
				send(Page[T]{Err: fmt.Errorf("reading %s: %w", m.where(), m.fail(ctx, callCtx, err))})
			}
		}
		opts := options.Find().SetBatchSize(m.opt.PageSize)
		if proj != nil {
			opts.SetProjection(proj)
		}
		callCtx, cancel := context.WithTimeout(ctx, m.opt.CallTimeout)
		cur, err := m.coll.Find(callCtx, filter, opts)
		if err != nil {
			fail(callCtx, err)
			cancel()
			return
		}
		cancel()
		defer func() {
			closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cursorCloseTimeout)
			defer cancel()
			_ = cur.Close(closeCtx)
		}()
		for more := true; more; {
			var items []T
			callCtx, cancel := context.WithTimeout(ctx, m.opt.CallTimeout)
			for {
				if !cur.Next(callCtx) {
					more = false
					break
				}
				items = add(cur.Current, items)
				if cur.RemainingBatchLength() == 0 {
					break
				}
			}
			if err := cur.Err(); err != nil {
				fail(callCtx, err)
				cancel()
				return
			}
			cancel()
			if len(items) > 0 && !send(Page[T]{Items: items}) {
				return
			}
		}
	}()
	return out
}

// Connection reads one connection document by id; ErrNotFound when there
// is none.
func (m *MongoRegistry) Connection(ctx context.Context, id string) (Connection, error) {
	doc, err := m.findOne(ctx, bson.D{{Key: m.schema.Connections.Attrs.ID, Value: m.idMatch(&types.AttributeValueMemberS{Value: id})}}, nil)
	if err != nil {
		return Connection{}, fmt.Errorf("connection %s: %w", id, err)
	}
	return m.decodeConnection(doc), nil
}

// findOne reads the first document filter picks; ErrNotFound when none does.
func (m *MongoRegistry) findOne(ctx context.Context, filter, proj bson.D) (bson.Raw, error) {
	opts := options.FindOne()
	if proj != nil {
		opts.SetProjection(proj)
	}
	doc, err := mongoCall(ctx, m, func(ctx context.Context) (bson.Raw, error) {
		doc, err := m.coll.FindOne(ctx, filter, opts).Raw()
		return slices.Clone(doc), err
	})
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", m.where(), err)
	}
	return doc, nil
}

// ConnectionsOf returns every connection document of a user.
func (m *MongoRegistry) ConnectionsOf(ctx context.Context, user string) ([]Connection, error) {
	return Collect(ctx, m.Connections(ctx, Select{User: user}))
}

// SubscriptionsOf returns the room entries of one connection.
func (m *MongoRegistry) SubscriptionsOf(ctx context.Context, connectionID string) ([]Subscription, error) {
	return Collect(ctx, m.Subscriptions(ctx, Select{ConnectionID: connectionID}))
}

// SubscriptionsOfMany returns the room entries of several connections,
// their documents found by id, a thousand ids a query.
func (m *MongoRegistry) SubscriptionsOfMany(ctx context.Context, ids []string) ([]Subscription, error) {
	var all []Subscription
	proj := m.projection([]string{m.schema.Mongo.Rooms})
	for chunk := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(ids))), keysPerQuery) {
		keys := make([]types.AttributeValue, len(chunk))
		for i, id := range chunk {
			keys[i] = &types.AttributeValueMemberS{Value: id}
		}
		subs, err := Collect(ctx, mongoStream(ctx, m, m.idsFilter(keys), proj, func(doc bson.Raw, out []Subscription) []Subscription {
			return m.subscriptionRows(doc, "", out)
		}))
		all = append(all, subs...)
		if err != nil {
			return all, err
		}
	}
	return all, nil
}

// idMatch is what a document's id field must equal to hold id.
func (m *MongoRegistry) idMatch(id types.AttributeValue) any {
	return m.codec.match(m.schema.Connections.Attrs.ID, id)
}

// idsFilter picks the documents whose id is any of ids (each in any of its
// forms: see mongoCodec.match).
func (m *MongoRegistry) idsFilter(ids []types.AttributeValue) bson.D {
	var in bson.A
	for _, id := range ids {
		v := m.idMatch(id)
		if d, ok := v.(bson.D); ok && len(d) == 1 && d[0].Key == "$in" {
			if forms, ok := d[0].Value.(bson.A); ok {
				in = append(in, forms...)
				continue
			}
		}
		in = append(in, v)
	}
	return bson.D{{Key: m.schema.Connections.Attrs.ID, Value: bson.D{{Key: "$in", Value: in}}}}
}
