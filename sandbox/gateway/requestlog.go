package gateway

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// RequestLog hears of every request the stage serves as API Gateway's logs
// record them: a $connect (accepted or refused), each client message
// (routed, unroutable or over a size limit) and each $disconnect that was
// delivered. Management API calls are not requests of the stage's routes:
// API Gateway writes no access or execution lines for them, and neither
// does the gateway call a RequestLog for them. sandbox/stagelog writes the
// access, execution and Lambda logs from these calls.
//
// Both methods run on the gateway's hot paths, from many goroutines at
// once: they must be safe for concurrent use and never block for long.
// They are called in order for one request (Integrating, if an integration
// runs, then Done), from the same goroutine.
type RequestLog interface {
	// Integrating: r's integration (a Backend call) is about to run.
	Integrating(r *Request)
	// Done: r has been answered.
	Done(r *Request)
}

// The event types of requests ($context.eventType).
const (
	EventConnect    = "CONNECT"
	EventMessage    = "MESSAGE"
	EventDisconnect = "DISCONNECT"
)

// Request is one request of the stage, as its logs describe it.
type Request struct {
	// ID is $context.requestId: 16 characters of URL-safe base64, as
	// API Gateway's WebSocket request ids.
	ID string
	// EventType is CONNECT, MESSAGE or DISCONNECT.
	EventType string
	// RouteKey is the route selected; "" when none was (an unroutable or
	// oversized message).
	RouteKey string
	// Conn is the connection (its Auth is unset during $connect).
	Conn *Conn
	// Received is when the request arrived ($context.requestTime).
	Received time.Time

	// IntegrationRequestID is the Lambda's request id
	// ($context.awsEndpointRequestId, a UUID); set when an integration runs.
	IntegrationRequestID string

	// Set before Done:

	// Status is the request's status ($context.status).
	Status int
	// Error is API Gateway's error message ($context.error.message); "" when none.
	Error string
	// Integrated: an integration ran, for Integration.
	Integrated  bool
	Integration time.Duration
	// TimedOut: the integration ran out of the integration timeout.
	TimedOut bool
	// Err is the integration's error, Reply a two-way route's reply, Auth
	// what $connect returned.
	Err   error
	Reply []byte
	Auth  any

	// State is the RequestLog's own, from Integrating to Done. The
	// RequestLog must not keep r after Done.
	State any
}

// newRequest starts the log record of a request on c, or returns nil when
// no RequestLog is configured.
func (g *Gateway) newRequest(eventType, route string, c *Conn) *Request {
	if g.opts.RequestLog == nil {
		return nil
	}
	return &Request{ID: g.rand.shortID(), EventType: eventType, RouteKey: route, Conn: c, Received: g.now().UTC()}
}

// integrating tells the RequestLog that r's integration is about to run.
func (g *Gateway) integrating(r *Request) {
	if r == nil {
		return
	}
	r.IntegrationRequestID = g.rand.uuid()
	g.opts.RequestLog.Integrating(r)
}

// done tells the RequestLog that r was answered with status (and
// errMessage, "" when none).
func (g *Gateway) done(r *Request, status int, errMessage string) {
	if r == nil {
		return
	}
	r.Status, r.Error = status, errMessage
	g.opts.RequestLog.Done(r)
}

// requestID is r's id, or a fresh one when r is nil (not logging): the
// requestId of an error frame.
func (g *Gateway) requestID(r *Request) string {
	if r != nil {
		return r.ID
	}
	return g.rand.shortID()
}

// integrated records an integration's result on r (nil: not logging).
func (r *Request) integrated(ctx context.Context, began time.Time, err error, reply []byte) {
	if r == nil {
		return
	}
	r.Integrated, r.Integration = true, time.Since(began)
	r.TimedOut = err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded)
	r.Err, r.Reply = err, reply
}

// connectStatus is the status and error message of a $connect's answer.
func connectStatus(r *Request) (int, string) {
	var rejection *Rejection
	switch {
	case r.Err == nil:
		return http.StatusOK, ""
	case r.TimedOut:
		return http.StatusGatewayTimeout, "Endpoint request timed out"
	case errors.As(r.Err, &rejection) && rejection.Status >= 400 && rejection.Status <= 599:
		return rejection.Status, http.StatusText(rejection.Status)
	}
	return http.StatusInternalServerError, "Internal server error"
}

// messageStatus is the status and error message of a routed message's answer.
func messageStatus(r *Request) (int, string) {
	switch {
	case r.Err == nil:
		return http.StatusOK, ""
	case r.TimedOut:
		return http.StatusGatewayTimeout, "Endpoint request timed out"
	}
	return http.StatusInternalServerError, "Internal server error"
}
