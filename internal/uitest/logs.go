package uitest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"wsops/logs"
)

// The fake API's log groups, as logs.GroupsOf names them from Control's
// stage and routes.
const (
	AccessGroup    = "/aws/apigateway/WizzUser-dev"
	ExecutionGroup = "API-Gateway-Execution-Logs_" + APIID + "/dev"
	ConnectGroup   = "/aws/lambda/wizz-ws-connect"
	RouterGroup    = "/aws/lambda/wizz-ws-router"
)

// TraceableFormat is an access log format a connection can be traced
// through: JSON with the connection, request and integration ids.
const TraceableFormat = `{"requestId":"$context.requestId","connectionId":"$context.connectionId","eventType":"$context.eventType",` +
	`"routeKey":"$context.routeKey","status":"$context.status","integrationRequestId":"$context.awsEndpointRequestId"}`

// LogEvent is one event the fake holds.
type LogEvent struct {
	Group, Stream string
	Time          time.Time
	Message       string
}

// Logs is a fake of CloudWatch Logs (a logs.Tailer) over events held in
// memory: FilterLogEvents honours the group, the start and end times and
// the filter patterns wsops writes (quoted terms, `?` for any of them),
// and pages its answers; DescribeLogGroups lists the groups that hold
// events; StartLiveTail is not served, so a follow polls. It counts every
// call, and can fail or hold FilterLogEvents.
type Logs struct {
	filters, tails, describes atomic.Int64
	mu                        sync.Mutex
	events                    []storedEvent
	err                       error
	hold                      chan struct{}
	held                      chan struct{}
	left                      chan struct{}
}

type storedEvent struct {
	LogEvent
	id string
}

var _ logs.Tailer = (*Logs)(nil)

// pageSize is how many events one FilterLogEvents answer holds at most.
const pageSize = 50

// NewLogs returns the fake holding events.
func NewLogs(events ...LogEvent) *Logs {
	l := &Logs{}
	l.Put(events...)
	return l
}

// Put adds events (safe while a follow reads).
func (l *Logs) Put(events ...LogEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range events {
		l.events = append(l.events, storedEvent{LogEvent: e, id: "ev-" + strconv.Itoa(len(l.events))})
	}
}

// FilterCalls counts the FilterLogEvents calls made so far.
func (l *Logs) FilterCalls() int { return int(l.filters.Load()) }

// TailCalls counts the StartLiveTail calls made so far.
func (l *Logs) TailCalls() int { return int(l.tails.Load()) }

// Fail makes every later call fail with err (nil: answer).
func (l *Logs) Fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.err = err
}

// Hold makes FilterLogEvents wait until release is called (or its context
// ends); entered receives a value as each call starts waiting, Left as
// each gives up because its context ended.
func (l *Logs) Hold() (entered <-chan struct{}, release func()) {
	hold, held := make(chan struct{}), make(chan struct{}, 64)
	l.mu.Lock()
	l.hold, l.held, l.left = hold, held, make(chan struct{}, 64)
	l.mu.Unlock()
	var once sync.Once
	return held, func() { once.Do(func() { close(hold) }) }
}

// Left receives a value as each call held by Hold gives up because its
// context ended (nil before Hold).
func (l *Logs) Left() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.left
}

// FilterLogEvents answers a page of the group's events in [start, end]
// that match the pattern, in time order.
func (l *Logs) FilterLogEvents(ctx context.Context, in *cloudwatchlogs.FilterLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	l.filters.Add(1)
	l.mu.Lock()
	err, hold, held, left := l.err, l.hold, l.held, l.left
	l.mu.Unlock()
	if hold != nil {
		select {
		case held <- struct{}{}:
		default:
		}
		select {
		case <-hold:
		case <-ctx.Done():
			select {
			case left <- struct{}{}:
			default:
			}
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	match := compilePattern(aws.ToString(in.FilterPattern))
	l.mu.Lock()
	var found []storedEvent
	for _, e := range l.events {
		ms := e.Time.UnixMilli()
		if e.Group == aws.ToString(in.LogGroupName) && (in.StartTime == nil || ms >= *in.StartTime) &&
			(in.EndTime == nil || ms <= *in.EndTime) && match(e.Message) {
			found = append(found, e)
		}
	}
	l.mu.Unlock()
	slices.SortStableFunc(found, func(a, b storedEvent) int { return a.Time.Compare(b.Time) })
	from, _ := strconv.Atoi(aws.ToString(in.NextToken))
	from = min(from, len(found))
	to := min(from+pageSize, len(found))
	out := &cloudwatchlogs.FilterLogEventsOutput{}
	for _, e := range found[from:to] {
		out.Events = append(out.Events, types.FilteredLogEvent{EventId: aws.String(e.id), LogStreamName: aws.String(e.Stream),
			Message: aws.String(e.Message), Timestamp: aws.Int64(e.Time.UnixMilli())})
	}
	if to < len(found) {
		out.NextToken = aws.String(strconv.Itoa(to))
	}
	return out, nil
}

// DescribeLogGroups lists the groups that hold events under the prefix.
func (l *Logs) DescribeLogGroups(_ context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error) {
	l.describes.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return nil, l.err
	}
	out := &cloudwatchlogs.DescribeLogGroupsOutput{}
	seen := map[string]bool{}
	for _, e := range l.events {
		if strings.HasPrefix(e.Group, aws.ToString(in.LogGroupNamePrefix)) && !seen[e.Group] {
			seen[e.Group] = true
			out.LogGroups = append(out.LogGroups, types.LogGroup{LogGroupName: aws.String(e.Group),
				Arn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:" + e.Group + ":*")})
		}
	}
	return out, nil
}

// StartLiveTail is not served, as on an endpoint without it (moto's): a
// follow falls back to polling FilterLogEvents.
func (l *Logs) StartLiveTail(context.Context, *cloudwatchlogs.StartLiveTailInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.StartLiveTailOutput, error) {
	l.tails.Add(1)
	return nil, &smithy.GenericAPIError{Code: "UnknownOperationException", Message: "StartLiveTail is not served here"}
}

// compilePattern is the matcher of a filter pattern: every plain or quoted
// term must occur, and one at least of the `?` terms when there are any.
func compilePattern(p string) func(string) bool {
	var all, anyOf []string
	for rest := strings.TrimSpace(p); rest != ""; rest = strings.TrimSpace(rest) {
		optional := strings.HasPrefix(rest, "?")
		rest = strings.TrimPrefix(rest, "?")
		var term string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				b.WriteByte(rest[i])
			}
			term, rest = b.String(), rest[min(i+1, len(rest)):]
		} else {
			end := strings.IndexAny(rest, " \t")
			if end < 0 {
				end = len(rest)
			}
			term, rest = rest[:end], rest[end:]
		}
		if optional {
			anyOf = append(anyOf, term)
		} else {
			all = append(all, term)
		}
	}
	return func(msg string) bool {
		for _, t := range all {
			if !strings.Contains(msg, t) {
				return false
			}
		}
		return len(anyOf) == 0 || slices.ContainsFunc(anyOf, func(t string) bool { return strings.Contains(msg, t) })
	}
}

// AccessLine is an access log line in TraceableFormat.
func AccessLine(at time.Time, conn, request, lambda, event, route, status string) LogEvent {
	msg := fmt.Sprintf(`{"requestId":%q,"connectionId":%q,"eventType":%q,"routeKey":%q,"status":%q,"integrationRequestId":%q}`,
		request, conn, event, route, status, lambda)
	return LogEvent{Group: AccessGroup, Stream: "access", Time: at, Message: msg}
}

// Request is a request's lines: its access line in TraceableFormat, an
// execution line, and its handler's START, own lines and REPORT (lambda
// is the handler's request id, a UUID).
func Request(at time.Time, conn, request, lambda, event, route, status string, handler ...string) []LogEvent {
	fn := RouterGroup
	if strings.HasPrefix(route, "$connect") {
		fn = ConnectGroup
	}
	ms := func(n int) time.Time { return at.Add(time.Duration(n) * time.Millisecond) }
	out := []LogEvent{
		{Group: ExecutionGroup, Stream: "exec", Time: ms(0), Message: fmt.Sprintf("(%s) Received request. Route: %s", request, route)},
		{Group: fn, Stream: "2026/11/22/[$LATEST]abc", Time: ms(1), Message: "START RequestId: " + lambda + " Version: $LATEST"},
	}
	for i, h := range handler {
		out = append(out, LogEvent{Group: fn, Stream: "2026/11/22/[$LATEST]abc", Time: ms(2 + i),
			Message: ms(2+i).UTC().Format("2006-01-02T15:04:05.000Z") + "\t" + lambda + "\tINFO\t" + h})
	}
	n := 2 + len(handler)
	out = append(out,
		LogEvent{Group: fn, Stream: "2026/11/22/[$LATEST]abc", Time: ms(n), Message: "END RequestId: " + lambda},
		LogEvent{Group: fn, Stream: "2026/11/22/[$LATEST]abc", Time: ms(n + 1), Message: "REPORT RequestId: " + lambda + "\tDuration: " + strconv.Itoa(3+n) + ".21 ms\tBilled Duration: 10 ms"},
		AccessLine(ms(n+2), conn, request, lambda, event, route, status))
	return out
}

// LogTraffic is an hour of the fixture fleet's requests in the API's logs:
// connects, a heartbeat, a subscription that failed with 502 and one
// whose handler logged the client's token in its query string (which no
// screen may show).
func LogTraffic() []LogEvent {
	token := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZXJjaGFudC0wMDAyIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
	var out []LogEvent
	for i, r := range []struct {
		ago                        time.Duration
		conn, event, route, status string
		said                       string
	}{
		{30 * time.Minute, "Conn00000000006=", "CONNECT", "$connect", "200", "connected merchant-0002 ?token=" + token + "&platform=android"},
		{20 * time.Minute, "Conn00000000001=", "CONNECT", "$connect", "200", "connected driver-0001"},
		{10 * time.Minute, "Conn00000000006=", "MESSAGE", "subscribe_order", "502", "subscribe failed: ResourceNotFoundException"},
		{5 * time.Minute, "Conn00000000001=", "MESSAGE", "heartbeat", "200", "heartbeat_ack"},
		{time.Minute, "Conn00000000005=", "MESSAGE", "subscribe_business_status", "200", "subscribed business_status#b1"},
	} {
		lambda := fmt.Sprintf("%08x-7b7d-4b1e-9d8e-%012x", i+1, i+1)
		out = append(out, Request(Now.Add(-r.ago), r.conn, fmt.Sprintf("Req%011d=", i+1), lambda, r.event, r.route, r.status, r.said)...)
	}
	return out
}

// BusyTraffic are lines n…n+count of a busy API's logs: per request an
// execution line, the handler's START, one of its own lines and REPORT,
// and the access line; one request in 20 failed with 502.
func BusyTraffic(n, count int) []logs.Line {
	out := make([]logs.Line, 0, count)
	t0 := Now.Add(-time.Hour)
	for i := n; i < n+count; i++ {
		req, line := i/5, i%5
		rid := fmt.Sprintf("Req%011d=", req)
		lam := fmt.Sprintf("%08x-7b7d-4b1e-9d8e-%012x", req, req)
		conn := fmt.Sprintf("Conn%011d=", req%3000)
		at := t0.Add(time.Duration(i) * 2 * time.Millisecond)
		status := "200"
		if req%20 == 0 {
			status = "502"
		}
		l := logs.Line{Time: at, Group: "/aws/lambda/wizz-ws-router", Stream: "2026/11/22/[$LATEST]0a1b2c3d", Kind: logs.KindHandler,
			RequestID: lam, EventID: "b" + strconv.Itoa(i)}
		switch line {
		case 0:
			l.Group, l.Stream, l.Kind, l.RequestID = "API-Gateway-Execution-Logs_a1b2c3d4e5/dev", "exec", logs.KindExecution, rid
			l.Message = "(" + rid + ") Method request body before transformations: {\"action\":\"heartbeat\",\"data\":{\"orderId\":\"o-" + strconv.Itoa(req) + "\"}}"
		case 1:
			l.Message = "START RequestId: " + lam + " Version: $LATEST"
		case 2:
			l.Message = at.Format("2006-01-02T15:04:05.000Z") + "\t" + lam + "\tINFO\theartbeat from " + conn + " user driver-" + strconv.Itoa(req%900)
		case 3:
			l.Message = "REPORT RequestId: " + lam + "\tDuration: 3.21 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB"
		case 4:
			l.Group, l.Stream, l.Kind, l.RequestID = "/aws/apigateway/WizzUser-dev", "access", logs.KindAccess, rid
			l.ConnectionID, l.IntegrationRequestID, l.Route, l.Status, l.EventType = conn, lam, "heartbeat", status, "MESSAGE"
			l.Message = `{"requestId":"` + rid + `","connectionId":"` + conn + `","eventType":"MESSAGE","routeKey":"heartbeat","status":"` + status +
				`","integrationRequestId":"` + lam + `","requestTime":"` + at.Format(time.RFC3339) + `"}`
		}
		out = append(out, l)
	}
	return out
}
