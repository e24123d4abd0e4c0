package dynamo_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
	"wsops/internal/testrig"
	"wsops/sandbox/dynamo"
)

func queryUser(t *testing.T, f fixture, user string, in dynamodb.QueryInput) (ids map[string]int, count, scanned int) {
	t.Helper()
	in.TableName = f.table()
	in.IndexName = aws.String("userId-index")
	in.KeyConditionExpression = aws.String("#u = :u")
	if in.ExpressionAttributeNames == nil {
		in.ExpressionAttributeNames = map[string]string{}
	}
	in.ExpressionAttributeNames["#u"] = "userId"
	if in.ExpressionAttributeValues == nil {
		in.ExpressionAttributeValues = map[string]types.AttributeValue{}
	}
	in.ExpressionAttributeValues[":u"] = &types.AttributeValueMemberS{Value: user}
	ids = map[string]int{}
	p := dynamodb.NewQueryPaginator(f.db, &in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatalf("%s: query: %v", f.name, err)
		}
		count += int(out.Count)
		scanned += int(out.ScannedCount)
		for _, it := range out.Items {
			ids[it["connectionId"].(*types.AttributeValueMemberS).Value]++
		}
	}
	return ids, count, scanned
}

func TestUserIndexQuery(t *testing.T) {
	for _, f := range both(t) {
		t.Run(f.name, func(t *testing.T) {
			for _, limit := range []int32{0, 4} {
				in := dynamodb.QueryInput{}
				if limit > 0 {
					in.Limit = aws.Int32(limit)
				}
				ids, count, scanned := queryUser(t, f, "u3", in)
				if len(ids) != itemCount/10 || count != itemCount/10 || scanned != itemCount/10 {
					t.Errorf("limit %d: %d ids, Count %d, ScannedCount %d; want %d each", limit, len(ids), count, scanned, itemCount/10)
				}
				for i := 3; i < itemCount; i += 10 {
					if ids[id(i)] != 1 {
						t.Errorf("limit %d: %s returned %d times", limit, id(i), ids[id(i)])
					}
				}
			}
			ids, count, scanned := queryUser(t, f, "u3", dynamodb.QueryInput{
				FilterExpression:          aws.String("appId = :a"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":a": &types.AttributeValueMemberS{Value: "drivers"}},
				Limit:                     aws.Int32(4),
			})
			if len(ids) != itemCount/30 || count != itemCount/30 || scanned != itemCount/10 {
				t.Errorf("filtered: %d ids, Count %d, ScannedCount %d; want %d, %d, %d", len(ids), count, scanned, itemCount/30, itemCount/30, itemCount/10)
			}
		})
	}
}

// minidyn resumes a read by finding the start key's item; the shim keeps a
// deleted one from ending the read early.
func TestReadResumesAfterItsStartKeyWasDeleted(t *testing.T) {
	for _, f := range both(t) {
		t.Run(f.name+"/scan", func(t *testing.T) {
			in := &dynamodb.ScanInput{TableName: f.table(), Limit: aws.Int32(10)}
			seen, deleted := map[string]int{}, ""
			for {
				out, err := f.db.Scan(ctx(t), in)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range out.Items {
					seen[it["connectionId"].(*types.AttributeValueMemberS).Value]++
				}
				if len(out.LastEvaluatedKey) == 0 {
					break
				}
				if deleted == "" {
					deleted = out.LastEvaluatedKey["connectionId"].(*types.AttributeValueMemberS).Value
					deleteConn(t, f, deleted)
				}
				in.ExclusiveStartKey = out.LastEvaluatedKey
			}
			if len(seen) != itemCount {
				t.Errorf("read %d distinct items, want all %d (deleted %s after reading it)", len(seen), itemCount, deleted)
			}
		})
		t.Run(f.name+"/index query", func(t *testing.T) {
			in := &dynamodb.QueryInput{
				TableName: f.table(), IndexName: aws.String("userId-index"), Limit: aws.Int32(3),
				KeyConditionExpression:    aws.String("userId = :u"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":u": &types.AttributeValueMemberS{Value: "u7"}},
			}
			seen, deletions := map[string]int{}, 0
			for {
				out, err := f.db.Query(ctx(t), in)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range out.Items {
					seen[it["connectionId"].(*types.AttributeValueMemberS).Value]++
				}
				if len(out.LastEvaluatedKey) == 0 {
					break
				}
				if deletions < 2 {
					deletions++
					deleteConn(t, f, out.LastEvaluatedKey["connectionId"].(*types.AttributeValueMemberS).Value)
				}
				in.ExclusiveStartKey = out.LastEvaluatedKey
			}
			if len(seen) != itemCount/10 {
				t.Errorf("read %d distinct items of u7, want %d", len(seen), itemCount/10)
			}
		})
		t.Run(f.name+"/placeholder gone", func(t *testing.T) {
			r := scanAll(t, f, 1, dynamodb.ScanInput{})
			for _, it := range r.items {
				if _, ok := it["userId"]; !ok {
					t.Errorf("a key-only item was left behind: %v", it)
				}
			}
		})
	}
}

func deleteConn(t *testing.T, f fixture, connID string) {
	t.Helper()
	_, err := f.db.DeleteItem(ctx(t), &dynamodb.DeleteItemInput{
		TableName: f.table(),
		Key:       map[string]types.AttributeValue{"connectionId": &types.AttributeValueMemberS{Value: connID}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRegistryParallelScanOnTheShim(t *testing.T) {
	f := filled(t)
	for _, opt := range []data.Options{{Segments: 4}, {Segments: 8, PageSize: 16}} {
		reg := data.NewRegistry(f.db, f.s, opt)
		conns, err := data.Collect(context.Background(), reg.Connections(ctx(t), data.Select{}))
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, c := range conns {
			ids[c.ID] = true
		}
		if len(conns) != itemCount || len(ids) != itemCount {
			t.Errorf("%+v: %d connections, %d distinct; want %d", opt, len(conns), len(ids), itemCount)
		}
		drivers, err := data.Collect(context.Background(), reg.Connections(ctx(t), data.Select{App: "drivers"}))
		if err != nil || len(drivers) != itemCount/3 {
			t.Errorf("%+v: %d drivers (err %v), want %d", opt, len(drivers), err, itemCount/3)
		}
	}
}

func TestTableAdministration(t *testing.T) {
	db := shimClient(t)
	s := data.WizzSchema()
	if err := data.EnsureTables(ctx(t), db, s); err != nil {
		t.Fatal(err)
	}
	d, err := db.DescribeTable(ctx(t), &dynamodb.DescribeTableInput{TableName: aws.String(s.Connections.Table.Name)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Table.TableStatus != types.TableStatusActive || d.Table.GlobalSecondaryIndexes[0].IndexStatus != types.IndexStatusActive {
		t.Errorf("status %q, index status %q; want ACTIVE", d.Table.TableStatus, d.Table.GlobalSecondaryIndexes[0].IndexStatus)
	}
	var names []string
	p := dynamodb.NewListTablesPaginator(db, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, out.TableNames...)
	}
	if want := []string{s.Connections.Table.Name, s.Subscriptions.Table.Name}; fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("ListTables = %v, want %v", names, want)
	}
	del, err := db.DeleteTable(ctx(t), &dynamodb.DeleteTableInput{TableName: aws.String(s.Subscriptions.Table.Name)})
	if err != nil || del.TableDescription.TableStatus != types.TableStatusDeleting {
		t.Errorf("DeleteTable: %v, status %v", err, del)
	}
	out, err := db.ListTables(ctx(t), &dynamodb.ListTablesInput{})
	if err != nil || len(out.TableNames) != 1 {
		t.Errorf("after delete ListTables = %v (err %v), want the connections table alone", out, err)
	}
	_, err = db.Scan(ctx(t), &dynamodb.ScanInput{TableName: aws.String(s.Subscriptions.Table.Name), Segment: aws.Int32(0), TotalSegments: aws.Int32(2)})
	if code := apiCode(err); code != "ResourceNotFoundException" {
		t.Errorf("scan of a deleted table: %v (code %q), want ResourceNotFoundException", err, code)
	}
	_, err = db.DescribeTimeToLive(ctx(t), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(s.Connections.Table.Name)})
	if code := apiCode(err); code != "UnknownOperationException" {
		t.Errorf("unsupported operation: %v (code %q), want UnknownOperationException", err, code)
	}
}

func TestPutItemReturnsOnlyWhatWasAsked(t *testing.T) {
	f := filled(t)
	put := func(user string, rv types.ReturnValue) map[string]types.AttributeValue {
		out, err := f.db.PutItem(ctx(t), &dynamodb.PutItemInput{
			TableName:    f.table(),
			ReturnValues: rv,
			Item: map[string]types.AttributeValue{
				"connectionId": &types.AttributeValueMemberS{Value: "new"},
				"userId":       &types.AttributeValueMemberS{Value: user},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return out.Attributes
	}
	if got := put("a", types.ReturnValueAllOld); got != nil {
		t.Errorf("ALL_OLD on a new item = %v, want none", got)
	}
	if got := put("b", types.ReturnValueNone); got != nil {
		t.Errorf("NONE = %v, want none", got)
	}
	got := put("c", types.ReturnValueAllOld)
	if u, ok := got["userId"].(*types.AttributeValueMemberS); !ok || u.Value != "b" {
		t.Errorf("ALL_OLD = %v, want the replaced item (userId b)", got)
	}
}

func TestServeStopsGracefully(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := dynamo.Serve(l)
	db := testrig.DynamoClient("http://" + l.Addr().String())
	if err := data.EnsureTables(ctx(t), db, data.This27Schema()); err != nil {
		t.Fatalf("EnsureTables over Serve: %v", err)
	}
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := stop(c); err != nil {
		t.Fatalf("stop: %v", err)
	}
	c2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	if _, err := db.ListTables(c2, &dynamodb.ListTablesInput{}, func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 }); err == nil {
		t.Error("the endpoint still answers after stop")
	}
}

// UpdateTable's changes reach the shim's own view of the table: a new index
// is described, its key attribute's type is enforced on writes, and a
// deleted index is neither.
func TestUpdateTableIsRecorded(t *testing.T) {
	db, s := shimClient(t), data.WizzSchema()
	if err := data.EnsureTables(ctx(t), db, s); err != nil {
		t.Fatal(err)
	}
	table := aws.String(s.Connections.Table.Name)
	update := func(u types.GlobalSecondaryIndexUpdate) {
		t.Helper()
		if _, err := db.UpdateTable(ctx(t), &dynamodb.UpdateTableInput{
			TableName:                   table,
			AttributeDefinitions:        []types.AttributeDefinition{{AttributeName: aws.String("appId"), AttributeType: types.ScalarAttributeTypeS}},
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{u},
		}); err != nil {
			t.Fatal(err)
		}
	}
	indexes := func() map[string]types.GlobalSecondaryIndexDescription {
		t.Helper()
		d, err := db.DescribeTable(ctx(t), &dynamodb.DescribeTableInput{TableName: table})
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]types.GlobalSecondaryIndexDescription{}
		for _, ix := range d.Table.GlobalSecondaryIndexes {
			byName[aws.ToString(ix.IndexName)] = ix
		}
		return byName
	}
	put := func() error {
		_, err := db.PutItem(ctx(t), &dynamodb.PutItemInput{TableName: table, Item: map[string]types.AttributeValue{
			"connectionId": &types.AttributeValueMemberS{Value: "c1"}, "appId": &types.AttributeValueMemberN{Value: "7"},
		}})
		return err
	}

	update(types.GlobalSecondaryIndexUpdate{Create: &types.CreateGlobalSecondaryIndexAction{
		IndexName:  aws.String("appId-index"),
		KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("appId"), KeyType: types.KeyTypeHash}},
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
	}})
	ix, ok := indexes()["appId-index"]
	if !ok || ix.IndexStatus != types.IndexStatusActive || ix.Projection.ProjectionType != types.ProjectionTypeKeysOnly ||
		!strings.HasSuffix(aws.ToString(ix.IndexArn), "/index/appId-index") {
		t.Errorf("the new index is described as %+v", ix)
	}
	if err := put(); apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), "IndexName: appId-index") {
		t.Errorf("appId N against the new index's S key: %v, want a ValidationException", err)
	}

	update(types.GlobalSecondaryIndexUpdate{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("appId-index")}})
	if _, ok := indexes()["appId-index"]; ok {
		t.Error("the deleted index is still described")
	}
	if err := put(); err != nil {
		t.Errorf("appId N once the index is gone: %v", err)
	}
}
