// Package apigw reads what API Gateway says about WebSocket APIs (the
// apigatewayv2 control plane): the APIs of an account and region, their
// stages and settings, routes and the integrations (Lambda functions) behind
// them, and custom domains. From them it derives the URLs a profile needs —
// the wss URL clients connect to and the management (@connections) URL —
// and the warnings an operator needs about a stage's configuration.
//
// It only reads; the control plane allows about 10 requests a second per
// account, so Resolve caches what it finds (see Cache).
package apigw

import (
	"strings"
	"time"
)

// API is one WebSocket API: what GetApis says of it, and, when described,
// its stages, routes and integrations.
type API struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Endpoint is the API's own endpoint as API Gateway gives it
	// (wss://ID.execute-api.REGION.amazonaws.com; some emulators give
	// https:// or ws://), without a stage.
	Endpoint string `json:"endpoint"`
	// RouteSelection is the route selection expression
	// ($request.body.action).
	RouteSelection string    `json:"route_selection_expression"`
	Created        time.Time `json:"created,omitzero"`
	Stages         []Stage   `json:"stages"`
	// Routes are filled by Describe, sorted by route key.
	Routes []Route `json:"routes,omitempty"`
}

// Stage is one stage of an API and the URLs it implies.
type Stage struct {
	Name string `json:"name"`
	// WebSocketURL is what clients connect to: the API endpoint with the
	// stage as its path, in the ws(s) scheme.
	WebSocketURL string `json:"websocket_url"`
	// ManagementURL is the @connections API of the stage: on AWS always
	// https://ID.execute-api.REGION.amazonaws.com/STAGE.
	ManagementURL string `json:"management_url"`
	// Defaults are the stage's default route settings.
	Defaults RouteSettings `json:"default_route_settings"`
	// PerRoute are route settings that override the defaults, by route key.
	PerRoute  map[string]RouteSettings `json:"route_settings,omitempty"`
	AccessLog *AccessLog               `json:"access_log,omitempty"`
	Updated   time.Time                `json:"last_updated,omitzero"`
	// Variables are the stage variables.
	Variables map[string]string `json:"stage_variables,omitempty"`
}

// RouteSettings are a stage's logging, metrics and throttling settings,
// for every route or for one.
type RouteSettings struct {
	// LoggingLevel is the execution log level: OFF, ERROR or INFO
	// ("" when API Gateway returned none, which means OFF).
	LoggingLevel    string `json:"logging_level"`
	DataTrace       bool   `json:"data_trace"`
	DetailedMetrics bool   `json:"detailed_metrics"`
	// Burst and Rate are the throttling limits; nil when not set.
	Burst *int32   `json:"throttling_burst_limit,omitempty"`
	Rate  *float64 `json:"throttling_rate_limit,omitempty"`
}

// AccessLog is where a stage writes its access log and in which format.
type AccessLog struct {
	// Destination is the log group's ARN.
	Destination string `json:"destination_arn"`
	Format      string `json:"format"`
}

// Group is the access log's log group name, from the destination ARN
// (arn:aws:logs:REGION:ACCOUNT:log-group:NAME), or "".
func (a *AccessLog) Group() string {
	if a == nil {
		return ""
	}
	_, name, ok := strings.Cut(a.Destination, ":log-group:")
	if !ok {
		return ""
	}
	return strings.TrimSuffix(name, ":*")
}

// Route is one route of an API and the integration behind it.
type Route struct {
	Key           string `json:"route_key"`
	ID            string `json:"route_id"`
	Authorization string `json:"authorization_type,omitempty"`
	// Target is the route's target (integrations/ID), "" for none.
	Target      string       `json:"target,omitempty"`
	Integration *Integration `json:"integration,omitempty"`
}

// Integration is what a route invokes.
type Integration struct {
	ID   string `json:"integration_id"`
	Type string `json:"integration_type"`
	URI  string `json:"integration_uri,omitempty"`
	// Function is the Lambda function's name when the integration invokes
	// one (read from the URI), else "".
	Function  string `json:"function,omitempty"`
	TimeoutMS int32  `json:"timeout_ms,omitempty"`
}

// Stage returns the API's stage called name.
func (a *API) Stage(name string) (*Stage, bool) {
	for i := range a.Stages {
		if a.Stages[i].Name == name {
			return &a.Stages[i], true
		}
	}
	return nil, false
}

// StageNames are the API's stage names, in order.
func (a *API) StageNames() []string {
	names := make([]string, len(a.Stages))
	for i, s := range a.Stages {
		names[i] = s.Name
	}
	return names
}
