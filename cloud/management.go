package cloud

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
)

// managementOptions configures the management API client of a profile whose
// management URL is endpoint: that endpoint, and one attempt per call (the
// fan-out engine owns throttling and backoff, and the SDK's retries would
// bypass its rate limit).
func managementOptions(endpoint string) func(*apigatewaymanagementapi.Options) {
	return func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.RetryMaxAttempts = 1
	}
}
