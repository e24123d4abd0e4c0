package data

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Change is one conditional single-attribute write.
type Change struct {
	// Subscriptions selects the subscriptions table; false means connections.
	Subscriptions bool
	Key           Item
	Attribute     string
	// Old is the value the record must still hold (nil: the attribute must be absent).
	Old types.AttributeValue
	// New is the value to write (nil: remove the attribute).
	New types.AttributeValue
}

// table is the table a change or record lives in.
func (r *Registry) table(subscriptions bool) Table {
	if subscriptions {
		return r.schema.Subscriptions.Table
	}
	return r.schema.Connections.Table
}

// Update applies one change only if the record exists and still holds Old;
// otherwise it returns ErrConflict and leaves the record as it is. It
// returns the record as it was before the write.
func (r *Registry) Update(ctx context.Context, c Change) (before Item, err error) {
	t := r.table(c.Subscriptions)
	name := expression.Name(c.Attribute)
	cond := expression.AttributeExists(expression.Name(t.HashKey))
	if c.Old == nil {
		cond = cond.And(expression.AttributeNotExists(name))
	} else {
		cond = cond.And(name.Equal(expression.Value(c.Old)))
	}
	var upd expression.UpdateBuilder
	if c.New == nil {
		upd = expression.Remove(name)
	} else {
		upd = expression.Set(name, expression.Value(c.New))
	}
	e, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
	if err != nil {
		return nil, fmt.Errorf("building update of %s: %w", c.Attribute, err)
	}
	var n attempts
	out, err := call(ctx, r, func(ctx context.Context) (*dynamodb.UpdateItemOutput, error) {
		return r.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(t.Name), Key: c.Key,
			ConditionExpression: e.Condition(), UpdateExpression: e.Update(),
			ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
			ReturnValues: types.ReturnValueAllOld,
		}, n.count)
	})
	if err = n.conditional(err, "updating "+c.Attribute+" of "+t.Name); err != nil {
		return nil, err
	}
	return out.Attributes, nil
}

// Create writes item only if no record with its key exists; otherwise it
// returns ErrConflict and leaves the existing record as it is.
func (r *Registry) Create(ctx context.Context, subscriptions bool, item Item) error {
	t := r.table(subscriptions)
	e, err := expression.NewBuilder().
		WithCondition(expression.AttributeNotExists(expression.Name(t.HashKey))).Build()
	if err != nil {
		return fmt.Errorf("building create in %s: %w", t.Name, err)
	}
	var n attempts
	_, err = call(ctx, r, func(ctx context.Context) (*dynamodb.PutItemOutput, error) {
		return r.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(t.Name), Item: item,
			ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(),
		}, n.count)
	})
	return n.conditional(err, "creating a record in "+t.Name)
}

// DeleteUnchanged deletes the record with item's key only if it still holds
// every attribute of item with the same value (it may hold more); otherwise
// it returns ErrConflict and leaves the record as it is.
func (r *Registry) DeleteUnchanged(ctx context.Context, subscriptions bool, item Item) error {
	t := r.table(subscriptions)
	cond := expression.AttributeExists(expression.Name(t.HashKey))
	for _, k := range slices.Sorted(maps.Keys(item)) {
		cond = cond.And(expression.Name(k).Equal(expression.Value(item[k])))
	}
	e, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("building delete in %s: %w", t.Name, err)
	}
	var n attempts
	_, err = call(ctx, r, func(ctx context.Context) (*dynamodb.DeleteItemOutput, error) {
		return r.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: aws.String(t.Name), Key: keyOf(t, item),
			ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(),
			ExpressionAttributeValues: e.Values(),
		}, n.count)
	})
	return n.conditional(err, "deleting a record of "+t.Name)
}

// Record reads one record by its key; ErrNotFound when there is none.
func (r *Registry) Record(ctx context.Context, subscriptions bool, key Item) (Item, error) {
	t := r.table(subscriptions)
	out, err := call(ctx, r, func(ctx context.Context) (*dynamodb.GetItemOutput, error) {
		return r.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(t.Name), Key: key, ConsistentRead: aws.Bool(true)})
	})
	if err != nil {
		return nil, fmt.Errorf("reading a record of %s: %w", t.Name, err)
	}
	if len(out.Item) == 0 {
		return nil, ErrNotFound
	}
	return out.Item, nil
}

// KeyOf returns the primary key of a record of the connections or
// subscriptions table.
func (r *Registry) KeyOf(subscriptions bool, item Item) Item {
	return keyOf(r.table(subscriptions), item)
}

// attempts watches the attempts the SDK makes of one call, its own retries
// included: whether one of them may have made the write without its caller
// learning so (no answer came back, or a 5xx did). A 4xx, throttling
// included, certainly wrote nothing.
type attempts struct{ ambiguous atomic.Bool }

// count is the call option that watches each attempt.
func (a *attempts) count(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		// The end of the finalize step runs once per attempt: after the retry middleware.
		return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("wsopsWatchAttempts",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleFinalize(ctx, in)
				var re *smithyhttp.ResponseError
				if err != nil && !(errors.As(err, &re) && re.HTTPStatusCode() >= 400 && re.HTTPStatusCode() < 500) {
					a.ambiguous.Store(true)
				}
				return out, md, err
			}), middleware.After)
	})
}

// conditional maps a failed condition to ErrConflict (with ErrRetried when
// it came on a retry of an attempt whose outcome is unknown) and wraps
// other errors.
func (a *attempts) conditional(err error, doing string) error {
	var failed *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return nil
	case errors.As(err, &failed) && a.ambiguous.Load():
		return fmt.Errorf("%s: %w (%w)", doing, ErrConflict, ErrRetried)
	case errors.As(err, &failed):
		return fmt.Errorf("%s: %w", doing, ErrConflict)
	}
	return fmt.Errorf("%s: %w", doing, err)
}
