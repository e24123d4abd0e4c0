package stagelog

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"wsops/sandbox/cwlogs"
	"wsops/sandbox/gateway"
)

const format = `{"requestId":"$context.requestId","connectionId":"$context.connectionId","eventType":"$context.eventType",` +
	`"routeKey":"$context.routeKey","status":"$context.status","integrationRequestId":"$context.awsEndpointRequestId",` +
	`"userAgent":"$context.identity.userAgent","error":"$context.error.message","integrationError":"$context.integrationErrorMessage",` +
	`"queryString":"$context.requestOverride.querystring","unknown":"$context.nothing"}`

// world is a Log on a store, with a clock the test moves.
type world struct {
	store *cwlogs.Store
	log   *Log
	now   atomic.Int64 // Unix ms
	n     int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{}
	w.now.Store(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC).UnixMilli())
	clock := func() time.Time { return time.UnixMilli(w.now.Load()) }
	w.store = cwlogs.New(cwlogs.Options{Now: clock})
	t.Cleanup(w.store.Close)
	w.log = New(Options{Store: w.store, APIID: "abc123defg", Stage: "dev", Region: "us-east-1",
		AccessGroup: "/aws/apigateway/api-access", AccessFormat: format, Now: clock,
		Functions: map[string]string{"$connect": "svc-dev-connect", "$default": "svc-dev-default"}})
	return w
}

var conn = &gateway.Conn{ID: "L0SM9cOFvHcCIhw=", SourceIP: "10.0.0.1", UserAgent: `evil "agent"`, RawQuery: "token=eyJx.eyJy.sig&platform=web"}

// request runs one request through the log: integrated when the route has a function.
func (w *world) request(eventType, route string, done func(r *gateway.Request)) *gateway.Request {
	w.n++
	r := &gateway.Request{ID: "REQ" + strings.Repeat("x", w.n) + "=", EventType: eventType, RouteKey: route, Conn: conn,
		Received: time.UnixMilli(w.now.Load()), IntegrationRequestID: "5c0f1c2e-0000-4000-8000-00000000000" + string(rune('0'+w.n%10))}
	if _, ok := w.log.functions[route]; ok {
		w.log.Integrating(r)
		r.Integrated, r.Integration = true, 3*time.Millisecond
	}
	done(r)
	w.log.Done(r)
	return r
}

// lines are the messages of group that name id.
func (w *world) lines(group, id string) []string {
	var out []string
	for _, m := range w.store.Messages(group) {
		if strings.Contains(m, id) {
			out = append(out, m)
		}
	}
	return out
}

// TestErrorsAreLoggedAsAPIGatewayAndLambdaLogThem: a refused $connect,
// a handler that throws, one that times out and an unroutable message
// each leave the lines their kind leaves on AWS.
func TestErrorsAreLoggedAsAPIGatewayAndLambdaLogThem(t *testing.T) {
	w := newWorld(t)
	refused := w.request(gateway.EventConnect, "$connect", func(r *gateway.Request) {
		r.Err = &gateway.Rejection{Status: 401, Body: "Unauthorized"}
		r.Status, r.Error = 401, "Unauthorized"
	})
	threw := w.request(gateway.EventMessage, "$default", func(r *gateway.Request) {
		r.Err = errors.New("writing the subscription: ProvisionedThroughputExceededException")
		r.Status, r.Error = 500, "Internal server error"
	})
	slow := w.request(gateway.EventMessage, "$default", func(r *gateway.Request) {
		r.Err, r.TimedOut, r.Integration = errors.New("context deadline exceeded"), true, 29*time.Second
		r.Status, r.Error = 504, "Endpoint request timed out"
	})
	lost := w.request(gateway.EventMessage, "", func(r *gateway.Request) { r.Status, r.Error = http.StatusForbidden, "Forbidden" })

	for _, tc := range []struct {
		r                    *gateway.Request
		status, route, query string
		exec, lambda         []string
	}{
		{refused, "401", "$connect", "token=eyJx.eyJy.sig&platform=web",
			[]string{"WebSocket Request Route: [$connect]", "is connecting to WebSocket API [abc123defg]", "Sending request to", "Received response. Status: 401", "AWS Integration Endpoint RequestId", "Method completed with status: 401"},
			[]string{"START", "WARN\t$connect refused connectionId=L0SM9cOFvHcCIhw=: 401 Unauthorized", "END", "REPORT"}},
		{threw, "500", "$default", "-",
			[]string{"Route: [$default]", "Sending request to", "Received response. Status: 200", "customer function error: writing the subscription: ProvisionedThroughputExceededException.", "AWS Integration Endpoint RequestId", "Method completed with status: 500"},
			[]string{"START", `ERROR	Invoke Error 	{"errorType":"Error","errorMessage":"writing the subscription: ProvisionedThroughputExceededException"`, "END", "REPORT"}},
		{slow, "504", "$default", "-",
			[]string{"Route: [$default]", "Sending request to", "Execution failed due to a timeout error", "Method completed with status: 504"},
			[]string{"START", "Task timed out after 29.00 seconds", "END", "REPORT"}},
		{lost, "403", "-", "-",
			[]string{"Execution failed: Forbidden", "Method completed with status: 403"}, nil},
	} {
		access := w.lines("/aws/apigateway/api-access", tc.r.ID)
		var a map[string]string
		if len(access) != 1 || json.Unmarshal([]byte(access[0]), &a) != nil {
			t.Fatalf("access lines of %s: %q", tc.r.ID, access)
		}
		if a["status"] != tc.status || a["routeKey"] != tc.route || a["queryString"] != tc.query || a["userAgent"] != `evil "agent"` || a["unknown"] != "-" {
			t.Errorf("access line %v", a)
		}
		if tc.lambda == nil && a["integrationRequestId"] != "-" {
			t.Errorf("an unintegrated request names a Lambda request: %v", a)
		}
		exec := w.lines("API-Gateway-Execution-Logs_abc123defg/dev", "("+tc.r.ID+")")
		if !containsInOrder(exec, tc.exec) {
			t.Errorf("execution lines of %s:\n%s\nwant, in order, %q", tc.route, strings.Join(exec, "\n"), tc.exec)
		}
		if tc.lambda == nil {
			continue
		}
		fn := "/aws/lambda/svc-dev-connect"
		if tc.route == "$default" {
			fn = "/aws/lambda/svc-dev-default"
		}
		if got := w.lines(fn, tc.r.IntegrationRequestID); !containsInOrder(got, tc.lambda) || len(got) != 4 {
			t.Errorf("Lambda lines of %s:\n%s\nwant %q", tc.route, strings.Join(got, "\n"), tc.lambda)
		}
	}
}

// TestExecutionEnvironments: a warm environment (its stream) serves the
// next invocation; concurrent invocations get one each; one idle for 10
// minutes is retired.
func TestExecutionEnvironments(t *testing.T) {
	w := newWorld(t)
	fn := w.log.functions["$default"]
	at := time.UnixMilli(w.now.Load())
	a := fn.acquire(at)
	b := fn.acquire(at)
	fn.release(a, at)
	fn.release(b, at.Add(time.Second))
	if a.stream == b.stream || !strings.HasPrefix(a.stream, "2026/12/03/[$LATEST]") || len(a.stream) != len("2026/12/03/[$LATEST]")+32 {
		t.Fatalf("streams %q %q: want one per concurrent invocation, named as Lambda names them", a.stream, b.stream)
	}
	if c := fn.acquire(at.Add(2 * time.Second)); c != b {
		t.Errorf("the next invocation got %q, want the warm environment used last (%q)", c.stream, b.stream)
	} else {
		fn.release(c, at.Add(2*time.Second))
	}
	if d := fn.acquire(at.Add(11 * time.Minute)); d == a || d == b {
		t.Errorf("an environment idle for 11 minutes served again")
	}
	if len(fn.idle) != 0 {
		t.Errorf("%d idle environments kept after all were retired", len(fn.idle))
	}
}

func containsInOrder(lines, parts []string) bool {
	i := 0
	for _, l := range lines {
		if i < len(parts) && strings.Contains(l, parts[i]) {
			i++
		}
	}
	return i == len(parts)
}

// BenchmarkRequest: what logging one routed message costs the gateway
// (its access, execution and Lambda lines).
func BenchmarkRequest(b *testing.B) {
	store := cwlogs.New(cwlogs.Options{MaxEvents: 10_000})
	defer store.Close()
	l := New(Options{Store: store, APIID: "abc123defg", Stage: "dev", Region: "us-east-1",
		AccessGroup: "/aws/apigateway/api-access", AccessFormat: format, Functions: map[string]string{"$default": "svc-dev-default"}})
	reply := []byte(`{"type":"subscribed","topic":"order#o-1"}`)
	b.ReportAllocs()
	for b.Loop() {
		r := &gateway.Request{ID: "R0SM9cOFvHcCIhw=", EventType: gateway.EventMessage, RouteKey: "$default", Conn: conn,
			Received: time.Now(), IntegrationRequestID: "5c0f1c2e-0000-4000-8000-000000000001"}
		l.Integrating(r)
		r.Status, r.Integrated, r.Integration, r.Reply = 200, true, time.Millisecond, reply
		l.Done(r)
	}
}
