package ops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/data"
	"wsops/internal/testrig"
)

// countingDB counts the registry calls by operation and table; it can fail
// every read and hold the batch writes until released.
type countingDB struct {
	data.DynamoAPI
	failReads atomic.Bool
	// hold, when set, is where BatchWriteItem calls wait; held is told how
	// many wait at once, after each one joins them.
	hold chan struct{}
	held func(n int)
	// queries, when set, is where the queries of the subscriptions table
	// wait; queried is told how many are in flight, after each one starts.
	queries chan struct{}
	queried func(n int)

	mu       sync.Mutex
	calls    map[string]int // "Query table"
	waiting  int
	querying int
}

func newCountingDB(db data.DynamoAPI) *countingDB {
	return &countingDB{DynamoAPI: db, calls: map[string]int{}}
}

func (c *countingDB) count(op string, tables ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	slices.Sort(tables)
	c.calls[op+" "+strings.Join(tables, "+")]++
}

// get is the count of op on tables, as count keys it.
func (c *countingDB) get(op string, tables ...string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	slices.Sort(tables)
	return c.calls[op+" "+strings.Join(tables, "+")]
}

// total is how many calls of op were made, on any tables.
func (c *countingDB) total(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, v := range c.calls {
		if strings.HasPrefix(k, op+" ") {
			n += v
		}
	}
	return n
}

var errReads = errors.New("injected: DynamoDB unavailable")

func (c *countingDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.count("GetItem", *in.TableName)
	if c.failReads.Load() {
		return nil, errReads
	}
	return c.DynamoAPI.GetItem(ctx, in, opts...)
}

func (c *countingDB) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.count("Query", *in.TableName)
	if c.failReads.Load() {
		return nil, errReads
	}
	if c.queries != nil && *in.TableName == data.WizzSchema().Subscriptions.Table.Name {
		c.mu.Lock()
		c.querying++
		n := c.querying
		c.mu.Unlock()
		c.queried(n)
		<-c.queries
		defer func() {
			c.mu.Lock()
			c.querying--
			c.mu.Unlock()
		}()
	}
	return c.DynamoAPI.Query(ctx, in, opts...)
}

func (c *countingDB) Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	c.count("Scan", *in.TableName)
	if c.failReads.Load() {
		return nil, errReads
	}
	return c.DynamoAPI.Scan(ctx, in, opts...)
}

func (c *countingDB) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	var tables []string
	for t := range in.RequestItems {
		tables = append(tables, t)
	}
	c.count("BatchGetItem", tables...)
	if c.failReads.Load() {
		return nil, errReads
	}
	return c.DynamoAPI.BatchGetItem(ctx, in, opts...)
}

func (c *countingDB) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	var tables []string
	for t := range in.RequestItems {
		tables = append(tables, t)
	}
	c.count("BatchWriteItem", tables...)
	if c.hold != nil {
		c.mu.Lock()
		c.waiting++
		n := c.waiting
		c.mu.Unlock()
		c.held(n)
		<-c.hold
	}
	return c.DynamoAPI.BatchWriteItem(ctx, in, opts...)
}

// confirmFunc is a Confirmer.
type confirmFunc func(context.Context, Plan, Policy) error

func (f confirmFunc) Confirm(ctx context.Context, p Plan, pol Policy) error { return f(ctx, p, pol) }

// A cut reads the registry once before it (the connection's record, in a
// BatchGetItem it may share) and once after (the connection's
// subscriptions), and deletes in a BatchWriteItem it may share: no GetItem,
// and one Query a cut, where it read the record and the subscriptions both
// before the cut and again after.
func TestLogoutReadsTheRegistryOnceBeforeAndOnceAfterACut(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 4, Claims: usersOf(map[int][2]string{
		0: {"u-calls", "drivers"}, 1: {"u-calls", "customers"}, 2: {"u-calls", "drivers"}, 3: {"u-other", "drivers"},
	})})
	mine := f.w.IDs[:3]
	f.subscribe(t, "u-calls", mine...)
	db := newCountingDB(f.db)
	o := f.with(t, func(d *Deps) { d.Registry = data.NewRegistry(db, f.schema, data.Options{}) })
	res, err := o.Logout(context.Background(), LogoutRequest{Journal: journalIn(t), Targets: Targets{Select: data.Select{User: "u-calls"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (LogoutResult{Targets: 3, Notified: 3, Disconnected: 3, RecordsDeleted: 6}); !equalLogout(res, want) {
		t.Errorf("result %+v, want %+v", res, want)
	}
	conns, subs := f.schema.Connections.Table.Name, f.schema.Subscriptions.Table.Name
	if n := db.total("GetItem"); n != 0 {
		t.Errorf("%d GetItem calls, want none (the records are read in batches)", n)
	}
	if n := db.get("Query", subs); n != len(mine) {
		t.Errorf("%d queries of the subscriptions, want one a cut (%d)", n, len(mine))
	}
	if n := db.get("BatchGetItem", conns); n < 1 || n > len(mine) {
		t.Errorf("%d BatchGetItem calls of the connections, want 1 to %d", n, len(mine))
	}
	if n := db.total("BatchWriteItem"); n < 1 || n > len(mine) {
		t.Errorf("%d BatchWriteItem calls, want 1 to %d", n, len(mine))
	}
	assertLoggedOut(t, f, DefaultNotice, mine...)
	if c, s := f.records(t, data.Select{User: "u-calls"}); len(c)+len(s) != 0 {
		t.Errorf("records remain: %v, %v", c, s)
	}
	assertUntouched(t, f, f.w.IDs[3])
}

// sharedCuts is how many connections TestLogoutCutsInFlightShareDeleteCalls logs out at once.
const sharedCuts = 40

// Cuts in flight together delete their records in shared BatchWriteItem
// calls: with every lane's call held until all the sweeps are waiting, the
// 40 connections' 80 records take the lanes' calls and two more (24
// connections' records, 12 to a call of 25 keys), where each cut made a
// call of its own. The journal still records each outcome after its
// delete: every record is gone and each cut is counted once.
func TestLogoutCutsInFlightShareDeleteCalls(t *testing.T) {
	users := map[int][2]string{}
	for i := range sharedCuts {
		users[i] = [2]string{"u-many", "drivers"}
	}
	f := startFleetRig(t, testrig.WorldOptions{Clients: sharedCuts, Claims: usersOf(users)})
	f.subscribe(t, "u-many", f.w.IDs...)
	db := newCountingDB(f.db)
	release := sync.OnceFunc(func() { close(db.hold) })
	db.hold = make(chan struct{})
	db.held = func(n int) { // without batching, every cut's call waits here
		if n == sharedCuts {
			release()
		}
	}
	o := f.with(t, func(d *Deps) { d.Registry = data.NewRegistry(db, f.schema, data.Options{}) })
	var handed atomic.Int64
	o.sweepQueued = func(int) {
		if handed.Add(1) == sharedCuts {
			release()
		}
	}
	res, err := o.Logout(context.Background(), LogoutRequest{Journal: journalIn(t), Targets: Targets{Select: data.Select{User: "u-many"}}, Rate: 1000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (LogoutResult{Targets: sharedCuts, Notified: sharedCuts, Disconnected: sharedCuts, RecordsDeleted: 2 * sharedCuts}); !equalLogout(res, want) {
		t.Errorf("result %+v, want %+v", res, want)
	}
	if n, most := db.total("BatchWriteItem"), logoutLanes+2; n > most {
		t.Errorf("%d BatchWriteItem calls for %d cuts in flight, want at most %d", n, sharedCuts, most)
	}
	if c, s := f.records(t, data.Select{User: "u-many"}); len(c)+len(s) != 0 {
		t.Errorf("records remain: %d connections, %d with subscriptions", len(c), len(s))
	}
	assertLoggedOut(t, f, DefaultNotice, f.w.IDs...)
}

// A registry that cannot be read once the logout is confirmed stops it
// before its first cut: the notice went out, no socket was cut whose
// records would stay.
func TestLogoutCutsNothingWhenTheRegistryCannotBeRead(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 2, Claims: usersOf(map[int][2]string{0: {"u-r", "drivers"}, 1: {"u-r", "drivers"}})})
	db := newCountingDB(f.db)
	o := f.with(t, func(d *Deps) {
		d.Registry = data.NewRegistry(db, f.schema, data.Options{})
		d.Confirm = confirmFunc(func(context.Context, Plan, Policy) error { db.failReads.Store(true); return nil })
	})
	// One cut at a time: the bucket holds the first token only.
	res, err := o.Logout(context.Background(), LogoutRequest{Journal: journalIn(t), Targets: Targets{Select: data.Select{User: "u-r"}}, Rate: 0.001}, nil)
	if !errors.Is(err, errStopRun) || !errors.Is(err, errReads) {
		t.Errorf("error %v, want the run stopped with the registry's error", err)
	}
	if res.Failed != 1 || res.NotAttempted != 1 || res.Disconnected+res.Gone != 0 || res.Notified != 1 {
		t.Errorf("result %+v, want one target failed after its notice and one not attempted", res)
	}
	for _, id := range f.w.IDs {
		if slices.Contains(f.methods(id), "DELETE") {
			t.Errorf("%s was cut: %v", id, f.methods(id))
		}
	}
	if live := f.w.Sandbox.Gateway().IDs(); len(live) != 2 {
		t.Errorf("%d connections open, want both: %v", len(live), fmt.Sprint(live))
	}
}

// The subscription reads of a logout's sweeps take slots: with every read
// held until the slots are full and the other sweeps wait for one, no more
// than the slots are ever in flight (without them, all ten were).
func TestLogoutBoundsTheSubscriptionReadsInFlight(t *testing.T) {
	const sweeps, slots = 10, 4
	f := startFleetRig(t, testrig.WorldOptions{Clients: 1})
	var ids []string
	for i := range sweeps {
		ids = append(ids, staleID(300+i))
	}
	f.staleRecords(t, time.Now(), ids...) // a record and a subscription each
	db := newCountingDB(f.db)
	db.queries = make(chan struct{})
	var mu sync.Mutex
	most, waiting, inFlight := 0, 0, 0
	release := sync.OnceFunc(func() { close(db.queries) })
	check := func() { // under mu
		most = max(most, inFlight)
		if inFlight == slots && waiting == sweeps-slots || inFlight == sweeps {
			release()
		}
	}
	db.queried = func(n int) {
		mu.Lock()
		defer mu.Unlock()
		inFlight = n
		check()
	}
	o := f.with(t, func(d *Deps) { d.Registry = data.NewRegistry(db, f.schema, data.Options{}) })
	g := newLogoutRegistry(o)
	g.queries = make(chan struct{}, slots)
	g.waits = func() {
		mu.Lock()
		defer mu.Unlock()
		waiting++
		check()
	}
	var wg sync.WaitGroup
	counts := make([]int, sweeps)
	for i, id := range ids {
		wg.Go(func() {
			var err error
			if counts[i], err = g.sweep(context.Background(), o, id, nil, false); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if most != slots {
		t.Errorf("%d subscription reads in flight at most, want %d", most, slots)
	}
	for i, n := range counts {
		if n != 2 {
			t.Errorf("sweep of %s: %d records, want its connection and its subscription", ids[i], n)
		}
	}
	if c, s := f.records(t, data.Select{User: "u-stale"}); len(c)+len(s) != 0 {
		t.Errorf("records remain: %v, %v", c, s)
	}
}
