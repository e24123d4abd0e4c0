package ops

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"wsops/data"
	"wsops/internal/testrig"
	"wsops/ops/auditlog"
	"wsops/ops/repairplan"
)

// benchSegments is the scan segments of both the plan and the plain scan.
const benchSegments = 4

// benchConns is how many connections BenchmarkRepairPlan loads
// (WSOPS_BENCH_CONNS, default 100,000); 5% of them carry the incident.
func benchConns(b *testing.B) int {
	if s := os.Getenv("WSOPS_BENCH_CONNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 20 {
			b.Fatalf("WSOPS_BENCH_CONNS=%q: want a number ≥ 20", s)
		}
		return n
	}
	return 100_000
}

// BenchmarkRepairPlan loads N wizz connections into dynalite (5% of them
// order-receiver records written as customer; every merchant with a
// business-status subscription), then alternates a repair plan with a
// plain parallel scan of the connections table that decodes nothing, same
// segments, same endpoint: plan/scan is the ratio of their times (target ≤
// 1.5). After the loop the plan is applied once with no rate limit and
// undone, and both throughputs reported (writes/s).
func BenchmarkRepairPlan(b *testing.B) {
	n := benchConns(b)
	db := testrig.DynamoClient(testrig.DynaliteURL(b))
	s := testrig.UniqueSchema(b, db, data.WizzSchema())
	wrong := loadIncident(b, db, s, n)
	reg := data.NewRegistry(db, s, data.Options{Segments: benchSegments})
	dir := b.TempDir()
	o, err := New(Deps{Registry: reg, Gateway: liveGateway{}, Policy: Policy{Profile: "bench"}, Confirm: answer{},
		Audit: auditlog.New(filepath.Join(dir, "audit.jsonl")), Caller: func(context.Context) (string, error) { return "bench", nil }})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()

	var planning, scanning time.Duration
	var plan repairplan.Plan
	for b.Loop() {
		start := time.Now()
		var err error
		if plan, err = o.RepairPlan(ctx, repairplan.Request{}); err != nil {
			b.Fatal(err)
		}
		planning += time.Since(start)
		start = time.Now()
		if got := plainScan(b, db, s.Connections.Table.Name); got != n {
			b.Fatalf("plain scan read %d items, want %d", got, n)
		}
		scanning += time.Since(start)
	}
	if len(plan.Changes) != 2*wrong { // each wrong connection and its subscription
		b.Fatalf("plan of %d changes, want %d", len(plan.Changes), 2*wrong)
	}
	b.ReportMetric(planning.Seconds()/scanning.Seconds(), "plan/scan")
	b.ReportMetric(float64(n)/(planning.Seconds()/float64(b.N)), "planned-items/s")

	start := time.Now()
	res, err := o.Repair(ctx, RepairApply{Plan: plan, RPS: math.Inf(1), Journal: filepath.Join(dir, fmt.Sprint("apply-", b.N, ".jsonl"))}, nil)
	if err != nil || res.Applied != len(plan.Changes) {
		b.Fatalf("apply: %+v, %v", res, err)
	}
	b.ReportMetric(float64(res.Applied)/time.Since(start).Seconds(), "apply-writes/s")
	start = time.Now()
	undo, err := o.UndoRepair(ctx, res.Journal, filepath.Join(dir, fmt.Sprint("undo-", b.N, ".jsonl")), math.Inf(1), nil)
	if err != nil || undo.Applied != res.Applied {
		b.Fatalf("undo: %+v, %v", undo, err)
	}
	b.ReportMetric(float64(undo.Applied)/time.Since(start).Seconds(), "undo-writes/s")
}

// loadIncident writes n connections of realistic size (5% of them the
// incident) and a business-status subscription for every merchant; it
// returns the number of wrong connections.
func loadIncident(b *testing.B, db *dynamodb.Client, s data.Schema, n int) int {
	b.Helper()
	now := time.Now()
	apps := []string{"drivers", "customers", "customers", "order-receiver"}
	var conns, subs []data.Item
	wrong := 0
	for i := range n {
		app := apps[i%len(apps)]
		c := data.Connection{ID: fmt.Sprintf("B%014d=", i), User: fmt.Sprintf("user-%06d", i/3), App: app,
			EntityType: s.AppEntity[app], Platform: "android", ConnectedAt: now.Add(-time.Duration(i%3600) * time.Second),
			TTL: now.Add(2 * time.Hour), SourceIP: "203.0.113.7", UserAgent: "WizzApp/5.2 okhttp/4.12.0 Android/14"}
		if app == "order-receiver" {
			c.BusinessID = fmt.Sprintf("biz-%05d", i)
			if i%20 == 3 { // every 20th record is one of these: 5% of all
				c.EntityType = "customer"
				wrong++
			}
			subs = append(subs, s.EncodeSubscription(data.Subscription{ConnectionID: c.ID, Key: "business_status#" + c.BusinessID,
				User: c.User, EntityType: c.EntityType, Active: true, CreatedAt: now, TTL: c.TTL}))
		}
		conns = append(conns, s.EncodeConnection(c))
	}
	batchPut(b, db, s.Connections.Table.Name, conns)
	batchPut(b, db, s.Subscriptions.Table.Name, subs)
	return wrong
}

// batchPut writes items 25 at a time, 8 batches in flight, retrying
// unprocessed items.
func batchPut(b *testing.B, db *dynamodb.Client, table string, items []data.Item) {
	b.Helper()
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(8)
	for start := 0; start < len(items); start += 25 {
		chunk := items[start:min(start+25, len(items))]
		g.Go(func() error {
			reqs := make([]types.WriteRequest, len(chunk))
			for i, it := range chunk {
				reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: it}}
			}
			pending := map[string][]types.WriteRequest{table: reqs}
			for len(pending) > 0 {
				out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
				if err != nil {
					return err
				}
				pending = out.UnprocessedItems
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatalf("loading %s: %v", table, err)
	}
}

// plainScan is the baseline: a parallel scan that counts items and decodes
// nothing.
func plainScan(b *testing.B, db *dynamodb.Client, table string) int {
	b.Helper()
	var mu sync.Mutex
	total := 0
	g, ctx := errgroup.WithContext(context.Background())
	for seg := range benchSegments {
		g.Go(func() error {
			in := &dynamodb.ScanInput{TableName: aws.String(table), Segment: aws.Int32(int32(seg)), TotalSegments: aws.Int32(benchSegments)}
			for {
				out, err := db.Scan(ctx, in)
				if err != nil {
					return err
				}
				mu.Lock()
				total += len(out.Items)
				mu.Unlock()
				if len(out.LastEvaluatedKey) == 0 {
					return nil
				}
				in.ExclusiveStartKey = out.LastEvaluatedKey
			}
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	return total
}
