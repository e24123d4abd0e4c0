// Package stagelog writes what a deployed WebSocket API logs into the
// sandbox's CloudWatch Logs (sandbox/cwlogs), from the gateway's requests
// (it is the gateway's RequestLog):
//
//   - the stage's access log (/aws/apigateway/{apiName}-access): one line
//     per request when it is answered, in the stage's format — requestId,
//     connectionId, eventType, routeKey, status, awsEndpointRequestId (the
//     Lambda's request id), requestTime, the client's ip and user agent,
//     errors, and on $connect the query string with the client's token, as
//     the reference systems' access logs carry it;
//   - the execution log (API-Gateway-Execution-Logs_{apiId}/{stage}): the
//     lines API Gateway writes at INFO, each "(requestId) …": the route,
//     the client connecting, the request sent to the Lambda, its response
//     and latency, the Lambda's request id, the method's status and errors;
//   - each route handler's Lambda log (/aws/lambda/{function}, the
//     functions the integrations name): START, the handler's own line
//     (connected, subscribed, toggled, heartbeat, the errors it answers
//     with, disconnected — read from what the handler returned), END and
//     REPORT with the integration's measured duration.
//
// Management API calls are not logged: API Gateway writes no access or
// execution lines for @connections calls. Streams are named as AWS names
// them: a Lambda's "2026/12/03/[$LATEST]" and 32 hex digits per execution
// environment (one is started when no idle one is warm, and one idle for
// 10 minutes is retired), the access and execution logs' 32 hex digits per
// day. Nothing here blocks for long: every write is an append to a
// bounded group.
package stagelog

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"wsops/sandbox/cwlogs"
	"wsops/sandbox/gateway"
)

// Options describe the API whose logs are written.
type Options struct {
	// Store receives the logs.
	Store *cwlogs.Store
	// APIID, Stage and Region name the API (the execution log group, the
	// Lambda ARNs of the execution lines).
	APIID, Stage, Region string
	// AccessGroup and AccessFormat are the stage's access log settings
	// (no access log when AccessGroup is "").
	AccessGroup, AccessFormat string
	// Functions are the Lambda functions behind the routes, by route key.
	Functions map[string]string
	// MemorySize is the Lambdas' memory in MB (default 1024, Serverless's).
	MemorySize int
	// Now is the clock of the handlers' own timestamps and of the streams'
	// dates (default time.Now).
	Now func() time.Time
}

// Log writes the stage's logs; it is a gateway.RequestLog.
type Log struct {
	o         Options
	store     *cwlogs.Store
	access    *accessFormat
	execution string               // the execution log group
	functions map[string]*function // by route key

	execStreams, accessStreams dayStreams
}

var _ gateway.RequestLog = (*Log)(nil)

// New creates the API's log groups in o.Store (a Serverless deployment
// creates its functions' groups and the access log's; API Gateway its
// execution log's) and returns the Log that writes them.
func New(o Options) *Log {
	o.MemorySize = cmp.Or(o.MemorySize, 1024)
	if o.Now == nil {
		o.Now = time.Now
	}
	l := &Log{o: o, store: o.Store, execution: "API-Gateway-Execution-Logs_" + o.APIID + "/" + o.Stage, functions: map[string]*function{}}
	l.execStreams.seed = "execution\x00" + o.APIID + "\x00" + o.Stage
	l.accessStreams.seed = "access\x00" + o.APIID + "\x00" + o.Stage
	if o.AccessGroup != "" {
		l.access = parseAccessFormat(o.AccessFormat)
		l.store.CreateGroup(o.AccessGroup)
	}
	l.store.CreateGroup(l.execution)
	routes := make([]string, 0, len(o.Functions))
	for route := range o.Functions {
		routes = append(routes, route)
	}
	sort.Strings(routes)
	for _, route := range routes {
		fn := newFunction(o.Functions[route], o.Region)
		l.functions[route] = fn
		l.store.CreateGroup(fn.group)
	}
	return l
}

// invocation is a request's Lambda invocation, from Integrating to Done.
type invocation struct {
	fn  *function
	env *environment
}

// Integrating writes the lines written before the integration runs: the
// execution log's route and request to the Lambda, the Lambda's START.
func (l *Log) Integrating(r *gateway.Request) {
	exec := l.executionStream(r.Received)
	l.store.Put(l.execution, exec, l.exec(r, "WebSocket Request Route: [%s]", r.RouteKey))
	if r.EventType == gateway.EventConnect {
		l.store.Put(l.execution, exec, l.exec(r, "Client [UserAgent: %s, SourceIp: %s] is connecting to WebSocket API [%s].",
			orNull(r.Conn.UserAgent), r.Conn.SourceIP, l.o.APIID))
	}
	fn := l.functions[r.RouteKey]
	if fn == nil {
		return
	}
	l.store.Put(l.execution, exec, l.exec(r, "Sending request to https://lambda.%s.amazonaws.com/2015-03-31/functions/%s/invocations", l.o.Region, fn.arn))
	env := fn.acquire(l.o.Now())
	r.State = &invocation{fn: fn, env: env}
	l.store.Put(fn.group, env.stream, "START RequestId: "+r.IntegrationRequestID+" Version: $LATEST")
}

// Done writes the lines written once the request is answered: the
// handler's own lines, END and REPORT; the execution log's response,
// status and errors; the access line.
func (l *Log) Done(r *gateway.Request) {
	exec := l.executionStream(r.Received)
	if inv, ok := r.State.(*invocation); ok {
		now := l.o.Now()
		for _, line := range handlerLines(r, now) {
			l.store.Put(inv.fn.group, inv.env.stream, line)
		}
		l.store.Put(inv.fn.group, inv.env.stream, "END RequestId: "+r.IntegrationRequestID)
		l.store.Put(inv.fn.group, inv.env.stream, report(r, l.o.MemorySize, inv.env))
		inv.fn.release(inv.env, now)
		r.State = nil
	}
	switch {
	case r.Integrated && r.TimedOut:
		l.store.Put(l.execution, exec, l.exec(r, "Execution failed due to a timeout error"))
	case r.Integrated:
		l.store.Put(l.execution, exec, l.exec(r, "Received response. Status: %d, Integration latency: %d ms", lambdaStatus(r), r.Integration.Milliseconds()))
		if r.Err != nil && !isRejection(r.Err) {
			l.store.Put(l.execution, exec, l.exec(r, "Lambda execution failed with status 200 due to customer function error: %s.", oneLine(r.Err.Error())))
		}
		l.store.Put(l.execution, exec, l.exec(r, "AWS Integration Endpoint RequestId : %s", r.IntegrationRequestID))
	case r.Error != "":
		l.store.Put(l.execution, exec, l.exec(r, "Execution failed: %s", r.Error))
	}
	l.store.Put(l.execution, exec, l.exec(r, "Method completed with status: %d", r.Status))
	if l.access != nil {
		l.store.Put(l.o.AccessGroup, l.accessStream(r.Received), l.access.render(l.vars(r)))
	}
}

// exec is an execution line of r: "(requestId) message".
func (l *Log) exec(r *gateway.Request, format string, args ...any) string {
	return "(" + r.ID + ") " + fmt.Sprintf(format, args...)
}

// executionStream names the day's stream of the execution log.
func (l *Log) executionStream(t time.Time) string { return l.execStreams.of(t) }

// accessStream names the day's stream of the access log.
func (l *Log) accessStream(t time.Time) string { return l.accessStreams.of(t) }

// dayStreams name a log's stream of each day: 32 hex digits, as API
// Gateway names them; the day's name is kept.
type dayStreams struct {
	seed string
	last atomic.Pointer[dayStream]
}

type dayStream struct {
	day  int64 // days since the epoch
	name string
}

func (d *dayStreams) of(t time.Time) string {
	day := t.Unix() / 86400
	if s := d.last.Load(); s != nil && s.day == day {
		return s.name
	}
	sum := sha256.Sum256([]byte(d.seed + "\x00" + t.UTC().Format(time.DateOnly)))
	s := &dayStream{day: day, name: hex.EncodeToString(sum[:16])}
	d.last.Store(s)
	return s.name
}

// lambdaStatus is the status the Lambda's invoke answered: 200, unless the
// $connect handler chose another.
func lambdaStatus(r *gateway.Request) int {
	if r.EventType == gateway.EventConnect && r.Status != 0 && isRejection(r.Err) {
		return r.Status
	}
	return 200
}

func isRejection(err error) bool {
	_, ok := err.(*gateway.Rejection)
	return ok
}

// vars are the $context variables of r's access line.
func (l *Log) vars(r *gateway.Request) func(string) string {
	return func(name string) string {
		switch name {
		case "requestId", "extendedRequestId":
			return r.ID
		case "apiId":
			return l.o.APIID
		case "stage":
			return l.o.Stage
		case "connectionId":
			return r.Conn.ID
		case "connectedAt":
			return strconv.FormatInt(r.Conn.ConnectedAt.UnixMilli(), 10)
		case "eventType":
			return r.EventType
		case "routeKey":
			return r.RouteKey
		case "status":
			return strconv.Itoa(r.Status)
		case "awsEndpointRequestId", "integration.requestId":
			if r.Integrated {
				return r.IntegrationRequestID
			}
		case "requestTime":
			return r.Received.UTC().Format("02/Jan/2006:15:04:05 -0700")
		case "requestTimeEpoch":
			return strconv.FormatInt(r.Received.UnixMilli(), 10)
		case "identity.sourceIp":
			return r.Conn.SourceIP
		case "identity.userAgent":
			return r.Conn.UserAgent
		case "error.message":
			return r.Error
		case "integrationErrorMessage", "integration.error":
			if r.Err != nil && !isRejection(r.Err) {
				return oneLine(r.Err.Error())
			}
		case "integrationLatency", "integration.latency":
			if r.Integrated {
				return strconv.FormatInt(r.Integration.Milliseconds(), 10)
			}
		case "integrationStatus", "integration.status":
			if r.Integrated {
				return strconv.Itoa(lambdaStatus(r))
			}
		case "requestOverride.querystring":
			if r.EventType == gateway.EventConnect {
				return r.Conn.RawQuery
			}
		}
		return ""
	}
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// oneLine keeps the first line of s.
func oneLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
