// Package cloud is the one place that builds AWS SDK clients for a profile:
// the standard credential chain (or static local credentials for sandbox
// profiles), the region, and the endpoint overrides.
package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"

	"wsops/config"
	"wsops/mgmt"
)

// Clients are the SDK clients of one profile.
type Clients struct {
	// Profile is the profile the clients were built for, with the URLs
	// discovery found filled in.
	Profile    *config.Profile
	AWS        aws.Config
	DynamoDB   *dynamodb.Client
	Management *apigatewaymanagementapi.Client
	STS        *sts.Client
	// APIGateway reads the API's stages and routes (apigatewayv2);
	// CloudWatch its metrics.
	APIGateway *apigatewayv2.Client
	CloudWatch *cloudwatch.Client
	// Logs reads the API's access, execution and handler logs.
	Logs *cloudwatchlogs.Client
	// Warnings are what discovery found wrong with the profile's URLs.
	Warnings []string

	closeIdle func()
}

// Close closes the idle keep-alive connections of the clients' shared HTTP
// transport (calls in flight are not affected). Without it every set of
// clients left its pooled connections, and their two goroutines each, open
// until the transport's idle timeout.
func (c *Clients) Close() {
	if c != nil && c.closeIdle != nil {
		c.closeIdle()
	}
}

// Option adjusts how New builds the clients.
type Option func(*options)

type options struct{ logger logging.Logger }

// WithLogger sends the SDK's own log lines (retries, IMDS fallbacks,
// checksum warnings) to l. Without it they are dropped: they never reach
// stderr, where they would be drawn over the console or mixed into a
// command's output.
func WithLogger(l logging.Logger) Option { return func(o *options) { o.logger = l } }

// dynamoAttempts lets the SDK ride out throttling of long scans, with at
// most dynamoMaxBackoff between attempts: the 7 retries then wait at most
// about 20 s, within data.DefaultCallTimeout (30 s), so that under sustained
// throttling a call fails with DynamoDB's throttling error rather than with
// the call's timeout (the SDK's default 20 s cap let the waits outlast it,
// docs/reliability.md F10).
const (
	dynamoAttempts   = 8
	dynamoMaxBackoff = 3 * time.Second
)

// dynamoRetryer is the SDK's standard retryer with dynamoAttempts attempts
// that also retries a response whose body was cut short (io.ErrUnexpectedEOF
// while decoding). The SDK retries a reset connection but not a truncated
// body; every DynamoDB call wsops makes is a read, an idempotent delete or a
// conditional write whose retry cannot apply twice, so it is safe to retry.
// Without it one cut-off page failed a whole scan, prune or logout sweep
// (docs/reliability.md, finding F2).
func dynamoRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = dynamoAttempts
		o.MaxBackoff = dynamoMaxBackoff
		o.Retryables = append([]retry.IsErrorRetryable{notUnreachable}, slices.Clone(o.Retryables)...)
		o.Retryables = append(o.Retryables, retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return aws.TrueTernary
			}
			return aws.UnknownTernary
		}))
	})
}

// controlRetryer is the SDK's standard retryer, except that an endpoint
// nothing answers at (or whose name does not resolve) is not retried: the
// operator hears at once what to check.
func controlRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Retryables = append([]retry.IsErrorRetryable{notUnreachable}, slices.Clone(o.Retryables)...)
	})
}

// freezeHTTPClient replaces cfg's HTTP client, once loading has configured
// it (AWS_CA_BUNDLE and the like), by a plain *http.Client over a copy of its
// transport, so that the transport every client of the profile shares is
// known; it returns the function that closes that transport's idle
// connections. Redirects are returned, not followed, as the SDK's own client does.
func freezeHTTPClient(cfg *aws.Config) func() {
	buildable, ok := cfg.HTTPClient.(*awshttp.BuildableClient)
	if !ok {
		return func() {}
	}
	tr := buildable.GetTransport()
	cfg.HTTPClient = &http.Client{
		Transport:     tr,
		Timeout:       buildable.GetTimeout(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return tr.CloseIdleConnections
}

// maxConnsPerHost lets fan-out workers keep their connections alive: as
// many as a run may keep calls in flight (mgmt.MaxInFlight). The total idle
// pool holds that many for each of the two hosts a profile talks to
// (DynamoDB and the management API): the SDK's default total of 100 would
// close and re-dial the connections of a send with more workers.
const maxConnsPerHost = mgmt.MaxInFlight

// New builds the clients of profile p. Sandbox profiles use static local
// credentials; others use the standard chain with p.AWSProfile. Every
// endpoint is the profile's override when set (dynamodb_url,
// apigateway_url, cloudwatch_url), else whatever the SDK resolves
// (including AWS_ENDPOINT_URL_DYNAMODB and the like). A profile that names
// an API but no websocket_url, or a websocket_url on a custom domain, has
// its URLs discovered first (endpoints). The management client is
// configured by managementOptions.
func New(ctx context.Context, p *config.Profile, opts ...Option) (*Clients, error) {
	cfg, closeIdle, err := load(ctx, p, opts)
	if err != nil {
		return nil, err
	}
	ddb := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.Retryer = dynamoRetryer()
		if p.DynamoDBURL != "" {
			o.BaseEndpoint = aws.String(p.DynamoDBURL)
		}
	})
	gw, cw, lg := controlClients(cfg, p)
	resolved, warnings, err := endpoints(ctx, p, gw)
	if err != nil {
		closeIdle()
		return nil, err
	}
	mgmt := apigatewaymanagementapi.NewFromConfig(cfg, managementOptions(resolved.ManagementURL))
	return &Clients{Profile: resolved, AWS: cfg, DynamoDB: ddb, Management: mgmt, STS: sts.NewFromConfig(cfg),
		APIGateway: gw, CloudWatch: cw, Logs: lg, Warnings: warnings, closeIdle: closeIdle}, nil
}

// NewControl builds only the clients that read the API itself
// (apigatewayv2, CloudWatch) for profile p, with no discovery: what
// `wsops discover` needs before a profile knows its URLs.
func NewControl(ctx context.Context, p *config.Profile, opts ...Option) (*Clients, error) {
	cfg, closeIdle, err := load(ctx, p, opts)
	if err != nil {
		return nil, err
	}
	gw, cw, lg := controlClients(cfg, p)
	return &Clients{Profile: p, AWS: cfg, APIGateway: gw, CloudWatch: cw, Logs: lg, closeIdle: closeIdle}, nil
}

// load is the AWS configuration of profile p: region, credentials, the
// logger and the one HTTP transport every client of the profile shares
// (closeIdle closes its idle connections).
func load(ctx context.Context, p *config.Profile, opts []Option) (aws.Config, func(), error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConnsPerHost = maxConnsPerHost
		t.MaxIdleConns = 2 * maxConnsPerHost
	})
	load := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRegion(p.Region),
		awsconfig.WithHTTPClient(httpClient),
	}
	if o.logger == nil {
		o.logger = logging.Nop{} // the SDK's warnings (IMDS fallbacks, retries) are not the operator's output
	}
	load = append(load, awsconfig.WithLogger(o.logger))
	switch {
	case p.Sandbox:
		load = append(load, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider("sandbox", "sandbox", "")))
	case p.AWSProfile != "":
		load = append(load, awsconfig.WithSharedConfigProfile(p.AWSProfile))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return aws.Config{}, nil, fmt.Errorf("profile %s: loading AWS configuration: %w", p.Name, err)
	}
	return cfg, freezeHTTPClient(&cfg), nil
}

// controlClients are the apigatewayv2, CloudWatch and CloudWatch Logs
// clients of p, at its apigateway_url, cloudwatch_url and logs_url when set
// (else AWS's, or the SDK's AWS_ENDPOINT_URL_APIGATEWAYV2 / _CLOUDWATCH /
// _CLOUDWATCH_LOGS).
func controlClients(cfg aws.Config, p *config.Profile) (*apigatewayv2.Client, *cloudwatch.Client, *cloudwatchlogs.Client) {
	gw := apigatewayv2.NewFromConfig(cfg, func(o *apigatewayv2.Options) {
		o.Retryer = controlRetryer()
		if p.APIGatewayURL != "" {
			o.BaseEndpoint = aws.String(p.APIGatewayURL)
		}
	})
	cw := cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
		o.Retryer = controlRetryer()
		if p.CloudWatchURL != "" {
			o.BaseEndpoint = aws.String(p.CloudWatchURL)
		}
	})
	lg := cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) {
		o.Retryer = controlRetryer()
		if p.LogsURL != "" {
			o.BaseEndpoint = aws.String(p.LogsURL)
		}
	})
	return gw, cw, lg
}
