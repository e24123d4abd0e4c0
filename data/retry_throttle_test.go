package data_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
)

// throttlingTransport throttles the first request for target without sending
// it (the write is certainly not made), running meanwhile first.
type throttlingTransport struct {
	next      *http.Transport
	target    string
	meanwhile func()
	mu        sync.Mutex
	done      bool
}

func (l *throttlingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	throttle := !l.done && strings.HasSuffix(r.Header.Get("X-Amz-Target"), "."+l.target)
	l.done = l.done || throttle
	l.mu.Unlock()
	if !throttle {
		return l.next.RoundTrip(r)
	}
	l.meanwhile()
	body := `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}`
	return &http.Response{StatusCode: 400, Status: "400 Bad Request", Request: r, ContentLength: int64(len(body)),
		Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}}, Body: io.NopCloser(strings.NewReader(body))}, nil
}

// Operator A's write is throttled (it certainly wrote nothing), operator B
// makes the same change meanwhile, and A's retry is refused: that conflict
// is B's work, not a retry of A's own lost write.
func TestAConflictAfterAThrottleIsNotRetried(t *testing.T) {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	eachBackend(t, data.WizzSchema(), func(t *testing.T, f fixture) {
		ctx := context.Background()
		item := data.Item{"connectionId": s("c1"), "subscriptionKey": s("order#1"), "userId": s("u1")}
		if err := f.registry(1).Create(ctx, true, item); err != nil {
			t.Fatal(err)
		}
		change := data.Change{Subscriptions: true, Key: f.registry(1).KeyOf(true, item), Attribute: "userId", Old: s("u1"), New: s("u2")}
		tr := &throttlingTransport{next: &http.Transport{}, target: "UpdateItem", meanwhile: func() {
			if _, err := f.registry(1).Update(ctx, change); err != nil { // operator B applies the same repair
				t.Errorf("B's update: %v", err)
			}
		}}
		t.Cleanup(tr.next.CloseIdleConnections)
		db := dynamodb.New(f.db.Options(), func(o *dynamodb.Options) { o.HTTPClient = &http.Client{Transport: tr} })
		_, err := data.NewRegistry(db, f.schema, data.Options{}).Update(ctx, change)
		if !errors.Is(err, data.ErrConflict) || errors.Is(err, data.ErrRetried) {
			t.Errorf("A's update, throttled then refused: %v; want ErrConflict without ErrRetried (B's change is not A's)", err)
		}
	})
}
