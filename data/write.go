package data

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"
)

// batchLimit is DynamoDB's maximum number of requests in one BatchWriteItem.
const batchLimit = 25

// batchAttempts bounds how often unprocessed items are retried.
const batchAttempts = 8

// lookupConcurrency bounds the concurrent per-connection subscription queries.
const lookupConcurrency = 8

// DeleteResult counts what DeleteConnections removed and what it could not.
type DeleteResult struct {
	Connections   int
	Subscriptions int
	// Failed holds the keys DynamoDB still left unprocessed after retries.
	Failed []Item
}

// DeleteConnections deletes the records of the given connections together with
// their subscriptions, in batches of 25, retrying unprocessed items with
// jittered backoff. A connection with no record is not an error.
func (r *Registry) DeleteConnections(ctx context.Context, ids []string) (DeleteResult, error) {
	var res DeleteResult
	// A batch naming one key twice is rejected whole by DynamoDB.
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	st := r.schema.Subscriptions.Table
	subs, err := r.subscriptionsOfMany(ctx, ids, []string{st.HashKey, st.RangeKey, r.schema.Subscriptions.Attrs.ConnectionID})
	if err != nil {
		return res, err
	}
	ct := r.schema.Connections.Table
	var reqs []tableKey
	for _, s := range subs {
		reqs = append(reqs, tableKey{st.Name, keyOf(st, s.Item)})
	}
	for _, id := range ids {
		reqs = append(reqs, tableKey{ct.Name, Item{ct.HashKey: &types.AttributeValueMemberS{Value: id}}})
	}
	count := func(keys []tableKey, sign int) {
		for _, k := range keys {
			if k.table == ct.Name {
				res.Connections += sign
			} else {
				res.Subscriptions += sign
			}
		}
	}
	for start := 0; start < len(reqs); start += batchLimit {
		chunk := reqs[start:min(start+batchLimit, len(reqs))]
		pending, err := r.batchDelete(ctx, chunk)
		count(chunk, +1)
		count(pending, -1)
		for _, p := range pending {
			res.Failed = append(res.Failed, p.key)
		}
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// SubscriptionsOfMany reads the subscriptions of several connections, whole:
// by key or index per connection where the schema has one, else with one scan.
func (r *Registry) SubscriptionsOfMany(ctx context.Context, ids []string) ([]Subscription, error) {
	return r.subscriptionsOfMany(ctx, ids, nil)
}

// subscriptionsOfMany reads the subscriptions of several connections, only
// the attributes keys (nil: all).
func (r *Registry) subscriptionsOfMany(ctx context.Context, ids []string, keys []string) ([]Subscription, error) {
	st := r.schema.Subscriptions.Table
	if _, _, ok := keyFor(st, r.schema.Subscriptions.Attrs.ConnectionID); ok {
		var (
			mu  sync.Mutex
			all []Subscription
		)
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(lookupConcurrency)
		for _, id := range ids {
			g.Go(func() error {
				subs, err := Collect(gctx, r.Subscriptions(gctx, Select{ConnectionID: id, Attributes: keys}))
				mu.Lock()
				defer mu.Unlock()
				all = append(all, subs...)
				return err
			})
		}
		return all, g.Wait()
	}
	wanted := make(map[string]bool, len(ids))
	for _, id := range ids {
		wanted[id] = true
	}
	all, err := Collect(ctx, r.Subscriptions(ctx, Select{Attributes: keys}))
	var mine []Subscription
	for _, s := range all {
		if wanted[s.ConnectionID] {
			mine = append(mine, s)
		}
	}
	return mine, err
}

// DeleteRecords deletes the connection records conns and the subscription
// records subs (whole records or their keys), in batches of 25, retrying
// unprocessed items with jittered backoff. A record already absent is no
// error; keys DynamoDB still leaves unprocessed after retries are.
func (r *Registry) DeleteRecords(ctx context.Context, conns, subs []Item) error {
	ct, st := r.schema.Connections.Table, r.schema.Subscriptions.Table
	var reqs []tableKey
	for _, c := range conns {
		reqs = append(reqs, tableKey{ct.Name, keyOf(ct, c)})
	}
	for _, s := range subs {
		reqs = append(reqs, tableKey{st.Name, keyOf(st, s)})
	}
	for start := 0; start < len(reqs); start += batchLimit {
		pending, err := r.batchDelete(ctx, reqs[start:min(start+batchLimit, len(reqs))])
		if err != nil {
			return err
		}
		if len(pending) > 0 {
			return fmt.Errorf("deleting records: DynamoDB left %d unprocessed after retries", len(pending))
		}
	}
	return nil
}

type tableKey struct {
	table string
	key   Item
}

// batchDelete deletes up to 25 keys, retrying what DynamoDB leaves unprocessed;
// it returns the keys still unprocessed after the last attempt.
func (r *Registry) batchDelete(ctx context.Context, keys []tableKey) ([]tableKey, error) {
	pending := keys
	for attempt := 0; len(pending) > 0 && attempt < batchAttempts; attempt++ {
		if attempt > 0 {
			if err := sleepCtx(ctx, backoff(attempt)); err != nil {
				return pending, err
			}
		}
		items := map[string][]types.WriteRequest{}
		for _, k := range pending {
			items[k.table] = append(items[k.table], types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k.key}})
		}
		out, err := call(ctx, r, func(ctx context.Context) (*dynamodb.BatchWriteItemOutput, error) {
			return r.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: items})
		})
		if err != nil {
			return pending, fmt.Errorf("deleting records: %w", err)
		}
		pending = pending[:0:0]
		for table, reqs := range out.UnprocessedItems {
			for _, w := range reqs {
				if w.DeleteRequest != nil {
					pending = append(pending, tableKey{table, w.DeleteRequest.Key})
				}
			}
		}
	}
	return pending, nil
}

// backoff is the jittered wait before retry attempt n (n ≥ 1): up to
// 50 ms × 2^(n-1), capped at 2 s.
func backoff(n int) time.Duration {
	ceiling := min(50*time.Millisecond<<(n-1), 2*time.Second)
	return ceiling/2 + rand.N(ceiling/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// keyOf extracts a table's primary key from an item.
func keyOf(t Table, item Item) Item {
	key := Item{t.HashKey: item[t.HashKey]}
	if t.RangeKey != "" {
		key[t.RangeKey] = item[t.RangeKey]
	}
	return key
}
