package gateway

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/coder/websocket"

	"wsops/sandbox/awswire"
)

// awsTime is the ISO-8601 layout of the management API's timestamps.
const awsTime = "2006-01-02T15:04:05.000Z"

// connectionInfo is GetConnection's response body.
type connectionInfo struct {
	ConnectedAt  string   `json:"connectedAt"`
	Identity     identity `json:"identity"`
	LastActiveAt string   `json:"lastActiveAt"`
}

type identity struct {
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent,omitempty"`
}

// serveManagement answers the @connections API for the (unescaped) id:
// POST (PostToConnection), GET (GetConnection), DELETE (DeleteConnection).
func (g *Gateway) serveManagement(w http.ResponseWriter, r *http.Request, id string) {
	w.Header().Set("X-Amzn-RequestId", g.rand.uuid())
	// Posts observe their outcome in managementPost and post; the other
	// calls here. Every 4xx is the client's error.
	kind := KindManagement
	if r.Method == http.MethodPost {
		kind = KindPost
	}
	if !awswire.Signed(r) {
		// The management API is IAM-authorised: unsigned calls never reach it.
		g.observe(Event{Kind: kind, Outcome: ClientError})
		writeAWSError(w, http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
		return
	}
	if g.limiter != nil && !g.limiter.AllowN(g.now(), 1) {
		g.observe(Event{Kind: kind, Outcome: ClientError})
		writeAWSError(w, http.StatusTooManyRequests, "LimitExceededException", "Rate exceeded")
		return
	}
	switch r.Method {
	case http.MethodPost:
		g.managementPost(w, r, id)
	case http.MethodGet:
		c := g.lookup(id)
		if c == nil {
			g.observe(Event{Kind: kind, Outcome: ClientError})
			writeGone(w)
			return
		}
		g.observe(Event{Kind: kind})
		body, err := json.Marshal(connectionInfo{
			ConnectedAt:  c.info.ConnectedAt.UTC().Format(awsTime),
			Identity:     identity{SourceIP: c.info.SourceIP, UserAgent: c.info.UserAgent},
			LastActiveAt: c.lastActiveAt().Format(awsTime),
		})
		if err != nil {
			writeAWSError(w, http.StatusInternalServerError, "InternalServerErrorException", "Internal server error")
			return
		}
		writeJSON(w, http.StatusOK, string(body))
	case http.MethodDelete:
		c := g.lookup(id)
		if c == nil {
			g.observe(Event{Kind: kind, Outcome: ClientError})
			writeGone(w)
			return
		}
		g.observe(Event{Kind: kind})
		c.terminate(websocket.StatusNormalClosure, "", "DeleteConnection")
		w.WriteHeader(http.StatusNoContent)
	default:
		// API Gateway has no such method on @connections: its answer to
		// any unknown route is 403 Forbidden.
		g.observe(Event{Kind: kind, Outcome: ClientError})
		writeAWSError(w, http.StatusForbidden, "ForbiddenException", "Forbidden")
	}
}

func (g *Gateway) managementPost(w http.ResponseWriter, r *http.Request, id string) {
	payload, err := io.ReadAll(io.LimitReader(r.Body, MaxMessageSize+1))
	if err != nil {
		g.observe(Event{Kind: KindPost, Outcome: ClientError})
		writeAWSError(w, http.StatusBadRequest, "BadRequestException", "Could not read the request body")
		return
	}
	err = g.post(id, payload)
	switch {
	case errors.Is(err, ErrPayloadTooLarge):
		writeAWSError(w, http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "Message too long")
	case errors.Is(err, ErrGone):
		writeGone(w)
	case err != nil:
		writeAWSError(w, http.StatusInternalServerError, "InternalServerErrorException", "Internal server error")
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// writeGone answers 410 GoneException: no live connection has that id.
func writeGone(w http.ResponseWriter) {
	writeAWSError(w, http.StatusGone, "GoneException", "")
}

// writeAWSError writes an AWS JSON error: the X-Amzn-ErrorType header and a
// {"__type","message"} body, so that every SDK types the error.
func writeAWSError(w http.ResponseWriter, status int, name, message string) {
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{name, message})
	w.Header().Set("X-Amzn-ErrorType", name)
	writeJSON(w, status, string(body))
}

// writeForbiddenPath is API Gateway's answer to a path or method it has no
// route for: 403 {"message":"Forbidden"}, typed ForbiddenException.
func (g *Gateway) writeForbiddenPath(w http.ResponseWriter) {
	w.Header().Set("X-Amzn-RequestId", g.rand.uuid())
	w.Header().Set("X-Amzn-ErrorType", "ForbiddenException")
	writeJSON(w, http.StatusForbidden, `{"message":"Forbidden"}`)
}
