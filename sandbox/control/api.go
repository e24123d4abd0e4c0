// Package control serves the sandbox's apigatewayv2 control plane, read
// only: GetApis, GetApi, GetStages, GetStage, GetRoutes, GetRoute,
// GetIntegrations, GetIntegration, GetDomainNames, GetDomainName and
// GetApiMappings, in AWS's REST-JSON shapes, so that the SDK's apigatewayv2
// client (BaseEndpoint pointed at the handler) discovers the sandbox's one
// WebSocket API as it discovers a deployed one: its stage's logging,
// metrics and throttling settings and access log, its routes (the ones the
// gateway really routes) and their Lambda integrations, named as the
// preset's Serverless service names them.
package control

import (
	"cmp"
	"fmt"
	"maps"
	"time"
)

// Options describe the sandbox's API.
type Options struct {
	// Preset is "wizz" or "this27": it names the API and its Lambdas.
	Preset string
	// Stage is the API's one stage.
	Stage string
	// Region is the region its ARNs name; default us-east-1.
	Region string
	// Endpoint is the apiEndpoint: the base a client appends /{stage} to
	// (ws://host:port for the sandbox; AWS's is wss://{id}.execute-api.{region}.amazonaws.com).
	Endpoint string
	// RouteKeys are the routes the gateway routes ($connect, $disconnect,
	// then the backend's), each with its own integration.
	RouteKeys []string
	// Created is when the API, its stage and deployment were created;
	// default now.
	Created time.Time
}

// DefaultRegion is the region of the ARNs when Options.Region is empty.
const DefaultRegion = "us-east-1"

// API is the sandbox's API as apigatewayv2 describes it.
type API struct {
	api          apiJSON
	stage        stageJSON
	routes       []routeJSON
	integrations []integrationJSON
	region       string
	accessGroup  string
	functions    map[string]string // route key → Lambda function name
}

// New describes the API of o.
func New(o Options) (*API, error) {
	p, ok := presets[o.Preset]
	if !ok {
		return nil, fmt.Errorf("control: unknown preset %q", o.Preset)
	}
	if o.Stage == "" || len(o.RouteKeys) == 0 || o.Endpoint == "" {
		return nil, fmt.Errorf("control: a stage, route keys and an endpoint are required")
	}
	region := cmp.Or(o.Region, DefaultRegion)
	created := cmp.Or(o.Created, time.Now()).UTC().Truncate(time.Second).Format(time.RFC3339)
	id := APIID(o.Preset, o.Stage)
	name := p.apiName(o.Stage)
	a := &API{
		region:      region,
		accessGroup: "/aws/apigateway/" + name + "-access",
		functions:   map[string]string{},
		api: apiJSON{
			APIEndpoint:               o.Endpoint,
			APIID:                     id,
			APIKeySelectionExpression: "$request.header.x-api-key",
			CreatedDate:               created,
			Description:               "Serverless Websockets",
			IPAddressType:             "ipv4",
			Name:                      name,
			ProtocolType:              "WEBSOCKET",
			RouteSelectionExpression:  "$request.body.action",
			Tags:                      map[string]string{},
		},
		stage: stageJSON{
			AccessLogSettings: accessLogJSON{
				DestinationArn: fmt.Sprintf("arn:aws:logs:%s:%s:log-group:/aws/apigateway/%s-access", region, AccountID, name),
				Format:         AccessLogFormat,
			},
			CreatedDate: created,
			DefaultRouteSettings: routeSettingsJSON{
				DetailedMetricsEnabled: true, LoggingLevel: "INFO",
				ThrottlingBurstLimit: 5000, ThrottlingRateLimit: 10000,
			},
			DeploymentID:    shortID(6, "deployment", id),
			LastUpdatedDate: created,
			RouteSettings:   map[string]routeSettingsJSON{},
			StageName:       o.Stage,
			Tags:            map[string]string{},
		},
	}
	for _, key := range o.RouteKeys {
		a.functions[key] = p.function(o.Stage, key)
		integ := integrationJSON{
			ConnectionType:    "INTERNET",
			IntegrationID:     shortID(7, "integration", id, key),
			IntegrationMethod: "POST",
			IntegrationType:   "AWS_PROXY",
			IntegrationURI: fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/arn:aws:lambda:%s:%s:function:%s/invocations",
				region, region, AccountID, p.function(o.Stage, key)),
			PassthroughBehavior:  "WHEN_NO_MATCH",
			PayloadFormatVersion: "1.0",
			TimeoutInMillis:      29000,
		}
		a.integrations = append(a.integrations, integ)
		a.routes = append(a.routes, routeJSON{
			AuthorizationType: "NONE",
			RouteID:           shortID(7, "route", id, key),
			RouteKey:          key,
			Target:            "integrations/" + integ.IntegrationID,
		})
	}
	return a, nil
}

// ID is the API's id.
func (a *API) ID() string { return a.api.APIID }

// Name is the API's name (as its Serverless service names it).
func (a *API) Name() string { return a.api.Name }

// Region is the region the API's ARNs name.
func (a *API) Region() string { return a.region }

// Stage is the API's one stage.
func (a *API) Stage() string { return a.stage.StageName }

// AccessLogGroup is the log group of the stage's access log (its
// destination ARN names it).
func (a *API) AccessLogGroup() string { return a.accessGroup }

// Functions are the Lambda functions of the routes' integrations, by route key.
func (a *API) Functions() map[string]string { return maps.Clone(a.functions) }

// AccessLogFormat is the stage's access log format: one JSON object per
// request with the fields operators search by, the Lambda's request id
// ($context.awsEndpointRequestId, which joins an access line to its
// handler's lines) and, on $connect, the query string — where both
// reference systems put the client's JWT (?token=eyJ…&platform=web), so
// that the sandbox's access log carries a token as theirs can. API Gateway
// documents no access log variable for the whole query string; the format
// names it as the project's CloudWatch Logs fixtures do.
const AccessLogFormat = `{"requestId":"$context.requestId",` +
	`"connectionId":"$context.connectionId",` +
	`"eventType":"$context.eventType",` +
	`"routeKey":"$context.routeKey",` +
	`"status":"$context.status",` +
	`"integrationRequestId":"$context.awsEndpointRequestId",` +
	`"requestTime":"$context.requestTime",` +
	`"ip":"$context.identity.sourceIp",` +
	`"userAgent":"$context.identity.userAgent",` +
	`"error":"$context.error.message",` +
	`"integrationError":"$context.integrationErrorMessage",` +
	`"queryString":"$context.requestOverride.querystring"}`
