package ops

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
)

// A logout's registry work, per cut: the connection's record is read just
// before the cut (if the registry fails, no socket is cut whose records
// would stay; the record is counted), then, once the socket is closed, its
// subscriptions are read (a Query where the schema keys them by
// connection, as wizz's does; else a scan, as of this27's rooms) and its
// records deleted. The record reads and the deletes go through batchers, so
// that cuts in flight together share BatchGetItem and BatchWriteItem calls
// (up to 100 and 25 keys) instead of making one call each. A cut makes one
// Query and shares two calls where it made five of its own (a GetItem and
// a Query before the cut, the same again and a BatchWriteItem after): less
// than half the registry's work a cut (docs/scale.md, far from the region,
// has the figures). Subscriptions are read once the socket is closed,
// so those the backend's $disconnect deleted first are not counted.

// Limits of a logout's registry batches.
const (
	// logoutReadKeys is DynamoDB's limit of keys in one BatchGetItem.
	logoutReadKeys = 100
	// logoutDeleteKeys is DynamoDB's limit of requests in one BatchWriteItem
	// (the records of a connection with more go in one call of their own,
	// split by data.Registry.DeleteRecords).
	logoutDeleteKeys = 25
	// logoutLanes bounds each batcher's calls in flight: writeWorkers, as
	// for every other action's registry writes. 16 calls of 25 keys at a
	// 100 ms round trip delete 4,000 records a second.
	logoutLanes = writeWorkers
	// logoutQueries bounds the subscription reads in flight. The fan-out
	// keeps up to mgmt.MaxInFlight cuts in flight (on a saturated machine
	// their latency makes it grow there), and without a bound each would
	// read the registry at once: with up to 2,048, dynalite reset some of
	// the connections and the SDK's retry quota ran out (the bench's far
	// logout failed so). 256 at a 250 ms round trip to the registry still
	// read for 1,000 cuts a second, twice the 500 new connections a second
	// AWS lets the cut clients' reconnects make.
	logoutQueries = 256
)

// logoutRegistry is a logout run's batchers.
type logoutRegistry struct {
	reads   *batcher[string, item]      // connection ids → their records (nil: none)
	deletes *batcher[records, struct{}] // a closed connection's records → deleted
	queries chan struct{}               // a slot for each subscription read in flight
	// waits, when set (tests), is told whenever a read waits for a slot.
	waits func()
}

// newLogoutRegistry builds the batchers of a logout run on o's registry
// (which they ask for nothing until the run's first cut).
func newLogoutRegistry(o *Ops) *logoutRegistry {
	reads := &batcher[string, item]{limit: logoutReadKeys, lanes: logoutLanes, units: func(string) int { return 1 },
		call: func(ctx context.Context, ids []string) ([]item, error) {
			ct := o.reg.Schema().Connections.Table
			keys := make([]data.Item, len(ids))
			for i, id := range ids {
				keys[i] = connKey(ct, id)
			}
			found, err := o.reg.Records(ctx, false, keys, nil)
			if err != nil {
				return nil, err
			}
			byID := make(map[string]item, len(found))
			for _, it := range found {
				if s, ok := it[ct.HashKey].(*types.AttributeValueMemberS); ok {
					byID[s.Value] = item(it)
				}
			}
			out := make([]item, len(ids))
			for i, id := range ids {
				out[i] = byID[id]
			}
			return out, nil
		}}
	deletes := &batcher[records, struct{}]{limit: logoutDeleteKeys, lanes: logoutLanes, units: records.count,
		call: func(ctx context.Context, rs []records) ([]struct{}, error) {
			var conns, subs []data.Item
			seen := map[string]bool{} // a batch naming one key twice is refused whole
			add := func(to *[]data.Item, subscriptions bool, it item) {
				key, _ := data.MarshalItem(o.reg.KeyOf(subscriptions, data.Item(it)))
				if k := fmt.Sprint(subscriptions, string(key)); !seen[k] {
					seen[k] = true
					*to = append(*to, data.Item(it))
				}
			}
			for _, r := range rs {
				if r.Conn != nil {
					add(&conns, false, r.Conn)
				}
				for _, s := range r.Subs {
					add(&subs, true, s)
				}
			}
			return make([]struct{}, len(rs)), o.reg.DeleteRecords(ctx, conns, subs)
		}}
	deletes.queued = o.sweepQueued
	return &logoutRegistry{reads: reads, deletes: deletes, queries: make(chan struct{}, logoutQueries)}
}

// connKey is the key of connection id's record.
func connKey(t data.Table, id string) data.Item {
	return data.Item{t.HashKey: &types.AttributeValueMemberS{Value: id}}
}

// connection reads the record of connection id (nil: it has none).
func (g *logoutRegistry) connection(ctx context.Context, id string) (item, error) {
	it, err := g.reads.do(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("reading the record of connection %s: %w", id, err)
	}
	return it, nil
}

// sweep deletes the registry records of the closed connection id: its
// record (by key, whether or not one was read) and the subscriptions it
// holds now. conn is its record as read before the cut, when read says one
// was; else it is read now. It says how many records there were: the
// connection's record, if it had one, and its subscriptions.
func (g *logoutRegistry) sweep(ctx context.Context, o *Ops, id string, conn item, read bool) (int, error) {
	if !read {
		var err error
		if conn, err = g.connection(ctx, id); err != nil {
			return 0, err
		}
	}
	subs, err := g.subscriptions(ctx, o, id)
	if err != nil {
		return 0, fmt.Errorf("reading the subscriptions of connection %s: %w", id, err)
	}
	r := records{Conn: item(connKey(o.reg.Schema().Connections.Table, id))}
	for _, s := range subs {
		r.Subs = append(r.Subs, item(s.Item))
	}
	n := len(r.Subs)
	if conn != nil {
		n++
	}
	if _, err := g.deletes.do(ctx, r); err != nil {
		return 0, err
	}
	return n, nil
}

// subscriptions reads the subscriptions of connection id, in one of the
// run's logoutQueries slots.
func (g *logoutRegistry) subscriptions(ctx context.Context, o *Ops, id string) ([]data.Subscription, error) {
	select {
	case g.queries <- struct{}{}:
	default:
		if g.waits != nil {
			g.waits()
		}
		g.queries <- struct{}{}
	}
	defer func() { <-g.queries }()
	return o.reg.SubscriptionsOfMany(ctx, []string{id})
}
