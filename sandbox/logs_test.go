package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/coder/websocket"

	"wsops/auth"
	"wsops/logs"
	"wsops/sandbox"
	"wsops/sandbox/cwlogs"
)

// logsClient is the real CloudWatch Logs client pointed at the sandbox.
func logsClient(e sandbox.Endpoints) *cloudwatchlogs.Client {
	return cloudwatchlogs.New(cloudwatchlogs.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(e.LogsURL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("sandbox", "sandbox", ""),
	})
}

// dialRaw connects a client with the query string exactly as given (the
// reference systems' clients send ?token=…&platform=…) and returns its
// connection id, learnt as the one that was not live before.
func dialRaw(t *testing.T, w world, query string) (*websocket.Conn, string) {
	t.Helper()
	before := w.sb.Gateway().IDs()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, w.sb.Endpoints().WebSocketURL+"?"+query, nil)
	if err != nil {
		t.Fatalf("dial ?%s: %v", query, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	for _, id := range w.sb.Gateway().IDs() {
		if !slices.Contains(before, id) {
			return c, id
		}
	}
	t.Fatal("no new connection id is live")
	return nil, ""
}

// waitForLine waits until the group holds a line containing every one of
// parts, woken by each event put into the group (never by a timer).
func waitForLine(t *testing.T, store *cwlogs.Store, c *cloudwatchlogs.Client, group string, parts ...string) {
	t.Helper()
	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	for {
		changed := store.Changed(group)
		out, err := c.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group)})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Events {
			if containsAll(aws.ToString(e.Message), parts) {
				return
			}
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("no line with %q in %s", parts, group)
		}
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// filter reads every event of group matching pattern.
func filter(t *testing.T, c *cloudwatchlogs.Client, group, pattern string) []types.FilteredLogEvent {
	t.Helper()
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group), FilterPattern: aws.String(pattern)}
	var all []types.FilteredLogEvent
	for {
		out, err := c.FilterLogEvents(context.Background(), in)
		if err != nil {
			t.Fatalf("FilterLogEvents %s %q: %v", group, pattern, err)
		}
		all = append(all, out.Events...)
		if out.NextToken == nil {
			return all
		}
		in.NextToken = out.NextToken
	}
}

// accessLine is the sandbox's access log format, decoded.
type accessLine struct {
	RequestID, ConnectionID, EventType, RouteKey, Status, IntegrationRequestID, RequestTime, IP, Error, QueryString string
}

// TestLogsLikeADeployment: a client that connects (with its token in the
// query string), sends messages and leaves has, in the sandbox's
// CloudWatch Logs, an access line per request in the stage's format, the
// execution lines of each request, and its handlers' START, own line, END
// and REPORT in the Lambda groups the integrations name — in streams named
// as AWS names them; another client's lines are not among them.
func TestLogsLikeADeployment(t *testing.T) {
	w := start(t, sandbox.Config{Preset: "wizz"})
	e := w.sb.Endpoints()
	ctx := context.Background()
	c := logsClient(e)
	apiID := control(t, apigw(e))
	accessGroup, execGroup := "/aws/apigateway/WizzUser-WebSocket-dev-access", "API-Gateway-Execution-Logs_"+apiID+"/dev"

	groups, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range groups.LogGroups {
		names = append(names, aws.ToString(g.LogGroupName))
		if want := "arn:aws:logs:us-east-1:000000000000:log-group:" + aws.ToString(g.LogGroupName); aws.ToString(g.Arn) != want+":*" || aws.ToString(g.LogGroupArn) != want {
			t.Errorf("group %s: arn %s, logGroupArn %s", aws.ToString(g.LogGroupName), aws.ToString(g.Arn), aws.ToString(g.LogGroupArn))
		}
	}
	for _, want := range []string{accessGroup, execGroup, "/aws/lambda/wizzuser-websocket-dev-connect", "/aws/lambda/wizzuser-websocket-dev-subscribeOrder"} {
		if !slices.Contains(names, want) {
			t.Errorf("DescribeLogGroups %v: no %s", names, want)
		}
	}

	token, err := auth.Mint(w.secret, auth.Claims{User: "u-logs", EntityType: "driver", App: "drivers"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	query := "token=" + token + "&platform=web"
	client, id := dialRaw(t, w, query)
	other, otherID := dialRaw(t, w, "token="+token+"&platform=ios")
	if r := roundTrip(t, other, `{"action":"heartbeat"}`); r["type"] != "heartbeat_ack" {
		t.Fatalf("other's heartbeat: %v", r)
	}
	for _, m := range []struct{ msg, want string }{
		{`{"action":"heartbeat"}`, "heartbeat_ack"},
		{`{"action":"subscribe_order","orderId":"o-7"}`, "subscribed"},
		{`{"action":"subscribe_order"}`, "error"},
		{`{"action":"unsubscribe_business_status","businessId":"b-1"}`, "unsubscribed"},
	} {
		if r := roundTrip(t, client, m.msg); r["type"] != m.want {
			t.Fatalf("%s: %v, want %s", m.msg, r, m.want)
		}
	}
	if err := client.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	waitForLine(t, w.sb.Logs(), c, accessGroup, id, "DISCONNECT")

	lines := filter(t, c, accessGroup, `"`+id+`"`)
	if len(lines) != 6 {
		t.Fatalf("%d access lines of %s, want 6 ($connect, 4 messages, $disconnect): %v", len(lines), id, lines)
	}
	var reqs []accessLine
	for _, l := range lines {
		var a accessLine
		if err := json.Unmarshal([]byte(aws.ToString(l.Message)), &a); err != nil {
			t.Fatalf("access line %q: %v", aws.ToString(l.Message), err)
		}
		if a.ConnectionID != id || a.Status != "200" || a.IP != "127.0.0.1" || !regexp.MustCompile(`^[A-Za-z0-9_-]{15}=$`).MatchString(a.RequestID) ||
			!regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(a.IntegrationRequestID) || !regexp.MustCompile(`^\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000$`).MatchString(a.RequestTime) {
			t.Errorf("access line %+v", a)
		}
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(aws.ToString(l.LogStreamName)) {
			t.Errorf("access stream %q, want 32 hex digits", aws.ToString(l.LogStreamName))
		}
		reqs = append(reqs, a)
	}
	var routes []string
	for _, a := range reqs {
		routes = append(routes, a.EventType+" "+a.RouteKey)
	}
	if strings.Join(routes, ",") != "CONNECT $connect,MESSAGE heartbeat,MESSAGE subscribe_order,MESSAGE subscribe_order,MESSAGE unsubscribe_business_status,DISCONNECT $disconnect" {
		t.Errorf("routes %v", routes)
	}
	if reqs[0].QueryString != query || reqs[1].QueryString != "-" {
		t.Errorf("query strings %q, %q: want the $connect's as sent, - after", reqs[0].QueryString, reqs[1].QueryString)
	}

	functions := map[string]string{"$connect": "connect", "heartbeat": "heartbeat", "subscribe_order": "subscribeOrder",
		"unsubscribe_business_status": "unsubscribeBusinessStatus", "$disconnect": "disconnect"}
	handled := map[string]string{}
	for _, a := range reqs {
		exec := filter(t, c, execGroup, `"(`+a.RequestID+`)"`)
		var em []string
		for _, l := range exec {
			em = append(em, aws.ToString(l.Message))
		}
		if len(em) < 4 || !strings.Contains(em[0], "WebSocket Request Route: ["+a.RouteKey+"]") ||
			!strings.HasSuffix(em[len(em)-1], "Method completed with status: 200") ||
			!slices.Contains(em, "("+a.RequestID+") AWS Integration Endpoint RequestId : "+a.IntegrationRequestID) {
			t.Errorf("execution lines of %s %s:\n%s", a.RouteKey, a.RequestID, strings.Join(em, "\n"))
		}
		group := "/aws/lambda/wizzuser-websocket-dev-" + functions[a.RouteKey]
		fl := filter(t, c, group, `"`+a.IntegrationRequestID+`"`)
		if len(fl) != 4 {
			t.Fatalf("%s: %d lines of %s, want START, the handler's, END, REPORT", group, len(fl), a.IntegrationRequestID)
		}
		m := func(i int) string { return aws.ToString(fl[i].Message) }
		if m(0) != "START RequestId: "+a.IntegrationRequestID+" Version: $LATEST" || m(2) != "END RequestId: "+a.IntegrationRequestID ||
			!regexp.MustCompile(`^REPORT RequestId: `+a.IntegrationRequestID+`\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 1024 MB\tMax Memory Used: \d+ MB$`).MatchString(m(3)) {
			t.Errorf("%s lines:\n%s\n%s\n%s\n%s", group, m(0), m(1), m(2), m(3))
		}
		if !regexp.MustCompile(`^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$`).MatchString(aws.ToString(fl[0].LogStreamName)) {
			t.Errorf("Lambda stream %q", aws.ToString(fl[0].LogStreamName))
		}
		fields := strings.SplitN(m(1), "\t", 4)
		if len(fields) != 4 || fields[1] != a.IntegrationRequestID {
			t.Errorf("handler line %q: want TIME\\tREQUEST_ID\\tLEVEL\\tmessage", m(1))
			continue
		}
		handled[a.RouteKey] += fields[2] + " " + fields[3] + ";"
	}
	for route, want := range map[string]string{
		"$connect":                    "INFO connected connectionId=" + id + " userId=u-logs appId=drivers entityType=driver platform=web",
		"heartbeat":                   "INFO heartbeat connectionId=" + id,
		"subscribe_order":             "INFO subscribed order#o-7 connectionId=" + id + ";ERROR subscribe_order failed connectionId=" + id + ": orderId required",
		"unsubscribe_business_status": "INFO toggled business_status#b-1 isActive=false connectionId=" + id,
		"$disconnect":                 "INFO disconnected connectionId=" + id,
	} {
		if got := strings.TrimSuffix(handled[route], ";"); got != want {
			t.Errorf("%s's handler lines %q, want %q", route, got, want)
		}
	}
	for _, group := range names {
		for _, l := range filter(t, c, group, `"`+otherID+`"`) {
			if strings.Contains(aws.ToString(l.Message), id) {
				t.Errorf("a line of both connections: %s", aws.ToString(l.Message))
			}
		}
	}
}

// TestLiveTailStreamsOverHTTP11: the SDK's StartLiveTail reads the
// sandbox's event stream over the listener's HTTP/1.1 (its "stream-" host
// prefix disabled, as for any custom endpoint, by logs.NoHostPrefix, and
// its stream kept open by logs.KeepStreamOpen): a session on the access
// log by ARN sees a new client's $connect line.
func TestLiveTailStreamsOverHTTP11(t *testing.T) {
	w := start(t, sandbox.Config{Preset: "this27", LiveTail: cwlogs.LiveTailOptions{Interval: 100 * time.Millisecond}})
	e := w.sb.Endpoints()
	c := logsClient(e)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	group := "/aws/apigateway/this27-websocket-dev-access"
	out, err := c.StartLiveTail(ctx, &cloudwatchlogs.StartLiveTailInput{
		LogGroupIdentifiers: []string{"arn:aws:logs:us-east-1:000000000000:log-group:" + group}, LogEventFilterPattern: aws.String(`"CONNECT"`),
	}, logs.NoHostPrefix, logs.KeepStreamOpen)
	if err != nil {
		t.Fatal(err)
	}
	stream := out.GetStream()
	defer stream.Close()
	for n, changed := w.sb.Logs().LiveTails(); n < 1; n, changed = w.sb.Logs().LiveTails() {
		<-changed
	}
	_, id := dialRaw(t, w, "token="+mint(t, w, "customer-app")+"&platform=web")
	started := false
	for ev := range stream.Events() {
		switch v := ev.(type) {
		case *types.StartLiveTailResponseStreamMemberSessionStart:
			started = true
			if len(v.Value.LogGroupIdentifiers) != 1 || aws.ToString(v.Value.SessionId) == "" {
				t.Errorf("session start %+v", v.Value)
			}
		case *types.StartLiveTailResponseStreamMemberSessionUpdate:
			for _, r := range v.Value.SessionResults {
				if strings.Contains(aws.ToString(r.Message), id) {
					if !started || !strings.HasSuffix(aws.ToString(r.LogGroupIdentifier), ":log-group:"+group) || v.Value.SessionMetadata.Sampled {
						t.Errorf("started %v, event %+v, metadata %+v", started, r, v.Value.SessionMetadata)
					}
					return
				}
			}
		}
	}
	t.Fatalf("the stream ended (%v) before the $connect of %s came", stream.Err(), id)
}

// mint is a token the world's sandbox accepts for a customer of app.
func mint(t *testing.T, w world, app string) string {
	t.Helper()
	token, err := auth.Mint(w.secret, auth.Claims{User: "u-tail", EntityType: "customer", App: app}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// TestLogsAPIRefusesWhatItDoesNotServe: unsigned calls, unknown
// operations and unsupported filter patterns get AWS's typed errors.
func TestLogsAPIRefusesWhatItDoesNotServe(t *testing.T) {
	w := start(t, sandbox.Config{Preset: "wizz"})
	c := logsClient(w.sb.Endpoints())
	ctx := context.Background()
	group := "/aws/apigateway/WizzUser-WebSocket-dev-access"
	for _, p := range []string{`{ $.status = 500 }`, `[ip, id]`, `%ERR.*%`, `-heartbeat`, `L0SM9cOFvHcCIhw=`, `?"a" b`, `"open`} {
		_, err := c.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group), FilterPattern: aws.String(p)})
		var invalid *types.InvalidParameterException
		if !errors.As(err, &invalid) {
			t.Errorf("pattern %q: %v, want InvalidParameterException", p, err)
		}
	}
	_, err := c.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/nope")})
	var missing *types.ResourceNotFoundException
	if !errors.As(err, &missing) {
		t.Errorf("an unknown group: %v, want ResourceNotFoundException", err)
	}
	_, err = c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/x")})
	if err == nil || !strings.Contains(err.Error(), "UnknownOperationException") {
		t.Errorf("CreateLogGroup: %v, want UnknownOperationException", err)
	}
	unsigned := cloudwatchlogs.New(cloudwatchlogs.Options{Region: "us-east-1", BaseEndpoint: aws.String(w.sb.Endpoints().LogsURL), RetryMaxAttempts: 1,
		Credentials: aws.AnonymousCredentials{}})
	if _, err := unsigned.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{}); err == nil || !strings.Contains(err.Error(), "MissingAuthenticationToken") {
		t.Errorf("unsigned: %v, want MissingAuthenticationTokenException", err)
	}
}

// TestLogsOfRefusedAndOversizedRequests: a $connect refused for its token
// and a message over the frame limit are in the access log with the
// status the client got, and the refused $connect's handler says why.
func TestLogsOfRefusedAndOversizedRequests(t *testing.T) {
	w := start(t, sandbox.Config{Preset: "wizz"})
	c := logsClient(w.sb.Endpoints())
	group := "/aws/apigateway/WizzUser-WebSocket-dev-access"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, w.sb.Endpoints().WebSocketURL+"?token=not-a-jwt&platform=web", nil)
	if err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("bad token: %v, want 401", err)
	}
	waitForLine(t, w.sb.Logs(), c, group, `"eventType":"CONNECT"`, `"status":"401"`, `"error":"Unauthorized"`, `"queryString":"token=not-a-jwt&platform=web"`)
	refused := w.sb.Logs().Messages("/aws/lambda/wizzuser-websocket-dev-connect")
	if len(refused) != 4 || !strings.Contains(refused[1], "\tWARN\t$connect refused connectionId=") || !strings.HasSuffix(refused[1], ": 401 Unauthorized") {
		t.Errorf("the refused $connect's Lambda lines: %q", refused)
	}

	client, id := dialRaw(t, w, "token="+mint(t, w, "customers")+"&platform=web")
	if err := client.Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", 40*1024))); err != nil {
		t.Fatal(err)
	}
	for {
		if _, _, err := client.Read(ctx); err != nil {
			if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
				t.Fatalf("after an oversized frame: %v, want 1009", err)
			}
			break
		}
	}
	waitForLine(t, w.sb.Logs(), c, group, id, `"eventType":"MESSAGE"`, `"routeKey":"-"`, `"status":"413"`)
	waitForLine(t, w.sb.Logs(), c, group, id, `"eventType":"DISCONNECT"`)
}
