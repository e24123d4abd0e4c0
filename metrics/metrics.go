// Package metrics reads an API's own figures from CloudWatch (namespace
// AWS/ApiGateway): connects, messages, errors and integration latency per
// period, in one GetMetricData call. API Gateway publishes no gauge of live
// connections; the registry's count is the console's.
package metrics

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"wsops/internal/reach"
)

// Client is the part of the CloudWatch client this package calls.
type Client interface {
	GetMetricData(context.Context, *cloudwatch.GetMetricDataInput, ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

var _ Client = (*cloudwatch.Client)(nil)

// Namespace is where API Gateway publishes its metrics.
const Namespace = "AWS/ApiGateway"

// Kind is one series wsops shows.
type Kind struct {
	// ID is the series' id in queries and JSON output.
	ID     string
	Metric string
	Stat   string
	// Count is true for sums (an absent period is 0), false for
	// statistics of samples (an absent period has no value).
	Count bool
}

// Kinds are the series of a report, in the order they are shown.
var Kinds = []Kind{
	{"connects", "ConnectCount", "Sum", true},
	{"messages", "MessageCount", "Sum", true},
	{"client_errors", "ClientError", "Sum", true},
	{"integration_errors", "IntegrationError", "Sum", true},
	{"execution_errors", "ExecutionError", "Sum", true},
	{"latency_p50", "IntegrationLatency", "p50", false},
	{"latency_p99", "IntegrationLatency", "p99", false},
}

// Point is one period's value; Missing when CloudWatch had no data for a
// statistic of samples (sums are 0 then).
type Point struct {
	Time    time.Time `json:"time"`
	Value   float64   `json:"value"`
	Missing bool      `json:"missing,omitempty"`
}

// Series is one metric and statistic over the report's periods, oldest
// first, one point per period.
type Series struct {
	ID     string  `json:"id"`
	Metric string  `json:"metric"`
	Stat   string  `json:"stat"`
	Points []Point `json:"points"`
}

// Report is an API stage's series over [Start, End).
type Report struct {
	APIID  string        `json:"api_id"`
	Stage  string        `json:"stage"`
	Start  time.Time     `json:"start"`
	End    time.Time     `json:"end"`
	Period time.Duration `json:"-"`
	// PeriodSeconds is Period in seconds, for JSON.
	PeriodSeconds int      `json:"period_seconds"`
	Series        []Series `json:"series"`
}

// Query is what to fetch.
type Query struct {
	APIID, Stage string
	// Since is how far back (default 3 h); Period the bucket (default 1
	// min, a multiple of a minute).
	Since, Period time.Duration
	// Now is the end (time.Now when zero).
	Now time.Time
}

// Fetch reads every series of Kinds for q's API and stage in one
// GetMetricData call (more only when CloudWatch pages its answer).
func Fetch(ctx context.Context, c Client, q Query) (*Report, error) {
	q.Since = cmp.Or(q.Since, 3*time.Hour)
	q.Period = cmp.Or(q.Period, time.Minute)
	if q.Period%time.Minute != 0 || q.Period <= 0 {
		return nil, fmt.Errorf("period %s: expected a whole number of minutes", q.Period)
	}
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	// Periods are aligned on the period, as CloudWatch aligns them; the
	// current, unfinished period is included.
	end := q.Now.UTC().Truncate(q.Period).Add(q.Period)
	start := end.Add(-q.Since).Truncate(q.Period)
	r := &Report{APIID: q.APIID, Stage: q.Stage, Start: start, End: end, Period: q.Period, PeriodSeconds: int(q.Period / time.Second)}
	in := &cloudwatch.GetMetricDataInput{StartTime: &start, EndTime: &end, ScanBy: types.ScanByTimestampAscending}
	dims := []types.Dimension{{Name: aws.String("ApiId"), Value: aws.String(q.APIID)}, {Name: aws.String("Stage"), Value: aws.String(q.Stage)}}
	for _, k := range Kinds {
		in.MetricDataQueries = append(in.MetricDataQueries, types.MetricDataQuery{
			Id: aws.String(k.ID), ReturnData: aws.Bool(true),
			MetricStat: &types.MetricStat{Metric: &types.Metric{Namespace: aws.String(Namespace), MetricName: aws.String(k.Metric), Dimensions: dims},
				Period: aws.Int32(int32(q.Period / time.Second)), Stat: aws.String(k.Stat)},
		})
	}
	values := map[string]map[int64]float64{}
	for {
		out, err := c.GetMetricData(ctx, in)
		if err != nil {
			return nil, reach.Call("cloudwatch", "GetMetricData", "cloudwatch:GetMetricData", err)
		}
		for _, res := range out.MetricDataResults {
			id := aws.ToString(res.Id)
			if values[id] == nil {
				values[id] = map[int64]float64{}
			}
			for i, t := range res.Timestamps {
				if i < len(res.Values) && !math.IsNaN(res.Values[i]) {
					values[id][t.Truncate(q.Period).Unix()] += res.Values[i]
				}
			}
		}
		if in.NextToken = out.NextToken; aws.ToString(in.NextToken) == "" {
			break
		}
	}
	for _, k := range Kinds {
		r.Series = append(r.Series, k.fill(values[k.ID], start, end, q.Period))
	}
	return r, nil
}

// fill lays values out one point per period of [start, end).
func (k Kind) fill(values map[int64]float64, start, end time.Time, period time.Duration) Series {
	s := Series{ID: k.ID, Metric: k.Metric, Stat: k.Stat}
	for t := start; t.Before(end); t = t.Add(period) {
		v, ok := values[t.Unix()]
		s.Points = append(s.Points, Point{Time: t, Value: v, Missing: !ok && !k.Count})
	}
	return s
}

// Get returns the report's series with id.
func (r *Report) Get(id string) (Series, bool) {
	i := slices.IndexFunc(r.Series, func(s Series) bool { return s.ID == id })
	if i < 0 {
		return Series{}, false
	}
	return r.Series[i], true
}

// Total is the sum of a series' values.
func (s Series) Total() float64 {
	var t float64
	for _, p := range s.Points {
		t += p.Value
	}
	return t
}

// Last is the newest point of a finished period that has a value: a
// report's last point is the current period, still filling (a sum there
// reads low), so it is passed over.
func (s Series) Last() (Point, bool) {
	for i := len(s.Points) - 2; i >= 0; i-- {
		if !s.Points[i].Missing {
			return s.Points[i], true
		}
	}
	return Point{}, false
}
