package data

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"
)

// getBatchLimit is DynamoDB's maximum number of keys in one BatchGetItem.
const getBatchLimit = 100

// Records reads the records of one table by key with BatchGetItem (100 keys
// a call, a few calls at once, the keys DynamoDB leaves unprocessed retried
// with backoff). attrs limits what is read (nil: whole records; the table's
// keys are always read). A key with no record is absent from the result,
// whose order is not the keys'.
func (r *Registry) Records(ctx context.Context, subscriptions bool, keys []Item, attrs []string) ([]Item, error) {
	t := r.table(subscriptions)
	in := types.KeysAndAttributes{}
	if len(attrs) > 0 {
		names := slices.Compact(slices.Sorted(slices.Values(slices.Concat(attrs, []string{t.HashKey, t.RangeKey})))) // never append to the caller's slice: checkers share theirs across goroutines
		names = slices.DeleteFunc(names, func(s string) bool { return s == "" })
		nb := make([]expression.NameBuilder, len(names))
		for i, n := range names {
			nb[i] = expression.Name(n)
		}
		e, err := expression.NewBuilder().WithProjection(expression.NamesList(nb[0], nb[1:]...)).Build()
		if err != nil {
			return nil, fmt.Errorf("building the projection: %w", err)
		}
		in.ProjectionExpression, in.ExpressionAttributeNames = e.Projection(), e.Names()
	}
	var (
		mu  sync.Mutex
		all []Item
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(lookupConcurrency)
	for start := 0; start < len(keys); start += getBatchLimit {
		batch := keys[start:min(start+getBatchLimit, len(keys))]
		g.Go(func() error {
			items, err := r.batchGet(gctx, t.Name, in, batch)
			mu.Lock()
			defer mu.Unlock()
			all = append(all, items...)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return all, fmt.Errorf("reading %d records of %s: %w", len(keys), t.Name, err)
	}
	return all, nil
}

// batchGet reads up to 100 keys of one table, retrying what DynamoDB leaves
// unprocessed.
func (r *Registry) batchGet(ctx context.Context, table string, in types.KeysAndAttributes, keys []Item) ([]Item, error) {
	var found []Item
	pending := keys
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt == batchAttempts {
			return found, fmt.Errorf("DynamoDB left %d keys unprocessed after %d attempts", len(pending), batchAttempts)
		}
		if attempt > 0 {
			if err := sleepCtx(ctx, backoff(attempt)); err != nil {
				return found, err
			}
		}
		req := in
		req.Keys = pending
		out, err := call(ctx, r, func(ctx context.Context) (*dynamodb.BatchGetItemOutput, error) {
			return r.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{table: req}})
		})
		if err != nil {
			return found, err
		}
		found = append(found, out.Responses[table]...)
		pending = out.UnprocessedKeys[table].Keys
	}
	return found, nil
}
