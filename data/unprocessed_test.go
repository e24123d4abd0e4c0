package data_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
	"wsops/internal/testrig"
)

// stingyBatches is a real DynamoDB client whose BatchWriteItem performs only
// the first request of each table and hands the rest back as UnprocessedItems,
// as DynamoDB does under throttling.
type stingyBatches struct {
	*dynamodb.Client
	calls atomic.Int32
}

func (s *stingyBatches) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	s.calls.Add(1)
	now, later := map[string][]types.WriteRequest{}, map[string][]types.WriteRequest{}
	for table, reqs := range in.RequestItems {
		now[table] = reqs[:1]
		if len(reqs) > 1 {
			later[table] = reqs[1:]
		}
	}
	if _, err := s.Client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: now}, opts...); err != nil {
		return nil, err
	}
	return &dynamodb.BatchWriteItemOutput{UnprocessedItems: later}, nil
}

func TestDeleteRetriesUnprocessedItems(t *testing.T) {
	db := testrig.DynamoClient(testrig.DynaliteURL(t))
	f := fixture{backend: testrig.Backend{Name: "dynalite", MaxSegments: 4}, db: db, schema: testrig.UniqueSchema(t, db, data.WizzSchema())}
	var ids []string
	for i := range 4 {
		c := f.conn(i, fmt.Sprint("u", i), "drivers")
		f.putConns(t, c)
		ids = append(ids, c.ID)
	}
	stingy := &stingyBatches{Client: db}
	reg := data.NewRegistry(stingy, f.schema, data.Options{})
	res, err := reg.DeleteConnections(context.Background(), ids)
	if err != nil || res.Connections != 4 || len(res.Failed) != 0 {
		t.Fatalf("result %+v, err %v; want all 4 deleted", res, err)
	}
	if n := stingy.calls.Load(); n != 4 {
		t.Errorf("%d BatchWriteItem calls, want 4 (one per leftover)", n)
	}
	if left := collect(t, reg.Connections(context.Background(), data.Select{})); len(left) != 0 {
		t.Errorf("%d records left", len(left))
	}
}

// stingyGets is a real DynamoDB client whose BatchGetItem reads only the
// first key of each table and hands the rest back as UnprocessedKeys.
type stingyGets struct {
	*dynamodb.Client
	calls atomic.Int32
}

func (s *stingyGets) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	s.calls.Add(1)
	now, later := map[string]types.KeysAndAttributes{}, map[string]types.KeysAndAttributes{}
	for table, ka := range in.RequestItems {
		first, rest := ka, ka
		first.Keys, rest.Keys = ka.Keys[:1], ka.Keys[1:]
		now[table] = first
		if len(rest.Keys) > 0 {
			later[table] = rest
		}
	}
	out, err := s.Client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: now}, opts...)
	if err != nil {
		return nil, err
	}
	out.UnprocessedKeys = later
	return out, nil
}

// Records reads every key it is given, the ones DynamoDB leaves unprocessed
// included, only the attributes asked for; an absent record is absent.
func TestRecordsRetriesUnprocessedKeys(t *testing.T) {
	db := testrig.DynamoClient(testrig.DynaliteURL(t))
	f := fixture{backend: testrig.Backend{Name: "dynalite", MaxSegments: 4}, db: db, schema: testrig.UniqueSchema(t, db, data.WizzSchema())}
	var keys []data.Item
	for i := range 3 {
		c := f.conn(i, fmt.Sprint("u", i), "drivers")
		f.putConns(t, c)
		keys = append(keys, data.Item{"connectionId": &types.AttributeValueMemberS{Value: c.ID}})
	}
	keys = append(keys, data.Item{"connectionId": &types.AttributeValueMemberS{Value: "absent="}})
	stingy := &stingyGets{Client: db}
	reg := data.NewRegistry(stingy, f.schema, data.Options{})
	items, err := reg.Records(context.Background(), false, keys, []string{"userId"})
	if err != nil || len(items) != 3 {
		t.Fatalf("%d records (%v), want 3", len(items), err)
	}
	for _, it := range items {
		if len(it) != 2 || it["userId"] == nil || it["connectionId"] == nil {
			t.Errorf("record %v: want the key and userId alone", data.PlainItem(it))
		}
	}
	if n := stingy.calls.Load(); n != 4 {
		t.Errorf("%d BatchGetItem calls, want 4 (one per leftover)", n)
	}
}
