package data_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
)

// losingTransport sends every request, but loses the answer of the first
// one whose X-Amz-Target ends with target: the write is made, and the
// client sees a connection reset, so the SDK tries it again.
type losingTransport struct {
	next   *http.Transport
	target string
	mu     sync.Mutex
	lost   bool
}

func (l *losingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	l.mu.Lock()
	lose := !l.lost && strings.HasSuffix(r.Header.Get("X-Amz-Target"), "."+l.target)
	l.lost = l.lost || lose
	l.mu.Unlock()
	if err != nil || !lose {
		return resp, err
	}
	resp.Body.Close()
	return nil, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
}

// A conditional write refused on the SDK's retry, after an attempt whose
// answer was lost, may be refused because of its own first attempt: the
// conflict says so (ErrRetried); one refused at the first attempt does not.
func TestAConflictOnARetryIsMarkedRetried(t *testing.T) {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	eachBackend(t, data.WizzSchema(), func(t *testing.T, f fixture) {
		ctx := context.Background()
		losing := func(target string) *data.Registry {
			tr := &losingTransport{next: &http.Transport{}, target: target}
			t.Cleanup(tr.next.CloseIdleConnections)
			db := dynamodb.New(f.db.Options(), func(o *dynamodb.Options) { o.HTTPClient = &http.Client{Transport: tr} })
			return data.NewRegistry(db, f.schema, data.Options{})
		}
		item := data.Item{"connectionId": s("c1"), "subscriptionKey": s("order#1"), "userId": s("u1")}
		err := losing("PutItem").Create(ctx, true, item)
		if !errors.Is(err, data.ErrConflict) || !errors.Is(err, data.ErrRetried) {
			t.Fatalf("create whose first answer was lost: %v, want ErrConflict and ErrRetried", err)
		}
		if err := f.registry(1).Create(ctx, true, item); !errors.Is(err, data.ErrConflict) || errors.Is(err, data.ErrRetried) {
			t.Fatalf("create over an existing record: %v, want ErrConflict alone", err)
		}
		key := f.registry(1).KeyOf(true, item)
		_, err = losing("UpdateItem").Update(ctx, data.Change{Subscriptions: true, Key: key, Attribute: "userId", Old: s("u1"), New: s("u2")})
		if !errors.Is(err, data.ErrConflict) || !errors.Is(err, data.ErrRetried) {
			t.Fatalf("update whose first answer was lost: %v, want ErrConflict and ErrRetried", err)
		}
		item["userId"] = s("u2")
		err = losing("DeleteItem").DeleteUnchanged(ctx, true, item)
		if !errors.Is(err, data.ErrConflict) || !errors.Is(err, data.ErrRetried) {
			t.Fatalf("delete whose first answer was lost: %v, want ErrConflict and ErrRetried", err)
		}
		if got, err := f.registry(1).Record(ctx, true, key); !errors.Is(err, data.ErrNotFound) {
			t.Fatalf("after the delete: %v, %v; want no record", data.PlainItem(got), err)
		}
	})
}
