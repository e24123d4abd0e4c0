package sandbox_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/coder/websocket"

	"wsops/auth"
	"wsops/mgmt"
	"wsops/sandbox"
)

// cloudWatch is the real CloudWatch client (v1.51.1, awsQuery) pointed at
// the sandbox.
func cloudWatch(e sandbox.Endpoints) *cloudwatch.Client {
	return cloudwatch.New(cloudwatch.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(e.CloudWatchURL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("sandbox", "sandbox", ""),
	})
}

// TestMetricsCountWhatClientsDid: independent WebSocket clients connect,
// send messages (one of them oversized) and are posted to; GetMetricData
// then counts exactly that, under both dimension sets. Every event is
// counted before the client sees its answer, so the test reads the
// metrics as soon as the clients are done.
func TestMetricsCountWhatClientsDid(t *testing.T) {
	w := start(t, sandbox.Config{Preset: "wizz"})
	e := w.sb.Endpoints()
	ctx := context.Background()
	apiID := control(t, apigw(e))
	begin := time.Now()

	const clients, perClient = 4, 3
	var conns []*websocket.Conn
	for i := range clients {
		c := w.dial(t, auth.Claims{User: "d-" + string(rune('a'+i)), EntityType: "driver", App: "drivers"}, "ios")
		conns = append(conns, c)
		if r := roundTrip(t, c, `{"action":"heartbeat"}`); r["type"] != "heartbeat_ack" {
			t.Fatalf("heartbeat reply %v", r)
		}
		if r := roundTrip(t, c, `{"action":"subscribe_order","orderId":"o-1"}`); r["type"] != "subscribed" {
			t.Fatalf("subscribe reply %v", r)
		}
		// No route takes it: $default answers.
		if r := roundTrip(t, c, `{"action":"no_such_route"}`); r["type"] != "error" {
			t.Fatalf("$default reply %v", r)
		}
	}
	// A refused $connect: a bad token.
	_, resp, err := websocket.Dial(ctx, e.WebSocketURL+"?"+url.Values{"token": {"bad"}, "platform": {"ios"}}.Encode(), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad token: %v, want 401", err)
	}
	// An oversized message: closed with 1009.
	if err := conns[0].Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", 40*1024))); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		if _, _, err := conns[0].Read(rctx); err != nil {
			if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
				t.Fatalf("after an oversized message: %v, want close 1009", err)
			}
			break
		}
	}
	// Two messages posted through @connections, and one to a gone connection.
	live, err := w.registry.ConnectionsOf(ctx, "d-b")
	if err != nil || len(live) != 1 {
		t.Fatalf("registry: %v %v", live, err)
	}
	for range 2 {
		if err := w.mgmt.Post(ctx, live[0].ID, []byte(`{"hello":1}`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.mgmt.Post(ctx, "AAAAAAAAAAAAAAA=", []byte("x")); !errors.Is(err, mgmt.ErrGone) {
		t.Fatalf("post to a gone connection: %v", err)
	}

	cw := cloudWatch(e)
	from, to := begin.Add(-2*time.Minute), time.Now().Add(2*time.Minute)
	want := map[string]float64{
		"ConnectCount":     clients + 1,
		"MessageCount":     clients*perClient + 1 + 2,
		"ClientError":      3, // the bad token, the oversized message, the gone post
		"IntegrationError": 0,
		"ExecutionError":   0,
	}
	for _, dims := range [][]types.Dimension{
		{{Name: aws.String("ApiId"), Value: aws.String(apiID)}},
		{{Name: aws.String("ApiId"), Value: aws.String(apiID)}, {Name: aws.String("Stage"), Value: aws.String(e.Stage)}},
	} {
		for _, period := range []int32{60, 3600} {
			var queries []types.MetricDataQuery
			for name := range want {
				queries = append(queries, metricQuery(strings.ToLower(name), name, "Sum", period, dims))
			}
			for _, stat := range []string{"p50", "p99", "Maximum"} {
				queries = append(queries, metricQuery(strings.ToLower(stat), "IntegrationLatency", stat, period, dims))
			}
			out, err := cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(from), EndTime: aws.Time(to), MetricDataQueries: queries})
			if err != nil {
				t.Fatal(err)
			}
			latency := map[string]float64{}
			for _, r := range out.MetricDataResults {
				if r.StatusCode != types.StatusCodeComplete || len(r.Values) == 0 {
					t.Fatalf("%d dimensions, period %d: %s has %v (%s), want datapoints", len(dims), period, *r.Label, r.Values, r.StatusCode)
				}
				if *r.Label == "IntegrationLatency" {
					latency[*r.Id] = r.Values[0]
					continue
				}
				sum := 0.0
				for _, v := range r.Values {
					sum += v
				}
				if sum != want[*r.Label] {
					t.Errorf("%d dimensions, period %d: %s Sum %v, want %v", len(dims), period, *r.Label, sum, want[*r.Label])
				}
			}
			if !(0 <= latency["p50"] && latency["p50"] <= latency["p99"] && latency["p99"] <= latency["maximum"]) {
				t.Errorf("IntegrationLatency p50 %v, p99 %v, max %v: want 0 <= p50 <= p99 <= max", latency["p50"], latency["p99"], latency["maximum"])
			}
		}
	}

	_, err = cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(from), EndTime: aws.Time(to),
		MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("e"), Expression: aws.String("SUM(METRICS())")}}})
	if apiErr, ok := errors.AsType[smithy.APIError](err); !ok || apiErr.ErrorCode() != "ValidationError" || !strings.Contains(apiErr.ErrorMessage(), "not supported") {
		t.Fatalf("an Expression query: %v, want ValidationError saying it is not supported", err)
	}
}

func metricQuery(id, name, stat string, period int32, dims []types.Dimension) types.MetricDataQuery {
	return types.MetricDataQuery{Id: aws.String(id), MetricStat: &types.MetricStat{
		Metric: &types.Metric{Namespace: aws.String("AWS/ApiGateway"), MetricName: aws.String(name), Dimensions: dims},
		Period: aws.Int32(period), Stat: aws.String(stat),
	}}
}

// TestControlAPIsNeedSignatures: apigatewayv2 and CloudWatch refuse an
// unsigned request with 403, in their own protocols' error shapes, as the
// management API does.
func TestControlAPIsNeedSignatures(t *testing.T) {
	w := start(t, sandbox.Config{})
	e := w.sb.Endpoints()
	resp, err := http.Get(e.APIGatewayURL + "/v2/apis")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" || !strings.Contains(string(body), `"message"`) {
		t.Fatalf("unsigned GetApis: %d %s %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body)
	}
	resp, err = http.PostForm(e.CloudWatchURL, url.Values{"Action": {"GetMetricData"}, "Version": {"2010-08-01"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), "<Code>MissingAuthenticationToken</Code>") || !strings.Contains(string(body), "<Type>Sender</Type>") {
		t.Fatalf("unsigned GetMetricData: %d %s", resp.StatusCode, body)
	}
}
