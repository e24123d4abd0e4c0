package uitest

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"

	"wsops/apigw"
	"wsops/config"
	"wsops/metrics"
	"wsops/ops"
)

// The fake API's names, as the console's tests expect to see them.
const (
	APIName = "WizzUser-WebSocket-dev"
	APIID   = "a1b2c3d4e5"
	// HostileRoute is a route key with a terminal escape: it must reach
	// the screen as visible text.
	HostileRoute = "debug\x1b[2J"
)

// Control is a fake of the API's control plane for the console's tests:
// apigatewayv2 (an apigw.Client) describing one WizzUser API whose stage
// earns warnings, and CloudWatch (a metrics.Client) whose series depend only
// on the window asked, so screens are stable. It counts every call, and
// can fail or hold them. With Logs set, CloudWatch Logs is that fake too.
type Control struct {
	// Logs is the fake CloudWatch Logs (nil: the session has no logs
	// client).
	Logs *Logs
	// AccessFormat replaces the stage's access log format (whose default
	// carries no connection id): TraceableFormat makes trails readable.
	AccessFormat string

	gateway, metrics atomic.Int64
	mu               sync.Mutex
	gatewayErr       error
	metricsErr       error
	hold             chan struct{} // non-nil: GetMetricData waits for it to close
	held             chan struct{} // told of every call that waits on hold
}

var (
	_ apigw.Client   = (*Control)(nil)
	_ metrics.Client = (*Control)(nil)
)

// NewControl returns the fake control plane.
func NewControl() *Control { return &Control{} }

// Ops is how an Ops reads the fake: the preset's expectations, the API by
// name, stage dev.
func (c *Control) Ops() ops.Control {
	api := config.APIOf("wizz")
	ctl := ops.Control{Gateway: c, Metrics: c, API: APIName, Stage: "dev",
		Expect: apigw.Expect{Preset: "wizz", RouteSelection: api.RouteSelection, Routes: api.Routes, Live: -1}}
	if c.Logs != nil {
		ctl.Logs = c.Logs
	}
	return ctl
}

// Deps plugs the fake into an Ops (uitest.Options.Deps).
func (c *Control) Deps(d *ops.Deps) { d.Control = c.Ops() }

// GatewayCalls counts the apigatewayv2 calls made so far.
func (c *Control) GatewayCalls() int { return int(c.gateway.Load()) }

// MetricsCalls counts the GetMetricData calls made so far.
func (c *Control) MetricsCalls() int { return int(c.metrics.Load()) }

// Fail makes every later apigatewayv2 call fail with gateway and every
// GetMetricData with metrics (nil: answer).
func (c *Control) Fail(gateway, metrics error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gatewayErr, c.metricsErr = gateway, metrics
}

// Hold makes GetMetricData wait until release is called (or its context
// ends); entered receives a value as each call starts waiting.
func (c *Control) Hold() (entered <-chan struct{}, release func()) {
	hold, held := make(chan struct{}), make(chan struct{}, 64)
	c.mu.Lock()
	c.hold, c.held = hold, held
	c.mu.Unlock()
	var once sync.Once
	return held, func() { once.Do(func() { close(hold) }) }
}

// Denied is the error AWS answers a call the credentials may not make.
func Denied() error {
	return &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: arn:aws:iam::123456789012:user/ops is not authorized to perform this action"}
}

func (c *Control) gatewayCall() error {
	c.gateway.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gatewayErr
}

// GetApis lists the one API, and an HTTP API the console must leave out.
func (c *Control) GetApis(context.Context, *apigatewayv2.GetApisInput, ...func(*apigatewayv2.Options)) (*apigatewayv2.GetApisOutput, error) {
	if err := c.gatewayCall(); err != nil {
		return nil, err
	}
	return &apigatewayv2.GetApisOutput{Items: []gwtypes.Api{
		{ApiId: aws.String(APIID), Name: aws.String(APIName), ProtocolType: gwtypes.ProtocolTypeWebsocket,
			ApiEndpoint: aws.String("wss://" + APIID + ".execute-api.us-east-1.amazonaws.com"), RouteSelectionExpression: aws.String("$request.body.action")},
		{ApiId: aws.String("h77h77h77h"), Name: aws.String(APIName), ProtocolType: gwtypes.ProtocolTypeHttp},
	}}, nil
}

// GetStages describes stage dev: execution logging off, an access log
// without connection ids, and the heartbeat route throttled below what
// nine connections send.
func (c *Control) GetStages(context.Context, *apigatewayv2.GetStagesInput, ...func(*apigatewayv2.Options)) (*apigatewayv2.GetStagesOutput, error) {
	if err := c.gatewayCall(); err != nil {
		return nil, err
	}
	format := `{"requestId":"$context.requestId","routeKey":"$context.routeKey","status":"$context.status"}`
	if c.AccessFormat != "" {
		format = c.AccessFormat
	}
	return &apigatewayv2.GetStagesOutput{Items: []gwtypes.Stage{{
		StageName: aws.String("dev"),
		DefaultRouteSettings: &gwtypes.RouteSettings{LoggingLevel: gwtypes.LoggingLevelOff, DetailedMetricsEnabled: aws.Bool(true),
			ThrottlingBurstLimit: aws.Int32(5000), ThrottlingRateLimit: aws.Float64(10000)},
		RouteSettings: map[string]gwtypes.RouteSettings{"heartbeat": {LoggingLevel: gwtypes.LoggingLevelError, ThrottlingRateLimit: aws.Float64(0.1)}},
		AccessLogSettings: &gwtypes.AccessLogSettings{DestinationArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/WizzUser-dev"),
			Format: aws.String(format)},
	}}}, nil
}

// fakeRoutes are the API's routes: the preset's but unsubscribe_business_status,
// and a hostile route with no integration.
var fakeRoutes = []string{"$connect", "$disconnect", "$default", "subscribe_order", "unsubscribe_order", "subscribe_business_status", "heartbeat", HostileRoute}

// GetRoutes lists the routes, each but the hostile one on an integration
// of its own.
func (c *Control) GetRoutes(context.Context, *apigatewayv2.GetRoutesInput, ...func(*apigatewayv2.Options)) (*apigatewayv2.GetRoutesOutput, error) {
	if err := c.gatewayCall(); err != nil {
		return nil, err
	}
	var out apigatewayv2.GetRoutesOutput
	for i, key := range fakeRoutes {
		r := gwtypes.Route{RouteKey: aws.String(key), RouteId: aws.String(fmt.Sprintf("r%d", i))}
		if key != HostileRoute {
			r.Target = aws.String(fmt.Sprintf("integrations/i%d", i))
		}
		out.Items = append(out.Items, r)
	}
	return &out, nil
}

// GetIntegrations lists a Lambda proxy integration per route.
func (c *Control) GetIntegrations(context.Context, *apigatewayv2.GetIntegrationsInput, ...func(*apigatewayv2.Options)) (*apigatewayv2.GetIntegrationsOutput, error) {
	if err := c.gatewayCall(); err != nil {
		return nil, err
	}
	var out apigatewayv2.GetIntegrationsOutput
	for i, key := range fakeRoutes {
		fn := "wizz-ws-router"
		if k, ok := strings.CutPrefix(key, "$"); ok {
			fn = "wizz-ws-" + k
		}
		uri := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:" + fn + "/invocations"
		out.Items = append(out.Items, gwtypes.Integration{IntegrationId: aws.String(fmt.Sprintf("i%d", i)),
			IntegrationType: gwtypes.IntegrationTypeAwsProxy, IntegrationUri: aws.String(uri)})
	}
	return &out, nil
}

// GetDomainNames lists no custom domain.
func (c *Control) GetDomainNames(context.Context, *apigatewayv2.GetDomainNamesInput, ...func(*apigatewayv2.Options)) (*apigatewayv2.GetDomainNamesOutput, error) {
	if err := c.gatewayCall(); err != nil {
		return nil, err
	}
	return &apigatewayv2.GetDomainNamesOutput{}, nil
}

// GetApiMappings lists no mapping.
func (c *Control) GetApiMappings(context.Context, *apigatewayv2.GetApiMappingsInput, ...func(*apigatewayv2.Options)) (*apigatewayv2.GetApiMappingsOutput, error) {
	if err := c.gatewayCall(); err != nil {
		return nil, err
	}
	return &apigatewayv2.GetApiMappingsOutput{}, nil
}

// GetMetricData answers every query with a value per period of the window,
// a function of the period's place in it (latency has gaps).
func (c *Control) GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	c.metrics.Add(1)
	c.mu.Lock()
	err, hold, held := c.metricsErr, c.hold, c.held
	c.mu.Unlock()
	if hold != nil {
		select {
		case held <- struct{}{}:
		default:
		}
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	var out cloudwatch.GetMetricDataOutput
	start, end := aws.ToTime(in.StartTime), aws.ToTime(in.EndTime)
	for _, q := range in.MetricDataQueries {
		period := time.Duration(aws.ToInt32(q.MetricStat.Period)) * time.Second
		res := cwtypes.MetricDataResult{Id: q.Id, StatusCode: cwtypes.StatusCodeComplete}
		n := int(end.Sub(start) / period)
		for i := range n {
			if v := fakeValue(aws.ToString(q.Id), i, n); !math.IsNaN(v) {
				res.Timestamps = append(res.Timestamps, start.Add(time.Duration(i)*period))
				res.Values = append(res.Values, v)
			}
		}
		out.MetricDataResults = append(out.MetricDataResults, res)
	}
	return &out, nil
}

// fakeValue is series id's value in period i of n (NaN: no data).
func fakeValue(id string, i, n int) float64 {
	last := i == n-1
	switch id {
	case "connects":
		return float64((i * 7) % 5)
	case "messages":
		return math.Round(40 + 30*math.Sin(float64(i)/6))
	case "client_errors":
		if last || i%17 == 3 {
			return 2
		}
		return 0
	case "integration_errors":
		if last {
			return 1
		}
		return 0
	case "execution_errors":
		return 0
	case "latency_p50", "latency_p99":
		if i%11 == 5 {
			return math.NaN()
		}
		if id == "latency_p50" {
			return float64(18 + (i*3)%9)
		}
		return float64(60 + (i*11)%70)
	}
	return math.NaN()
}
