package gateway

import "time"

// Observer hears of every request the API answers, as API Gateway's
// CloudWatch metrics count them (sandbox/metrics turns the events into the
// AWS/ApiGateway metrics). Observe runs on the gateway's hot paths, from
// many goroutines at once: it must be safe for concurrent use, never block
// for long, and not keep the Event past the call.
type Observer interface {
	Observe(Event)
}

// Event is one request the API answered. It is observed before the one who
// asked hears the answer: the WebSocket client for $connect and its
// messages, the caller for management API calls (a client may read a posted
// frame a moment before its post is observed).
type Event struct {
	Kind    EventKind
	Outcome Outcome
	// Integrated: an integration (a Backend call) ran for the request, and
	// Integration is how long it took.
	Integrated  bool
	Integration time.Duration
}

// EventKind says what a request was.
type EventKind uint8

// The kinds of request.
const (
	// KindConnect is a WebSocket handshake that reached the $connect route,
	// accepted or not.
	KindConnect EventKind = iota + 1
	// KindHandshake is an upgrade request refused before $connect: not a
	// WebSocket handshake (426), or a malformed one (400).
	KindHandshake
	// KindMessage is a message from a client: routed, unroutable
	// (Forbidden) or over a size limit (closed with 1009).
	KindMessage
	// KindDisconnect is a $disconnect integration call.
	KindDisconnect
	// KindPost is a PostToConnection (management API POST, or Gateway.Post);
	// with OK it delivered a message to a client.
	KindPost
	// KindManagement is any other management API call: GetConnection,
	// DeleteConnection, or a method it has no route for.
	KindManagement
)

// Outcome is how a request ended.
type Outcome uint8

// The outcomes, as API Gateway's error metrics tell them apart.
const (
	// OK: answered without an error.
	OK Outcome = iota
	// ClientError: the API itself answered a 4xx (or closed the socket with
	// 1009) before or instead of calling the integration.
	ClientError
	// IntegrationError: the integration answered an error (a $connect that
	// failed with a 5xx, a route handler that returned an error).
	IntegrationError
	// ExecutionError: the integration could not be run to the end (it ran
	// out of the integration timeout).
	ExecutionError
)

// observe hands e to the configured Observer, if any.
func (g *Gateway) observe(e Event) {
	if g.opts.Observer != nil {
		g.opts.Observer.Observe(e)
	}
}

// observeSince observes an integrated request whose integration started at began.
func (g *Gateway) observeSince(kind EventKind, outcome Outcome, began time.Time) {
	if g.opts.Observer != nil {
		g.opts.Observer.Observe(Event{Kind: kind, Outcome: outcome, Integrated: true, Integration: time.Since(began)})
	}
}

// RouteKeys lists every route key the stage routes: $connect, $disconnect,
// then the backend's routes in the order Backend.Routes lists them.
func (g *Gateway) RouteKeys() []string { return RouteKeysOf(g.backend) }

// RouteKeysOf lists every route key a gateway of b routes (Gateway.RouteKeys).
func RouteKeysOf(b Backend) []string {
	keys := []string{RouteConnect, RouteDisconnect}
	for _, r := range b.Routes() {
		if r != RouteConnect && r != RouteDisconnect {
			keys = append(keys, r)
		}
	}
	return keys
}
