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
