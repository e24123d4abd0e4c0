package main

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"wsops/data"
)

// userAgents are the reference apps' clients, at their real lengths.
var userAgents = []string{
	"okhttp/4.12.0 WizzDriver/7.31.2 (Android 14; SM-A546B; Build/UP1A.231005.007)",
	"WizzCustomer/5.18.0 (iPhone15,3; iOS 17.5.1; Scale/3.00) CFNetwork/1496.0.7 Darwin/23.5.0",
	"Mozilla/5.0 (Linux; Android 11; Lenovo TB-X606F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.179 Safari/537.36 OrderReceiver/3.4.1",
}

// inventoryConnection is record i of a realistic wizz fleet: the three apps,
// the three platforms, and 5% of all records wrong as in the incident:
// three order-receiver records in twenty written with entityType "customer".
func inventoryConnection(i int, now time.Time) data.Connection {
	a := apps[i%len(apps)]
	c := data.Connection{
		ID:          fmt.Sprintf("I%014d=", i),
		User:        fmt.Sprintf("user-%07d", i/2),
		App:         a.app,
		EntityType:  a.entity,
		Platform:    platforms[(i/3)%len(platforms)],
		ConnectedAt: now.Add(-time.Duration(i%7200) * time.Second),
		TTL:         now.Add(2 * time.Hour),
		SourceIP:    fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255),
		UserAgent:   userAgents[i%len(userAgents)],
	}
	if a.app == "order-receiver" {
		c.BusinessID = fmt.Sprintf("biz-%06d", i/3)
		if (i/3)%20 < 3 {
			c.EntityType = "customer"
		}
	}
	return c
}

// load writes items with BatchWriteItem, 25 at a time, 8 batches in flight,
// retrying what DynamoDB leaves unprocessed.
func load(ctx context.Context, db *dynamodb.Client, table string, n int, item func(i int) data.Item) error {
	var g errgroup.Group
	g.SetLimit(8)
	for start := 0; start < n; start += 25 {
		g.Go(func() error {
			reqs := make([]types.WriteRequest, 0, 25)
			for i := start; i < min(start+25, n); i++ {
				reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item(i)}})
			}
			return batchWrite(ctx, db, table, reqs)
		})
	}
	return g.Wait()
}

func batchWrite(ctx context.Context, db *dynamodb.Client, table string, reqs []types.WriteRequest) error {
	for attempt := 0; len(reqs) > 0; attempt++ {
		if attempt == 10 {
			return fmt.Errorf("loading %s: %d items still unprocessed after %d attempts", table, len(reqs), attempt)
		}
		out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
		if err != nil {
			return fmt.Errorf("loading %s: %w", table, err)
		}
		reqs = out.UnprocessedItems[table]
	}
	return nil
}

// scanIDs reads every hash key of table (one segment, the keys only).
func scanIDs(ctx context.Context, db *dynamodb.Client, table, key string) ([]string, error) {
	var ids []string
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: &table, ProjectionExpression: &key})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			if s, ok := it[key].(*types.AttributeValueMemberS); ok {
				ids = append(ids, s.Value)
			}
		}
	}
	return ids, nil
}
