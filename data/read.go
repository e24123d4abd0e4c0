package data

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Connections streams the connection records sel picks. A user is read from
// the user index and a connection id from the table key where the schema has
// them; app, entity type and platform become a filter expression. A topic is
// answered from the subscriptions table and joined back.
func (r *Registry) Connections(ctx context.Context, sel Select) <-chan Page[Connection] {
	a := r.schema.Connections.Attrs
	if sel.BusinessID != "" && a.BusinessID == "" {
		return failed[Connection](ErrNoBusinessID)
	}
	conds := map[string]string{}
	for attr, v := range map[string]string{
		a.ID: sel.ConnectionID, a.User: sel.User, a.App: sel.App,
		a.EntityType: sel.EntityType, a.Platform: sel.Platform, a.BusinessID: sel.BusinessID,
	} {
		if v != "" && attr != "" {
			conds[attr] = v
		}
	}
	var keep func(Connection) bool
	if sel.Topic != "" {
		ids, err := r.connectionIDsOfTopic(ctx, sel.Topic)
		if err != nil {
			return failed[Connection](err)
		}
		keep = func(c Connection) bool { return ids[c.ID] }
	}
	p := plan(r.schema.Connections.Table, conds, sel.Attributes, r.opt.Segments)
	return stream(ctx, r, p, r.decodeConnection, keep)
}

// Subscriptions streams the subscription records sel picks. Conditions the
// subscriptions table cannot answer itself (an app, or a user or entity type
// where the schema stores none) are joined through the connections table.
func (r *Registry) Subscriptions(ctx context.Context, sel Select) <-chan Page[Subscription] {
	a := r.schema.Subscriptions.Attrs
	conds := map[string]string{}
	join := Select{App: sel.App, Platform: sel.Platform, BusinessID: sel.BusinessID}
	for _, c := range []struct {
		attr, value string
		joined      *string
	}{
		{a.ConnectionID, sel.ConnectionID, nil},
		{a.Key, sel.Topic, nil},
		{a.User, sel.User, &join.User},
		{a.EntityType, sel.EntityType, &join.EntityType},
	} {
		switch {
		case c.value == "":
		case c.attr != "":
			conds[c.attr] = c.value
		case c.joined != nil:
			*c.joined = c.value
		}
	}
	var keep func(Subscription) bool
	if join.User != "" || join.EntityType != "" || join.App != "" || join.Platform != "" || join.BusinessID != "" {
		join.Attributes = []string{r.schema.Connections.Attrs.ID}
		ids, err := collectIDs(ctx, r.Connections(ctx, join), func(c Connection) string { return c.ID })
		if err != nil {
			return failed[Subscription](err)
		}
		keep = func(s Subscription) bool { return ids[s.ConnectionID] }
	}
	p := plan(r.schema.Subscriptions.Table, conds, sel.Attributes, r.opt.Segments)
	return stream(ctx, r, p, r.decodeSubscription, keep)
}

// Connection reads one connection record by id; ErrNotFound when absent.
func (r *Registry) Connection(ctx context.Context, id string) (Connection, error) {
	t := r.schema.Connections.Table
	out, err := call(ctx, r, func(ctx context.Context) (*dynamodb.GetItemOutput, error) {
		return r.db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(t.Name),
			Key:       Item{t.HashKey: &types.AttributeValueMemberS{Value: id}},
		})
	})
	if err != nil {
		return Connection{}, fmt.Errorf("reading connection %s: %w", id, err)
	}
	if len(out.Item) == 0 {
		return Connection{}, fmt.Errorf("connection %s: %w", id, ErrNotFound)
	}
	return r.decodeConnection(out.Item), nil
}

// ConnectionsOf returns every connection record of a user, across apps.
func (r *Registry) ConnectionsOf(ctx context.Context, user string) ([]Connection, error) {
	return Collect(ctx, r.Connections(ctx, Select{User: user}))
}

// Collect drains a stream into one slice; it stops at the first error. A
// stream read under ctx that ends because ctx ended is incomplete, and
// Collect says so with ctx's error: a cancelled read never looks complete.
func Collect[T any](ctx context.Context, pages <-chan Page[T]) ([]T, error) {
	var all []T
	for pg := range pages {
		if pg.Err != nil {
			return all, pg.Err
		}
		all = append(all, pg.Items...)
	}
	return all, ctx.Err()
}

func (r *Registry) connectionIDsOfTopic(ctx context.Context, topic string) (map[string]bool, error) {
	sel := Select{Topic: topic, Attributes: []string{r.schema.Subscriptions.Attrs.ConnectionID}}
	return collectIDs(ctx, r.Subscriptions(ctx, sel), func(s Subscription) string { return s.ConnectionID })
}

func collectIDs[T any](ctx context.Context, pages <-chan Page[T], id func(T) string) (map[string]bool, error) {
	ids := map[string]bool{}
	for pg := range pages {
		if pg.Err != nil {
			return nil, pg.Err
		}
		for _, v := range pg.Items {
			ids[id(v)] = true
		}
	}
	return ids, ctx.Err()
}

func failed[T any](err error) <-chan Page[T] {
	ch := make(chan Page[T], 1)
	ch <- Page[T]{Err: err}
	close(ch)
	return ch
}

func (r *Registry) decodeConnection(it Item) Connection {
	return r.schema.DecodeConnection(it, r.opt.Now())
}

func (r *Registry) decodeSubscription(it Item) Subscription {
	return r.schema.DecodeSubscription(it, r.opt.Now())
}
