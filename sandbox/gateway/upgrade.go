package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// serveUpgrade runs $connect for a WebSocket handshake and, when the backend
// accepts, upgrades the connection. A rejection is answered without upgrading.
func (g *Gateway) serveUpgrade(w http.ResponseWriter, r *http.Request) {
	if !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket") {
		g.observe(Event{Kind: KindHandshake, Outcome: ClientError})
		writeJSON(w, http.StatusUpgradeRequired, `{"message":"Upgrade Required"}`)
		return
	}
	if !validHandshake(r) {
		// A malformed handshake never reaches $connect.
		g.observe(Event{Kind: KindHandshake, Outcome: ClientError})
		writeJSON(w, http.StatusBadRequest, `{"message":"Bad Request"}`)
		return
	}
	if !g.admit() {
		writeJSON(w, http.StatusServiceUnavailable, `{"message":"Service Unavailable"}`)
		return
	}
	info := Conn{
		ID:          g.newConnID(),
		Stage:       g.opts.Stage,
		Query:       r.URL.Query(),
		RawQuery:    r.URL.RawQuery,
		Header:      r.Header.Clone(),
		SourceIP:    sourceIP(r.RemoteAddr),
		UserAgent:   r.UserAgent(),
		ConnectedAt: g.now().UTC().Truncate(time.Millisecond),
	}
	// $connect ends with the request, its timeout, or the gateway's closing.
	ctx, cancel := context.WithTimeout(r.Context(), g.opts.IntegrationTimeout)
	stop := context.AfterFunc(g.ctx, cancel)
	req := g.newRequest(EventConnect, RouteConnect, &info)
	g.integrating(req)
	began := time.Now()
	auth, err := g.backend.Connect(ctx, info)
	if req != nil {
		req.integrated(ctx, began, err, nil)
		req.Auth = auth
	}
	g.observeSince(KindConnect, connectOutcome(ctx, err), began)
	stop()
	cancel()
	if err != nil {
		g.release()
		if req != nil {
			status, message := connectStatus(req)
			g.done(req, status, message)
		}
		g.reject(w, info.ID, err)
		return
	}
	info.Auth = auth

	c := newConn(g, info)
	// Registered before the 101 goes out, so a client that sees its
	// handshake succeed can be reached at once; frames and closes wait for
	// the socket (c.ready).
	if !g.register(c) {
		g.done(req, http.StatusServiceUnavailable, "Service Unavailable")
		g.disconnect(c) // $connect succeeded: its records must not outlive the refusal
		g.release()
		writeJSON(w, http.StatusServiceUnavailable, `{"message":"Service Unavailable"}`)
		return
	}
	// Logged before the 101 goes out, as metrics are observed.
	g.done(req, http.StatusOK, "")
	c.start()
	ws, err := websocket.Accept(&hijackHook{ResponseWriter: w, guard: c.guard}, r, &websocket.AcceptOptions{
		InsecureSkipVerify: true, // any origin, as API Gateway
	})
	if err != nil {
		// Accept has answered the client. $connect succeeded, so the
		// integration hears of the end of the connection as usual.
		g.log.Debug("upgrade failed", "connection", info.ID, "err", err)
		c.abandon()
		return
	}
	ws.SetReadLimit(MaxMessageSize)
	c.ws = ws
	close(c.ready)
	g.log.Debug("connected", "connection", info.ID, "source_ip", info.SourceIP)
	// The HTTP handler returns now, releasing the server's per-request
	// memory; the connection lives on in its own goroutine.
	go c.run()
}

// reject answers a failed $connect: a *Rejection chooses status and body,
// anything else is a 500, as API Gateway answers a failing integration.
func (g *Gateway) reject(w http.ResponseWriter, id string, err error) {
	var rejection *Rejection
	if !errors.As(err, &rejection) || rejection.Status < 400 || rejection.Status > 599 {
		g.log.Debug("$connect failed", "connection", id, "err", err)
		writeJSON(w, http.StatusInternalServerError, `{"message": "Internal server error"}`)
		return
	}
	g.log.Debug("$connect rejected", "connection", id, "status", rejection.Status)
	if json.Valid([]byte(rejection.Body)) {
		writeJSON(w, rejection.Status, rejection.Body)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(rejection.Status)
	_, _ = w.Write([]byte(rejection.Body))
}

// connectOutcome classifies $connect's result as API Gateway's metrics do:
// a rejection with a 4xx is the client's error, one that runs out of the
// integration timeout an execution error, any other failure the integration's.
func connectOutcome(ctx context.Context, err error) Outcome {
	var rejection *Rejection
	switch {
	case err == nil:
		return OK
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return ExecutionError
	case errors.As(err, &rejection) && rejection.Status >= 400 && rejection.Status < 500:
		return ClientError
	}
	return IntegrationError
}

// sourceIP is the address the TCP connection came from. Forwarding headers
// are not honoured: API Gateway reports the peer it sees.
func sourceIP(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// validHandshake checks what websocket.Accept would refuse, so that $connect
// runs only for handshakes that can succeed.
func validHandshake(r *http.Request) bool {
	keys := r.Header.Values("Sec-WebSocket-Key")
	if !r.ProtoAtLeast(1, 1) || r.Header.Get("Sec-WebSocket-Version") != "13" || len(keys) != 1 {
		return false
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(keys[0]))
	return err == nil && len(key) == 16
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, value := range h.Values(name) {
		for part := range strings.SplitSeq(value, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
