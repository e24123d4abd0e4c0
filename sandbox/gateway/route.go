package gateway

import (
	"encoding/json"
	"strconv"
)

// Close reasons the gateway sends, as API Gateway does.
const (
	reasonGoingAway    = "Going away"
	reasonFrameTooBig  = "Frame too big"
	reasonMessageLimit = "Message too big"
)

// selectRoute evaluates the route selection expression $request.body.action:
// the message's top-level "action" (exact key, string value) when it names one
// of the backend's routes, else $default when the backend has one, else ""
// (no route: the client gets the Forbidden frame).
func (g *Gateway) selectRoute(body []byte) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) == nil {
		if raw, ok := fields["action"]; ok {
			var action string
			if json.Unmarshal(raw, &action) == nil && g.routes[action] {
				return action
			}
		}
	}
	if g.hasDefault {
		return RouteDefault
	}
	return ""
}

// errorFrame is the frame API Gateway sends a client when a message cannot be
// routed or its integration failed, byte for byte in AWS's layout:
// {"message": "Forbidden", "connectionId":"…", "requestId":"…"}.
func errorFrame(message, connectionID, requestID string) []byte {
	b := make([]byte, 0, 96+len(message))
	b = append(b, `{"message": `...)
	b = strconv.AppendQuote(b, message)
	b = append(b, `, "connectionId":`...)
	b = strconv.AppendQuote(b, connectionID)
	b = append(b, `, "requestId":`...)
	b = strconv.AppendQuote(b, requestID)
	return append(b, '}')
}
