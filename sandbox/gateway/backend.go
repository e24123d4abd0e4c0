// Package gateway emulates an API Gateway WebSocket API stage: WebSocket
// upgrades at /{stage}, route selection on $request.body.action, AWS's limits
// and timeouts, and the management API at /{stage}/@connections/{id}. What
// happens on $connect, $disconnect and each route is the Backend's business,
// as it is a Lambda integration's on AWS.
package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Route keys the gateway always knows.
const (
	RouteConnect    = "$connect"
	RouteDisconnect = "$disconnect"
	RouteDefault    = "$default"
)

// Conn is what an integration learns about a connection, as API Gateway's
// requestContext and the $connect request tell a Lambda.
type Conn struct {
	ID          string
	Stage       string
	Query       url.Values  // the upgrade request's query parameters
	RawQuery    string      // the upgrade request's query string, as sent
	Header      http.Header // the upgrade request's headers
	SourceIP    string
	UserAgent   string
	ConnectedAt time.Time
	// Auth is what the backend's Connect returned, handed back on every later
	// call for this connection (an authorizer's context, in AWS terms).
	Auth any
}

// Backend is the integration behind the gateway: the Lambdas of one preset.
type Backend interface {
	// Connect runs the $connect route. An error rejects the upgrade; a
	// *Rejection chooses the HTTP status and body (otherwise 500). The
	// returned value becomes Conn.Auth.
	Connect(ctx context.Context, c Conn) (auth any, err error)
	// Disconnect runs the $disconnect route, best effort, after the socket
	// closed for any reason.
	Disconnect(ctx context.Context, c Conn)
	// Routes are the route keys besides $connect/$disconnect, $default included
	// if the backend has one.
	Routes() []string
	// Handle runs a route for one message. A non-nil reply is sent back to the
	// client as one text frame (a two-way route's response).
	Handle(ctx context.Context, c Conn, route string, body []byte) (reply []byte, err error)
}

// Rejection is a Connect error that chooses the upgrade's HTTP response.
type Rejection struct {
	Status int
	Body   string
}

func (r *Rejection) Error() string { return fmt.Sprintf("rejected %d: %s", r.Status, r.Body) }
