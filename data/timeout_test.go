package data_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/data"
)

// silent is a DynamoDB that never answers: every call waits for its context.
type silent struct{ data.DynamoAPI }

func (silent) GetItem(ctx context.Context, _ *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func (silent) Scan(ctx context.Context, _ *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// A call that runs out of the per-call timeout says that DynamoDB did not
// answer in time; one whose caller gave up says only that.
func TestACallThatTimesOutSaysSo(t *testing.T) {
	reg := data.NewRegistry(silent{}, data.WizzSchema(), data.Options{CallTimeout: 20 * time.Millisecond})
	_, getErr := reg.Connection(context.Background(), "Abc=")
	_, scanErr := data.Collect(context.Background(), reg.Connections(context.Background(), data.Select{}))
	for name, err := range map[string]error{"get": getErr, "scan": scanErr} {
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "DynamoDB did not answer within 20ms") {
			t.Errorf("%s: error %v, want the timeout named", name, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := reg.Connection(ctx, "Abc="); !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "did not answer") {
		t.Errorf("cancelled: error %v, want the cancellation alone", err)
	}
}
