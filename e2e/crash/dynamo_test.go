package crash

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The wizz preset's tables (data/schema.go), spelled out here on purpose:
// the witness reads and seeds the registry with hand-written attribute
// maps, never with wsops's encoders.
const (
	connectionsTable   = "WizzUser_websocket_connections_dev"
	subscriptionsTable = "WizzUser_websocket_subscriptions_dev"
)

// dynamoWitness reads and seeds the registry straight from DynamoDB with
// the AWS SDK: a witness independent of wsops's data package.
type dynamoWitness struct {
	t      *testing.T
	client *dynamodb.Client
}

func newDynamoWitness(t *testing.T, endpoint string) *dynamoWitness {
	t.Helper()
	transport := &http.Transport{MaxIdleConnsPerHost: 8}
	t.Cleanup(transport.CloseIdleConnections)
	client := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("crash", "crash", ""),
		HTTPClient:   &http.Client{Transport: transport, Timeout: 20 * time.Second},
	})
	return &dynamoWitness{t: t, client: client}
}

// record is one registry item as plain strings (numbers in their decimal text).
type record map[string]string

// scan reads every item of table.
func (d *dynamoWitness) scan(table string) []record {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	var out []record
	var start map[string]types.AttributeValue
	for {
		page, err := d.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), ExclusiveStartKey: start})
		if err != nil {
			d.t.Fatalf("scanning %s: %v", table, err)
		}
		for _, item := range page.Items {
			out = append(out, plain(item))
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out
		}
		start = page.LastEvaluatedKey
	}
}

// connections maps connectionId to record.
func (d *dynamoWitness) connections() map[string]record {
	out := map[string]record{}
	for _, r := range d.scan(connectionsTable) {
		out[r["connectionId"]] = r
	}
	return out
}

func plain(item map[string]types.AttributeValue) record {
	r := record{}
	for k, v := range item {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			r[k] = v.Value
		case *types.AttributeValueMemberN:
			r[k] = v.Value
		case *types.AttributeValueMemberBOOL:
			r[k] = strconv.FormatBool(v.Value)
		default:
			r[k] = fmt.Sprintf("%T", v)
		}
	}
	return r
}

// seedConnection writes a connection record as the wizz backend would have,
// for a connection that does not exist (or no longer does).
func (d *dynamoWitness) seedConnection(id, user, app, entityType string, connectedAt time.Time) {
	d.t.Helper()
	d.put(connectionsTable, map[string]types.AttributeValue{
		"connectionId": &types.AttributeValueMemberS{Value: id},
		"userId":       &types.AttributeValueMemberS{Value: user},
		"entityType":   &types.AttributeValueMemberS{Value: entityType},
		"appId":        &types.AttributeValueMemberS{Value: app},
		"platform":     &types.AttributeValueMemberS{Value: "android"},
		"connectedAt":  &types.AttributeValueMemberN{Value: strconv.FormatInt(connectedAt.UnixMilli(), 10)},
		"ttl":          &types.AttributeValueMemberN{Value: strconv.FormatInt(connectedAt.Add(24*time.Hour).Unix(), 10)},
	})
}

// seedSubscription writes a subscription of a (stale) connection.
func (d *dynamoWitness) seedSubscription(id, key, user, entityType string, createdAt time.Time) {
	d.t.Helper()
	d.put(subscriptionsTable, map[string]types.AttributeValue{
		"connectionId":    &types.AttributeValueMemberS{Value: id},
		"subscriptionKey": &types.AttributeValueMemberS{Value: key},
		"userId":          &types.AttributeValueMemberS{Value: user},
		"entityType":      &types.AttributeValueMemberS{Value: entityType},
		"isActive":        &types.AttributeValueMemberBOOL{Value: true},
		"createdAt":       &types.AttributeValueMemberN{Value: strconv.FormatInt(createdAt.UnixMilli(), 10)},
		"ttl":             &types.AttributeValueMemberN{Value: strconv.FormatInt(createdAt.Add(24*time.Hour).Unix(), 10)},
	})
}

func (d *dynamoWitness) put(table string, item map[string]types.AttributeValue) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if _, err := d.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		d.t.Fatalf("seeding %s: %v", table, err)
	}
}

// deleteConnections removes connection records the harness seeded (clean-up
// between kills).
func (d *dynamoWitness) deleteConnections(ids []string) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for _, id := range ids {
		_, err := d.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(connectionsTable),
			Key: map[string]types.AttributeValue{"connectionId": &types.AttributeValueMemberS{Value: id}}})
		if err != nil {
			d.t.Fatalf("cleaning up %s: %v", id, err)
		}
	}
}

// deleteSubscriptions removes every subscription of the given connections.
func (d *dynamoWitness) deleteSubscriptions(ids map[string]bool) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for _, s := range d.scan(subscriptionsTable) {
		if !ids[s["connectionId"]] {
			continue
		}
		_, err := d.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(subscriptionsTable),
			Key: map[string]types.AttributeValue{
				"connectionId":    &types.AttributeValueMemberS{Value: s["connectionId"]},
				"subscriptionKey": &types.AttributeValueMemberS{Value: s["subscriptionKey"]},
			}})
		if err != nil {
			d.t.Fatalf("cleaning up %v: %v", s, err)
		}
	}
}
