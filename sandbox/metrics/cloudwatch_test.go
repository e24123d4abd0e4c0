package metrics

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
)

// TestScanByLabelsAndDimensions: periods come newest first unless
// ScanBy=TimestampAscending; a label defaults to the metric name;
// ReturnData=false leaves a query out; both dimension sets of the API
// answer, any other has no data.
func TestScanByLabelsAndDimensions(t *testing.T) {
	f := newFixture(t)
	for i, n := range []int{1, 2, 0, 4} {
		f.at(t0.Add(time.Duration(i)*time.Minute+time.Second), n, connect)
	}
	now := t0.Add(10 * time.Minute)
	labelled := query("b", ConnectCount, "Sum", 60, true)
	labelled.Label = aws.String("connects")
	hidden := query("c", ConnectCount, "Sum", 60, true)
	hidden.ReturnData = aws.Bool(false)
	other := query("d", ConnectCount, "Sum", 60, false)
	other.MetricStat.Metric.Dimensions[0].Value = aws.String("otherapi00")
	wrongUnit := query("e", ConnectCount, "Sum", 60, false)
	wrongUnit.MetricStat.Unit = types.StandardUnitMilliseconds
	res := f.get(t, now, t0, now, query("a", ConnectCount, "Sum", 60, false), labelled, hidden, other, wrongUnit)
	if len(res) != 4 {
		t.Fatalf("%d results, want 4 (ReturnData=false left out)", len(res))
	}
	want := []float64{4, 2, 1}
	for i, r := range res[:2] {
		if !equal(r.Values, want) || !r.Timestamps[0].Equal(t0.Add(3*time.Minute)) || r.StatusCode != types.StatusCodeComplete {
			t.Errorf("result %d: %v at %v (%s), want %v newest first, complete", i, r.Values, r.Timestamps, r.StatusCode, want)
		}
	}
	if *res[0].Label != ConnectCount || *res[1].Label != "connects" {
		t.Errorf("labels %q %q, want the metric name and the query's label", *res[0].Label, *res[1].Label)
	}
	for _, r := range res[2:] {
		if len(r.Values) != 0 || r.StatusCode != types.StatusCodeComplete {
			t.Errorf("%s: %v (%s), want no data, complete", *r.Id, r.Values, r.StatusCode)
		}
	}

	f.clk.set(now)
	out, err := f.cw.GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(t0), EndTime: aws.Time(now), ScanBy: types.ScanByTimestampAscending,
		MetricDataQueries: []types.MetricDataQuery{query("a", ConnectCount, "Sum", 120, false)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.MetricDataResults[0]; !equal(got.Values, []float64{3, 4}) || !got.Timestamps[0].Equal(t0) {
		t.Fatalf("2-minute periods ascending: %v at %v, want [3 4] from 10:00", got.Values, got.Timestamps)
	}
}

// TestPagination: MaxDatapoints splits the answer; NextToken continues it.
func TestPagination(t *testing.T) {
	f := newFixture(t)
	for i := range 5 {
		f.at(t0.Add(time.Duration(i)*time.Minute), i+1, connect)
	}
	f.clk.set(t0.Add(10 * time.Minute))
	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(t0), EndTime: aws.Time(t0.Add(10 * time.Minute)), MaxDatapoints: aws.Int32(2),
		MetricDataQueries: []types.MetricDataQuery{query("a", ConnectCount, "Sum", 60, false), query("b", ConnectCount, "Sum", 60, true)},
	}
	var values []float64
	pages := 0
	p := cloudwatch.NewGetMetricDataPaginator(f.cw, in)
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n := 0
		for _, r := range out.MetricDataResults {
			n += len(r.Values)
			values = append(values, r.Values...)
		}
		if n > 2 {
			t.Fatalf("page %d has %d datapoints, MaxDatapoints 2", pages, n)
		}
	}
	if want := []float64{5, 4, 3, 2, 1, 5, 4, 3, 2, 1}; pages != 5 || !equal(values, want) {
		t.Fatalf("%d pages of %v, want 5 pages of %v", pages, values, want)
	}
	in.NextToken = aws.String("garbage")
	_, err := f.cw.GetMetricData(context.Background(), in)
	if _, ok := errors.AsType[*types.InvalidNextToken](err); !ok {
		t.Fatalf("a bad NextToken: %v, want InvalidNextToken", err)
	}
}

// TestRefusals: what the sandbox's CloudWatch refuses, with the awsQuery
// error codes an SDK reads.
func TestRefusals(t *testing.T) {
	f := newFixture(t)
	expr := types.MetricDataQuery{Id: aws.String("e"), Expression: aws.String("SUM(METRICS())")}
	badStat := query("s", ConnectCount, "tm99", 60, false)
	badPeriod := query("p", ConnectCount, "Sum", 30, false)
	badID := query("Upper", ConnectCount, "Sum", 60, false)
	for _, tc := range []struct {
		name       string
		from, to   time.Time
		q          []types.MetricDataQuery
		code, text string
	}{
		{"expression", t0, t0.Add(time.Hour), []types.MetricDataQuery{expr}, "ValidationError", "not supported by the wsops sandbox"},
		{"statistic", t0, t0.Add(time.Hour), []types.MetricDataQuery{badStat}, "InvalidParameterValue", "tm99"},
		{"period", t0, t0.Add(time.Hour), []types.MetricDataQuery{badPeriod}, "InvalidParameterValue", "multiple of 60"},
		{"id", t0, t0.Add(time.Hour), []types.MetricDataQuery{badID}, "InvalidParameterValue", "Upper"},
		{"duplicate id", t0, t0.Add(time.Hour), []types.MetricDataQuery{query("a", ConnectCount, "Sum", 60, false), query("a", MessageCount, "Sum", 60, false)}, "InvalidParameterValue", "not unique"},
		{"times", t0, t0, []types.MetricDataQuery{query("a", ConnectCount, "Sum", 60, false)}, "InvalidParameterValue", "StartTime must be less"},
	} {
		_, err := f.cw.GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
			StartTime: aws.Time(tc.from), EndTime: aws.Time(tc.to), MetricDataQueries: tc.q,
		})
		apiErr, ok := errors.AsType[smithy.APIError](err)
		if !ok || apiErr.ErrorCode() != tc.code || !strings.Contains(apiErr.ErrorMessage(), tc.text) {
			t.Errorf("%s: %v, want %s mentioning %q", tc.name, err, tc.code, tc.text)
		}
	}

	_, err := f.cw.ListMetrics(context.Background(), &cloudwatch.ListMetricsInput{})
	if apiErr, ok := errors.AsType[smithy.APIError](err); !ok || apiErr.ErrorCode() != "InvalidAction" {
		t.Errorf("ListMetrics: %v, want InvalidAction", err)
	}

	signedForm := http.Header{"Authorization": {"AWS4-HMAC-SHA256 x"}, "Content-Type": {"application/x-www-form-urlencoded"}}
	for _, tc := range []struct {
		name, method, body string
		header             http.Header
		status             int
		code               string
	}{
		{"unsigned", "POST", "Action=GetMetricData&Version=2010-08-01", nil, 403, "MissingAuthenticationToken"},
		{"json protocol", "POST", `{"MetricDataQueries":[]}`, http.Header{"Authorization": {"AWS4-HMAC-SHA256 x"}, "X-Amz-Target": {"GraniteServiceVersion20100801.GetMetricData"}, "Content-Type": {"application/x-amz-json-1.0"}}, 400, "InvalidAction"},
		{"method", "PUT", "", http.Header{"Authorization": {"AWS4-HMAC-SHA256 x"}}, 405, "InvalidAction"},
		{"bad form", "POST", "Action=%zz", signedForm, 400, "MalformedQueryString"},
		{"no queries", "POST", "Action=GetMetricData&StartTime=2025-01-01T00:00:00Z&EndTime=2025-01-02T00:00:00Z", signedForm, 400, "ValidationError"},
		{"no stat", "POST", "Action=GetMetricData&StartTime=2025-01-01T00:00:00Z&EndTime=2025-01-02T00:00:00Z&MetricDataQueries.member.1.Id=a&MetricDataQueries.member.1.MetricStat.Metric.Namespace=AWS/ApiGateway&MetricDataQueries.member.1.MetricStat.Metric.MetricName=ConnectCount&MetricDataQueries.member.1.MetricStat.Period=60", signedForm, 400, "InvalidParameterValue"},
		{"no start", "POST", "Action=GetMetricData&EndTime=2025-01-02T00:00:00Z", signedForm, 400, "ValidationError"},
		{"gap", "POST", "Action=GetMetricData&StartTime=2025-01-01T00:00:00Z&EndTime=2025-01-02T00:00:00Z&MetricDataQueries.member.2.Id=a", http.Header{"Authorization": {"AWS4-HMAC-SHA256 x"}, "Content-Type": {"application/x-www-form-urlencoded"}}, 400, "ValidationError"},
	} {
		status, e := rawCall(t, f.url+"/_aws/cloudwatch/", tc.method, tc.body, tc.header)
		if status != tc.status || e.Error.Code != tc.code || e.Error.Type != "Sender" || e.RequestID == "" {
			t.Errorf("%s: %d %+v, want %d %s (Sender, with a RequestId)", tc.name, status, e, tc.status, tc.code)
		}
	}
}

// rawCall sends a request by hand and decodes its awsQuery error.
func rawCall(t *testing.T, u, method, body string, h http.Header) (int, errorResponse) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if h == nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e errorResponse
	if err := xml.Unmarshal(b, &e); err != nil && resp.StatusCode != 200 {
		t.Fatalf("error body %q is not XML: %v", b, err)
	}
	return resp.StatusCode, e
}

// FuzzGetMetricDataForm: no request body or query string makes the
// handler panic or answer anything but an awsQuery document.
func FuzzGetMetricDataForm(f *testing.F) {
	valid := url.Values{
		"Action": {"GetMetricData"}, "Version": {"2010-08-01"},
		"StartTime": {"2025-03-04T09:00:00Z"}, "EndTime": {"2025-03-04T11:00:00Z"},
		"MetricDataQueries.member.1.Id":                                          {"m1"},
		"MetricDataQueries.member.1.MetricStat.Metric.Namespace":                 {Namespace},
		"MetricDataQueries.member.1.MetricStat.Metric.MetricName":                {IntegrationLatency},
		"MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name":  {"ApiId"},
		"MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value": {testAPI},
		"MetricDataQueries.member.1.MetricStat.Period":                           {"60"},
		"MetricDataQueries.member.1.MetricStat.Stat":                             {"p99"},
		"MaxDatapoints": {"3"},
	}.Encode()
	f.Add(valid, "")
	f.Add(strings.ReplaceAll(valid, "p99", "p1e3"), "NextToken=c2tpcDox")
	f.Add("Action=GetMetricData&MetricDataQueries.member.99999999999999999999.Id=a", "")
	f.Add("Action=GetMetricData&MetricDataQueries.member.1.MetricStat.Period=-60", "ScanBy=x")
	f.Add("%", "%%")
	f.Add("Action=GetMetricData&StartTime=0001-01-01T00:00:00Z&EndTime=9999-12-31T23:59:59Z&MetricDataQueries.member.1.Id=a&MetricDataQueries.member.1.MetricStat.Metric.Namespace=AWS/ApiGateway&MetricDataQueries.member.1.MetricStat.Metric.MetricName=ConnectCount&MetricDataQueries.member.1.MetricStat.Period=60&MetricDataQueries.member.1.MetricStat.Stat=Sum&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name=ApiId&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value="+testAPI, "")
	rec := New(Options{APIID: testAPI, Stage: testStage, Now: func() time.Time { return t0 }})
	rec.Observe(message)
	h := rec.Handler()
	f.Fuzz(func(t *testing.T, body, query string) {
		req, err := http.NewRequest(http.MethodPost, "http://sandbox/_aws/cloudwatch/", strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
		w := newRecorderWriter()
		h.ServeHTTP(w, req)
		switch w.status {
		case 200, 400, 413:
		default:
			t.Fatalf("status %d for %q?%q", w.status, body, query)
		}
		if err := xml.Unmarshal(w.body.Bytes(), new(struct{})); err != nil {
			t.Fatalf("answer %q is not XML: %v", w.body.String(), err)
		}
	})
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
