package metrics

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"go.uber.org/goleak"

	"wsops/sandbox/gateway"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testAPI   = "abcde12345"
	testStage = "dev"
)

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// t0 is a minute boundary the tests start at.
var t0 = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

// fixture is a Recorder on a settable clock behind an HTTP server, with the
// real CloudWatch client (v1.51.1, awsQuery) pointed at it.
type fixture struct {
	rec *Recorder
	clk *clock
	url string
	cw  *cloudwatch.Client
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clk := &clock{now: t0.Add(10 * time.Second)}
	rec := New(Options{APIID: testAPI, Stage: testStage, Now: clk.Now})
	srv := httptest.NewServer(rec.Handler())
	t.Cleanup(srv.Close)
	cw := cloudwatch.New(cloudwatch.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL + "/_aws/cloudwatch"), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("sandbox", "sandbox", ""),
	})
	return &fixture{rec: rec, clk: clk, url: srv.URL, cw: cw}
}

// at observes e n times with the clock at t.
func (f *fixture) at(t time.Time, n int, e gateway.Event) {
	f.clk.set(t)
	for range n {
		f.rec.Observe(e)
	}
}

// query is one MetricStat query on the fixture's API.
func query(id, metric, stat string, period int32, stage bool) types.MetricDataQuery {
	dims := []types.Dimension{{Name: aws.String("ApiId"), Value: aws.String(testAPI)}}
	if stage {
		dims = append(dims, types.Dimension{Name: aws.String("Stage"), Value: aws.String(testStage)})
	}
	return types.MetricDataQuery{
		Id: aws.String(id),
		MetricStat: &types.MetricStat{
			Metric: &types.Metric{Namespace: aws.String(Namespace), MetricName: aws.String(metric), Dimensions: dims},
			Period: aws.Int32(period), Stat: aws.String(stat),
		},
	}
}

// get runs GetMetricData over [from, to) with the clock at now.
func (f *fixture) get(t *testing.T, now, from, to time.Time, qs ...types.MetricDataQuery) []types.MetricDataResult {
	t.Helper()
	f.clk.set(now)
	out, err := f.cw.GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(from), EndTime: aws.Time(to), MetricDataQueries: qs,
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.MetricDataResults
}

// one is the single value of a single-query answer; ok false when it has
// no datapoint.
func (f *fixture) one(t *testing.T, now, from, to time.Time, q types.MetricDataQuery) (float64, bool) {
	t.Helper()
	res := f.get(t, now, from, to, q)
	if len(res) != 1 {
		t.Fatalf("%d results, want 1", len(res))
	}
	switch len(res[0].Values) {
	case 0:
		return 0, false
	case 1:
		return res[0].Values[0], true
	}
	t.Fatalf("values %v at %v, want one", res[0].Values, res[0].Timestamps)
	return 0, false
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// writer is a minimal http.ResponseWriter for the fuzz test.
type writer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorderWriter() *writer { return &writer{header: http.Header{}} }

func (w *writer) Header() http.Header { return w.header }

func (w *writer) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *writer) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}
