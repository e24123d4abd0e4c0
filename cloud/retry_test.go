package cloud

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/config"
	"wsops/data"
	"wsops/internal/reach"
	"wsops/internal/testrig"
)

// Under sustained throttling the SDK's retries must end before the call's
// timeout does, so that the error an operator reads is DynamoDB's
// throttling error, not "context deadline exceeded" (reliability.md F10).
func TestDynamoRetriesEndWithinTheCallTimeout(t *testing.T) {
	r := dynamoRetryer()
	if got := r.MaxAttempts(); got != dynamoAttempts {
		t.Fatalf("%d attempts, want %d", got, dynamoAttempts)
	}
	throttled := errors.New("ProvisionedThroughputExceededException")
	var longest time.Duration
	for range 1000 { // the delays are jittered: the longest of many runs
		var waited time.Duration
		for attempt := 1; attempt < dynamoAttempts; attempt++ {
			d, err := r.RetryDelay(attempt, throttled)
			if err != nil {
				t.Fatal(err)
			}
			waited += d
		}
		longest = max(longest, waited)
	}
	// Leave room for the attempts themselves.
	if budget := data.DefaultCallTimeout - 5*time.Second; longest > budget {
		t.Errorf("the retries wait up to %v, over the %v a call can spend waiting", longest, budget)
	}
}

// An endpoint nothing listens on is not retried: the call fails at once
// with the refusal, not after 8 attempts.
func TestUnreachableEndpointIsNotRetried(t *testing.T) {
	addr := testrig.ClosedAddr(t)
	p := &config.Profile{Name: "gone", Sandbox: true, Region: "us-east-1", DynamoDBURL: "http://" + addr, ManagementURL: "http://" + addr + "/dev"}
	cl, err := New(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	_, err = cl.DynamoDB.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if !reach.Unreachable(err) {
		t.Fatalf("a refused connection is not Unreachable: %v", err)
	}
	if strings.Contains(err.Error(), "maximum number of attempts") {
		t.Errorf("a refused connection was retried: %v", err)
	}
}
