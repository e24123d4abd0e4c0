// Package logs reads a WebSocket API's logs from CloudWatch Logs and joins
// them: the stage's access log (one line per request, with the connection
// id), the execution log (lines prefixed "(requestId)") and each route
// handler's Lambda log (START/END/REPORT RequestId and the handler's own
// lines). A connection's trail is its access lines, then the execution
// and handler lines of their requests, in time order, grouped per request.
//
// Every message is scrubbed of token-looking values (secret.Scrub) as it is
// read, so no output can show one; callers still sanitize for terminals.
package logs

import (
	"errors"
	"time"
)

// Kind is which log a line comes from.
type Kind string

// The kinds of lines.
const (
	KindAccess    Kind = "access"
	KindExecution Kind = "execution"
	KindHandler   Kind = "handler"
)

// Line is one log event, parsed.
type Line struct {
	Time   time.Time `json:"time"`
	Group  string    `json:"group"`
	Stream string    `json:"stream"`
	Kind   Kind      `json:"kind"`
	// RequestID is API Gateway's request id (access, execution) or the
	// Lambda request id (handler lines).
	RequestID    string `json:"request_id"`
	ConnectionID string `json:"connection_id"`
	Route        string `json:"route"`
	Status       string `json:"status"`
	// EventType is CONNECT, MESSAGE or DISCONNECT (access lines).
	EventType string `json:"event_type,omitempty"`
	// IntegrationRequestID is the Lambda request id an access line names
	// ($context.awsEndpointRequestId), which joins it to handler lines.
	IntegrationRequestID string `json:"integration_request_id,omitempty"`
	Message              string `json:"message"`
	// EventID is CloudWatch Logs' id of the event, for de-duplication.
	EventID string `json:"-"`
}

// joinTo gives l, an execution or handler line of the request of access
// line a, that request's connection, route and status.
func (l *Line) joinTo(a Line) {
	l.ConnectionID, l.Route, l.Status = a.ConnectionID, a.Route, a.Status
}

// Groups are where an API stage's logs are.
type Groups struct {
	// Access is the access log group ("" when the stage has none).
	Access string `json:"access"`
	// AccessFormat is the stage's access log format.
	AccessFormat string `json:"access_format,omitempty"`
	// Execution is API-Gateway-Execution-Logs_{apiId}/{stage}.
	Execution string `json:"execution"`
	// Handlers are /aws/lambda/{function} of the routes' functions.
	Handlers []string `json:"handlers"`
}

// All are every group, access first.
func (g Groups) All() []string {
	var all []string
	for _, name := range append([]string{g.Access, g.Execution}, g.Handlers...) {
		if name != "" {
			all = append(all, name)
		}
	}
	return all
}

// kindOf is the kind of lines group holds.
func (g Groups) kindOf(group string) Kind {
	switch group {
	case g.Access:
		return KindAccess
	case g.Execution:
		return KindExecution
	}
	return KindHandler
}

// ErrNoAccessLog is returned when a trail is asked of a stage without an
// access log.
var ErrNoAccessLog = errors.New("the stage has no access log: a connection's requests cannot be traced; set its access log (`wsops api` says how) or name the group in [profiles.NAME.logs]")
