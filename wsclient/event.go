package wsclient

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// State is where a Client's connection stands.
type State int

// The states a Client moves through.
const (
	// StateIdle: not started, or stopped by Close.
	StateIdle State = iota
	// StateConnecting: the upgrade is in flight.
	StateConnecting
	// StateOpen: the connection is up; Send works.
	StateOpen
	// StateWaiting: closed, waiting to reconnect (Event.Retry says how long).
	StateWaiting
	// StateClosed: closed and not reconnecting.
	StateClosed
)

func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateOpen:
		return "open"
	case StateWaiting:
		return "reconnecting"
	case StateClosed:
		return "closed"
	}
	return "idle"
}

// Direction says which way a frame went.
type Direction int

// Frame directions.
const (
	// In is a message the server sent.
	In Direction = iota
	// Out is a message this client sent.
	Out
)

// Arrow is the direction as wscat prints it: "<" in, ">" out.
func (d Direction) Arrow() string {
	if d == Out {
		return ">"
	}
	return "<"
}

// Kind says what an Event reports.
type Kind int

// Event kinds.
const (
	// KindState: the connection changed state (State, and for a close Close
	// or Rejected or Err; for StateWaiting, Retry and Attempt).
	KindState Kind = iota
	// KindFrame: a message went one way (Dir, Data, Binary).
	KindFrame
	// KindRTT: a ping was answered (RTT).
	KindRTT
	// KindError: something failed without closing the connection (a ping
	// that timed out, say).
	KindError
)

// Event is one thing that happened to a Client, in order, on its Events channel.
type Event struct {
	Kind Kind
	Time time.Time
	// Conn counts the connections this client made, from 1: events of a
	// reconnected session carry the next number.
	Conn int

	State    State
	Close    *CloseInfo // set when the server or the client closed an open connection
	Rejected *Rejection // set when the upgrade was refused
	Err      error      // why a connection ended or could not open (nil on a clean Close)
	Retry    time.Duration
	Attempt  int

	Dir    Direction
	Data   []byte
	Binary bool

	RTT time.Duration
}

// Size is the frame's payload size in bytes.
func (e Event) Size() int { return len(e.Data) }

// CloseInfo is the close code and reason of a connection that ended.
type CloseInfo struct {
	// Code is the WebSocket close code; -1 when the connection ended without
	// a close frame (a dropped TCP connection).
	Code int
	// Reason is the close frame's reason text.
	Reason string
	// ByClient is true when this client closed the connection (Disconnect).
	ByClient bool
}

// String is "1001 going away (idle timeout)"-like text: the code, its name
// and the reason.
func (c CloseInfo) String() string {
	if c.Code < 0 {
		return "connection lost without a close frame"
	}
	s := fmt.Sprintf("%d %s", c.Code, CodeName(c.Code))
	if c.Reason != "" {
		s += ": " + c.Reason
	}
	return s
}

// CodeName names a close code as RFC 6455 does.
func CodeName(code int) string {
	switch websocket.StatusCode(code) {
	case websocket.StatusNormalClosure:
		return "normal closure"
	case websocket.StatusGoingAway:
		return "going away"
	case websocket.StatusProtocolError:
		return "protocol error"
	case websocket.StatusUnsupportedData:
		return "unsupported data"
	case websocket.StatusNoStatusRcvd:
		return "no status"
	case websocket.StatusInvalidFramePayloadData:
		return "invalid payload"
	case websocket.StatusPolicyViolation:
		return "policy violation"
	case websocket.StatusMessageTooBig:
		return "message too big"
	case websocket.StatusInternalError:
		return "internal error"
	}
	return "close"
}

// Rejection is an upgrade the server answered with an HTTP status instead
// of 101: a failed authorizer or $connect (401, 403, 400, 500…).
type Rejection struct {
	Status int
	// Body is the start of the response body (the server's message).
	Body string
}

// Error is "rejected: 401 Unauthorized: {"message":"Unauthorized"}".
func (r *Rejection) Error() string {
	s := fmt.Sprintf("rejected: %d %s", r.Status, http.StatusText(r.Status))
	if body := strings.TrimSpace(r.Body); body != "" {
		s += ": " + body
	}
	return s
}
