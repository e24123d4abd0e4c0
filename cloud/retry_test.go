package cloud

import (
	"errors"
	"testing"
	"time"

	"wsops/data"
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
