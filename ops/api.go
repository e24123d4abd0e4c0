package ops

import (
	"context"
	"errors"
	"fmt"
	"time"

	"wsops/apigw"
	"wsops/logs"
	"wsops/metrics"
)

// Control is how Ops reads the API itself, not its registry: apigatewayv2
// for its stages and routes, CloudWatch for its metrics.
type Control struct {
	Gateway apigw.Client
	Metrics metrics.Client
	// API is the API's name or id ("" when the profile cannot tell), Stage
	// the profile's stage.
	API, Stage string
	// Expect is what the profile's preset expects of the API.
	Expect apigw.Expect
	// Logs reads the API's logs; LogGroups replace the groups the API
	// names; CustomLogsEndpoint is true when logs_url is set.
	Logs               logs.Tailer
	LogGroups          logs.Overrides
	CustomLogsEndpoint bool
}

// ErrNoAPI is returned when the profile does not say which API it uses.
var ErrNoAPI = errors.New("the profile does not name its API: set `api` (a name or an id), or a websocket_url on its execute-api host")

// APIReport is the API as `:api` and `wsops api` show it.
type APIReport struct {
	API   *apigw.API `json:"api"`
	Stage string     `json:"stage"`
	// Live is the registry's connection count the throttling check used
	// (< 0: unknown).
	Live     int             `json:"registry_connections"`
	Warnings []apigw.Warning `json:"warnings"`
}

// API describes the profile's API and stage with the warnings an operator
// needs, the registry's missing indexes among them (read while the API is
// described); live is the registry's count of connections (< 0: unknown).
func (o *Ops) API(ctx context.Context, live int) (*APIReport, error) {
	if o.control.Gateway == nil || o.control.API == "" {
		return nil, ErrNoAPI
	}
	ictx, cancel := context.WithCancel(ctx)
	defer cancel()
	indexes := make(chan []apigw.Warning, 1)
	go func() { indexes <- o.indexWarnings(ictx) }()
	api, err := apigw.Describe(ctx, o.control.Gateway, o.control.API)
	if err != nil {
		cancel()
		<-indexes
		return nil, err
	}
	ws := <-indexes
	e := o.control.Expect
	e.Live = live
	return &APIReport{API: api, Stage: o.control.Stage, Live: live, Warnings: append(apigw.Check(api, o.control.Stage, e), ws...)}, nil
}

// MetricsQuery is what window of metrics to read.
type MetricsQuery struct {
	Since, Period time.Duration
}

// Metrics reads the profile's API stage's metrics. The API's id comes
// from the profile, or from apigatewayv2 when the profile names the API.
func (o *Ops) Metrics(ctx context.Context, q MetricsQuery) (*metrics.Report, error) {
	if o.control.Metrics == nil || o.control.API == "" {
		return nil, ErrNoAPI
	}
	id, err := o.apiID(ctx)
	if err != nil {
		return nil, err
	}
	return metrics.Fetch(ctx, o.control.Metrics, metrics.Query{APIID: id, Stage: o.control.Stage, Since: q.Since, Period: q.Period, Now: o.now()})
}

// apiID is the API's id: asked of apigatewayv2 once when the profile names
// the API rather than giving its id.
func (o *Ops) apiID(ctx context.Context) (string, error) {
	o.apiIDOnce.Lock()
	defer o.apiIDOnce.Unlock()
	if o.apiIDValue != "" {
		return o.apiIDValue, nil
	}
	if o.control.Gateway == nil {
		return o.control.API, nil
	}
	api, err := apigw.Find(ctx, o.control.Gateway, o.control.API)
	if err != nil {
		return "", fmt.Errorf("finding the API's id for its metrics: %w", err)
	}
	o.apiIDValue = api.ID
	return api.ID, nil
}
