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

// connections reads every connection record, by connectionId.
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

var _ registryWitness = (*dynamoWitness)(nil)

// subscriptions reads the subscriptions of ids.
func (d *dynamoWitness) subscriptions(ids map[string]bool) map[string]record {
	out := map[string]record{}
	for _, s := range d.scan(subscriptionsTable) {
		if ids[s["connectionId"]] {
			out[subscriptionKey(s["connectionId"], s["subscriptionKey"])] = s
		}
	}
	return out
}

// seed writes each connection record as the wizz backend would have, and
// a subscription record for each of its rooms.
func (d *dynamoWitness) seed(recs ...seedRecord) {
	d.t.Helper()
	for _, r := range recs {
		ttl := strconv.FormatInt(r.at.Add(24*time.Hour).Unix(), 10)
		at := strconv.FormatInt(r.at.UnixMilli(), 10)
		d.put(connectionsTable, map[string]types.AttributeValue{
			"connectionId": &types.AttributeValueMemberS{Value: r.id},
			"userId":       &types.AttributeValueMemberS{Value: r.user},
			"entityType":   &types.AttributeValueMemberS{Value: r.app.entity},
			"appId":        &types.AttributeValueMemberS{Value: r.app.name},
			"platform":     &types.AttributeValueMemberS{Value: "android"},
			"connectedAt":  &types.AttributeValueMemberN{Value: at},
			"ttl":          &types.AttributeValueMemberN{Value: ttl},
		})
		for _, key := range r.rooms {
			d.put(subscriptionsTable, map[string]types.AttributeValue{
				"connectionId":    &types.AttributeValueMemberS{Value: r.id},
				"subscriptionKey": &types.AttributeValueMemberS{Value: key},
				"userId":          &types.AttributeValueMemberS{Value: r.user},
				"entityType":      &types.AttributeValueMemberS{Value: r.app.entity},
				"isActive":        &types.AttributeValueMemberBOOL{Value: true},
				"createdAt":       &types.AttributeValueMemberN{Value: at},
				"ttl":             &types.AttributeValueMemberN{Value: ttl},
			})
		}
	}
}

func (d *dynamoWitness) put(table string, item map[string]types.AttributeValue) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if _, err := d.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		d.t.Fatalf("seeding %s: %v", table, err)
	}
}

// remove deletes the subscriptions, then the connection records, of ids.
func (d *dynamoWitness) remove(ids []string) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	set := map[string]bool{}
	for _, id := range ids {
		set[id] = true
	}
	for _, s := range d.subscriptions(set) {
		d.delete(ctx, subscriptionsTable, map[string]types.AttributeValue{
			"connectionId":    &types.AttributeValueMemberS{Value: s["connectionId"]},
			"subscriptionKey": &types.AttributeValueMemberS{Value: s["subscriptionKey"]},
		})
	}
	for _, id := range ids {
		d.delete(ctx, connectionsTable, map[string]types.AttributeValue{"connectionId": &types.AttributeValueMemberS{Value: id}})
	}
}

func (d *dynamoWitness) delete(ctx context.Context, table string, key map[string]types.AttributeValue) {
	d.t.Helper()
	if _, err := d.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key}); err != nil {
		d.t.Fatalf("cleaning up %s %v: %v", table, key, err)
	}
}
