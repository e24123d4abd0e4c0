package data_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/data"
)

// cannedScan answers every request with the same Scan response body, so a
// benchmark measures the SDK's wire decoding plus the registry's own decoding
// and nothing of a server.
type cannedScan struct{ body []byte }

func (c cannedScan) Do(*http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body: io.NopCloser(bytes.NewReader(c.body)), ContentLength: int64(len(c.body)),
	}, nil
}

// scanBody is a Scan response with n realistic wizz connection items.
func scanBody(b *testing.B, n int) []byte {
	type av map[string]string
	items := make([]map[string]av, n)
	for i := range items {
		items[i] = map[string]av{
			"connectionId": {"S": fmt.Sprintf("L0SM9cOF%07d=", i)}, "userId": {"S": fmt.Sprintf("user-%06d", i)},
			"entityType": {"S": "merchant"}, "appId": {"S": "order-receiver"}, "platform": {"S": "android"},
			"connectedAt": {"N": fmt.Sprint(now.Add(-time.Minute).UnixMilli())}, "ttl": {"N": fmt.Sprint(now.Add(time.Hour).Unix())},
			"sourceIp": {"S": "203.0.113.7"}, "userAgent": {"S": "okhttp/4.12.0"}, "businessId": {"S": "biz-42"},
		}
	}
	body, err := json.Marshal(map[string]any{"Items": items, "Count": n, "ScannedCount": n})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkScanPageDecode measures items per second through the whole read
// path of one scan page: the SDK's JSON deserializer, then DecodeConnection,
// delivered on the registry's stream. Run with -cpu 1 for a per-core figure.
func BenchmarkScanPageDecode(b *testing.B) {
	const perPage = 1000
	db := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://canned.invalid"),
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""),
		HTTPClient:  cannedScan{body: scanBody(b, perPage)},
	})
	reg := data.NewRegistry(db, data.WizzSchema(), data.Options{Now: func() time.Time { return now }})
	b.ReportAllocs()
	for b.Loop() {
		got, err := data.Collect(context.Background(), reg.Connections(context.Background(), data.Select{}))
		if err != nil || len(got) != perPage {
			b.Fatalf("%d items, %v", len(got), err)
		}
	}
	b.ReportMetric(float64(b.N*perPage)/b.Elapsed().Seconds(), "items/s")
}
