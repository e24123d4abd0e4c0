package cloud

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"wsops/internal/reach"
)

// notUnreachable is the retryable check that comes first: an unreachable
// endpoint is not retried (the SDK's own check would retry a refused
// connection 8 times, 19 s of silence).
var notUnreachable = retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
	if reach.Unreachable(err) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
})
