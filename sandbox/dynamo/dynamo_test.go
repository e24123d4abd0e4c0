package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"wsops/data"
	"wsops/internal/testrig"
)

const itemCount = 300

var apps = []string{"drivers", "customers", "order-receiver"}

// fixture is one endpoint with the wizz tables and itemCount connections:
// c000…c299, user u(i%10), app apps[i%3].
type fixture struct {
	name string
	db   *dynamodb.Client
	s    data.Schema
}

func (f fixture) table() *string { return aws.String(f.s.Connections.Table.Name) }

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func shimClient(t *testing.T) *dynamodb.Client {
	return testrig.DynamoClient(testrig.SandboxMinidynURL(t))
}

// filled returns a fixture on the shim, tables made by data.EnsureTables.
func filled(t *testing.T) fixture {
	t.Helper()
	db := shimClient(t)
	s := data.WizzSchema()
	if err := data.EnsureTables(ctx(t), db, s); err != nil {
		t.Fatalf("EnsureTables: %v", err)
	}
	f := fixture{name: "shim", db: db, s: s}
	fill(t, f)
	return f
}

// both returns the shim fixture and, as the reference, a dynalite one.
func both(t *testing.T) []fixture {
	t.Helper()
	ref := testrig.DynamoClient(testrig.DynaliteURL(t))
	f := fixture{name: "dynalite", db: ref, s: testrig.UniqueSchema(t, ref, data.WizzSchema())}
	fill(t, f)
	return []fixture{filled(t), f}
}

func fill(t *testing.T, f fixture) {
	t.Helper()
	var reqs []types.WriteRequest
	for i := range itemCount {
		item := f.s.EncodeConnection(data.Connection{
			ID: id(i), User: fmt.Sprintf("u%d", i%10), App: apps[i%3],
			EntityType: "driver", Platform: "ios", ConnectedAt: time.UnixMilli(1e12 + int64(i)),
		})
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	for len(reqs) > 0 {
		n := min(25, len(reqs))
		out, err := f.db.BatchWriteItem(ctx(t), &dynamodb.BatchWriteItemInput{
			RequestItems: map[string][]types.WriteRequest{f.s.Connections.Table.Name: reqs[:n]},
		})
		if err != nil {
			t.Fatalf("%s: BatchWriteItem: %v", f.name, err)
		}
		reqs = append(reqs[n:], out.UnprocessedItems[f.s.Connections.Table.Name]...)
	}
}

func id(i int) string { return fmt.Sprintf("c%03d", i) }

// scanResult is what all pages of all segments of one scan returned.
type scanResult struct {
	seen              map[string]int // connectionId → times returned
	perSegment        []int
	count, scanned    int
	items             []map[string]types.AttributeValue
	pagesWithMismatch int // pages whose Count differs from len(Items)
}

// scanAll runs every segment of a parallel scan to its end, page by page.
func scanAll(t *testing.T, f fixture, segments int, in dynamodb.ScanInput) scanResult {
	t.Helper()
	r := scanResult{seen: map[string]int{}, perSegment: make([]int, segments)}
	for seg := range segments {
		in := in
		in.TableName = f.table()
		if segments > 1 {
			in.Segment, in.TotalSegments = aws.Int32(int32(seg)), aws.Int32(int32(segments))
		}
		p := dynamodb.NewScanPaginator(f.db, &in)
		for p.HasMorePages() {
			out, err := p.NextPage(ctx(t))
			if err != nil {
				t.Fatalf("%s: segment %d: %v", f.name, seg, err)
			}
			r.count += int(out.Count)
			r.scanned += int(out.ScannedCount)
			if in.Select != types.SelectCount && int(out.Count) != len(out.Items) {
				r.pagesWithMismatch++
			}
			r.perSegment[seg] += len(out.Items)
			for _, it := range out.Items {
				r.items = append(r.items, it)
				if v, ok := it["connectionId"].(*types.AttributeValueMemberS); ok {
					r.seen[v.Value]++
				}
			}
		}
	}
	return r
}

func TestScanReturnsEveryItemExactlyOnceAcrossSegments(t *testing.T) {
	for _, f := range both(t) {
		for _, segments := range []int{1, 4} {
			for _, limit := range []int32{0, 7} {
				t.Run(fmt.Sprintf("%s/segments=%d/limit=%d", f.name, segments, limit), func(t *testing.T) {
					var in dynamodb.ScanInput
					if limit > 0 {
						in.Limit = aws.Int32(limit)
					}
					r := scanAll(t, f, segments, in)
					for i := range itemCount {
						if r.seen[id(i)] != 1 {
							t.Fatalf("%s returned %d times", id(i), r.seen[id(i)])
						}
					}
					if len(r.seen) != itemCount || r.count != itemCount || r.scanned != itemCount {
						t.Errorf("distinct %d, Count %d, ScannedCount %d; want %d each", len(r.seen), r.count, r.scanned, itemCount)
					}
					if r.pagesWithMismatch > 0 {
						t.Errorf("%d pages report a Count other than their item count", r.pagesWithMismatch)
					}
					for seg, n := range r.perSegment {
						if n == 0 || n == itemCount && segments > 1 {
							t.Errorf("segment %d holds %d of %d items", seg, n, itemCount)
						}
					}
				})
			}
		}
	}
}

func TestParallelScanWithFilterCountsScannedItems(t *testing.T) {
	for _, f := range both(t) {
		for _, limit := range []int32{0, 11} {
			t.Run(fmt.Sprintf("%s/limit=%d", f.name, limit), func(t *testing.T) {
				in := dynamodb.ScanInput{
					FilterExpression:          aws.String("#a = :a"),
					ExpressionAttributeNames:  map[string]string{"#a": "appId"},
					ExpressionAttributeValues: map[string]types.AttributeValue{":a": &types.AttributeValueMemberS{Value: "drivers"}},
				}
				if limit > 0 {
					in.Limit = aws.Int32(limit)
				}
				r := scanAll(t, f, 4, in)
				for i := range itemCount {
					want := 0
					if apps[i%3] == "drivers" {
						want = 1
					}
					if r.seen[id(i)] != want {
						t.Fatalf("%s returned %d times, want %d", id(i), r.seen[id(i)], want)
					}
				}
				if r.count != itemCount/3 || r.scanned != itemCount {
					t.Errorf("Count %d, ScannedCount %d; want %d, %d", r.count, r.scanned, itemCount/3, itemCount)
				}
			})
		}
	}
}

func TestParallelScanProjectionKeepsOnlyWhatWasAsked(t *testing.T) {
	for _, f := range both(t) {
		t.Run(f.name, func(t *testing.T) {
			r := scanAll(t, f, 4, dynamodb.ScanInput{ProjectionExpression: aws.String("userId")})
			if len(r.items) != itemCount {
				t.Fatalf("%d items, want %d", len(r.items), itemCount)
			}
			for _, it := range r.items {
				if _, ok := it["userId"]; len(it) != 1 || !ok {
					t.Fatalf("item %v, want userId alone", it)
				}
			}
			r = scanAll(t, f, 4, dynamodb.ScanInput{
				ProjectionExpression:     aws.String("#c, appId"),
				ExpressionAttributeNames: map[string]string{"#c": "connectionId"},
			})
			if len(r.seen) != itemCount || len(r.items[0]) != 2 {
				t.Errorf("%d distinct ids, first item %v; want %d ids with connectionId and appId", len(r.seen), r.items[0], itemCount)
			}
		})
	}
}

func TestSelectCountReturnsCountsOnly(t *testing.T) {
	for _, f := range both(t) {
		t.Run(f.name, func(t *testing.T) {
			r := scanAll(t, f, 4, dynamodb.ScanInput{Select: types.SelectCount})
			if len(r.items) != 0 || r.count != itemCount || r.scanned != itemCount {
				t.Errorf("%d items, Count %d, ScannedCount %d; want 0, %d, %d", len(r.items), r.count, r.scanned, itemCount, itemCount)
			}
		})
	}
}

func TestSegmentParametersAreValidated(t *testing.T) {
	f := filled(t)
	for _, tc := range []struct {
		name           string
		segment, total *int32
	}{
		{"segment alone", aws.Int32(0), nil},
		{"total alone", nil, aws.Int32(4)},
		{"segment = total", aws.Int32(4), aws.Int32(4)},
		{"negative segment", aws.Int32(-1), aws.Int32(4)},
		{"zero total", aws.Int32(0), aws.Int32(0)},
	} {
		_, err := f.db.Scan(ctx(t), &dynamodb.ScanInput{TableName: f.table(), Segment: tc.segment, TotalSegments: tc.total})
		if code := apiCode(err); code != "ValidationException" {
			t.Errorf("%s: error %v (code %q), want ValidationException", tc.name, err, code)
		}
	}
}

func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}
