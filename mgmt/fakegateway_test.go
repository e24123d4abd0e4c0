package mgmt

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// spellingServer is the one hand-written stand-in for the management API left
// in this package; everything else runs against the sandbox. It remains because
// the sandbox must spell every error one way (X-Amzn-ErrorType header and a
// {"__type","message"} body, so that every SDK types it), while AWS spells
// them several ways: a header alone (a post to a gone connection), a header
// with a ":namespace" suffix, a __type body alone, or nothing but the status.
// The client's mapping to sentinels must hold for all of them.
//
// It answers every call for an id in errorFor with that error in its style.
type spellingServer struct {
	t     testing.TB
	style errorStyle
}

// errorStyle is how the spellingServer spells an error response.
type errorStyle int

const (
	// headerOnly: X-Amzn-ErrorType header and an empty body (as AWS answers a post to a gone connection).
	headerOnly errorStyle = iota + 1
	// headerWithNamespace: the header value carries a ":<namespace URI>" suffix, as AWS services often send.
	headerWithNamespace
	// bodyOnly: only the {"__type","message"} body names the error.
	bodyOnly
	// statusOnly: nothing names the error; only the HTTP status tells.
	statusOnly
)

// awsError is one of the management API's typed errors.
type awsError struct {
	status  int
	code    string
	message string
}

// Ids the spellingServer fails, and how.
var errorFor = map[string]awsError{
	"Z29uZS1jb25uLTE=": {http.StatusGone, "GoneException", ""},
	"Zm9yYmlkZGVuLTE=": {http.StatusForbidden, "ForbiddenException", "Forbidden"},
	"dGhyb3R0bGVkLTE=": {http.StatusTooManyRequests, "LimitExceededException", "Rate exceeded"},
	"dG9vLWxhcmdlLTE=": {http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "Message too long"},
}

// newSpellingServer starts a spellingServer on stage dev and returns its
// management URL.
func newSpellingServer(t testing.TB, style errorStyle) string {
	s := &spellingServer{t: t, style: style}
	mux := http.NewServeMux()
	mux.HandleFunc("/dev/@connections/{id}", s.serve)
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	return server.URL + "/dev"
}

func (s *spellingServer) serve(w http.ResponseWriter, r *http.Request) {
	escaped := r.URL.EscapedPath()
	id, err := url.PathUnescape(escaped[strings.LastIndex(escaped, "/")+1:])
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if auth := r.Header.Get("Authorization"); !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") ||
		!strings.Contains(auth, "/us-east-1/execute-api/aws4_request") {
		s.t.Errorf("request for %s not SigV4-signed for execute-api in us-east-1: %q", id, auth)
	}
	_, _ = io.Copy(io.Discard, r.Body)
	e, ok := errorFor[id]
	if !ok {
		s.t.Errorf("unexpected %s %s", r.Method, escaped)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("X-Amzn-RequestId", "5f6c7e1a-0000-4000-8000-000000000000")
	w.Header().Set("Content-Type", "application/json")
	switch s.style {
	case headerOnly:
		w.Header().Set("X-Amzn-ErrorType", e.code)
		w.WriteHeader(e.status)
	case headerWithNamespace:
		w.Header().Set("X-Amzn-ErrorType", e.code+":http://internal.amazon.com/coral/com.amazonaws.apigatewaymanagementapi/")
		w.WriteHeader(e.status)
		_, _ = fmt.Fprintf(w, `{"message":%q}`, e.message)
	case bodyOnly:
		w.WriteHeader(e.status)
		_, _ = fmt.Fprintf(w, `{"__type":%q,"message":%q}`, e.code, e.message)
	case statusOnly:
		w.WriteHeader(e.status)
		_, _ = fmt.Fprintf(w, `{"message":%q}`, e.message)
	}
}
