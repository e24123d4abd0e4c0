package crash

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"wsops/internal/faultproxy"
)

// call is one request wsops sent through a counting proxy.
type call struct {
	Method string
	// Op is "connection" for the management API's calls on a connection,
	// DynamoDB's operation (X-Amz-Target without its version) or MongoDB's
	// command (the first key of its body).
	Op     string
	Target string // the connection id, for management calls
	Status int    // 0 until the answer is back
	At     time.Time
}

// callLog is what one counting proxy saw: every call wsops sent through
// it, and when — an independent witness of which calls a run made (a
// killed process cannot hide a request it sent).
type callLog struct {
	mutation func(call) bool

	mu    sync.Mutex
	calls []call
	// before, when set, sees every mutating call before it is forwarded:
	// what is on disk at that instant is what the run had made durable
	// before its call.
	before func(call)
	// hold delays every mutating call that long before it is forwarded (a
	// store far away), so that a kill can land among the writes.
	hold time.Duration
}

// arrive records c as it reaches the proxy, before it is forwarded: a call
// counts once it got there, even if a kill cuts its answer short. A
// mutating call is held, then shown to the watch hook. It returns the
// call's index, for answered.
func (l *callLog) arrive(c call) int {
	l.mu.Lock()
	before, hold := l.before, l.hold
	i := len(l.calls)
	l.calls = append(l.calls, c)
	l.mu.Unlock()
	if l.mutation(c) && hold > 0 {
		time.Sleep(hold) // the emulated distance, not a synchronisation
	}
	if before != nil && l.mutation(c) {
		before(c)
	}
	return i
}

// answered records the status of call i's answer.
func (l *callLog) answered(i, status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls[i].Status = status
}

// countingProxy stands between wsops and one HTTP endpoint of the sandbox
// (the management API, DynamoDB) and records every request in its
// callLog. The Host header is passed on unchanged, so SigV4 signatures
// still verify.
type countingProxy struct {
	*callLog
	srv       *httptest.Server
	transport *http.Transport
}

func startProxy(t *testing.T, target string, mutation func(call) bool) *countingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("proxy target %q: %v", target, err)
	}
	p := &countingProxy{callLog: &callLog{mutation: mutation}, transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(&url.URL{Scheme: u.Scheme, Host: u.Host})
			r.Out.Host = r.In.Host // the signed host
		},
		Transport: p.transport,
		// A killed client's request ends mid-way: expected, not news.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		c := call{Method: req.Method, At: time.Now()}
		if tgt := req.Header.Get("X-Amz-Target"); tgt != "" {
			_, c.Op, _ = strings.Cut(tgt, ".")
		} else if ep := req.URL.EscapedPath(); strings.Contains(ep, "/@connections/") {
			c.Op = "connection"
			c.Target, _ = url.PathUnescape(ep[strings.LastIndex(ep, "/@connections/")+len("/@connections/"):])
		} else if i := strings.LastIndex(req.URL.Path, "/@connections/"); i >= 0 {
			c.Op = "connection"
			c.Target = req.URL.Path[i+len("/@connections/"):]
		}
		i := p.arrive(c)
		sw := &statusWriter{ResponseWriter: rw, status: http.StatusOK}
		rp.ServeHTTP(sw, req)
		p.answered(i, sw.status)
	}))
	t.Cleanup(func() {
		p.srv.Close()
		p.transport.CloseIdleConnections()
	})
	return p
}

// URL is the proxy's base URL.
func (p *countingProxy) URL() string { return p.srv.URL }

// mark is the number of calls recorded so far; callsSince(mark) returns the later ones.
func (l *callLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.calls)
}

func (l *callLog) callsSince(mark int) []call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]call(nil), l.calls[mark:]...)
}

// watch sets (nil: clears) the hook that sees each mutating call before it is forwarded.
func (l *callLog) watch(before func(call)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.before = before
}

// holdWrites delays every later mutating call by d (0: none).
func (l *callLog) holdWrites(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hold = d
}

// mutationsSince counts the mutating calls recorded after mark.
func (l *callLog) mutationsSince(mark int) int {
	n := 0
	for _, c := range l.callsSince(mark) {
		if l.mutation(c) {
			n++
		}
	}
	return n
}

// managementMutation: PostToConnection and DeleteConnection change the
// world; GetConnection does not.
func managementMutation(c call) bool {
	return c.Method == http.MethodPost || c.Method == http.MethodDelete
}

// startWireCounter puts a faultproxy.Wire in front of the MongoDB server
// at upstream (host:port) and records every command wsops sends through
// it (Op: the command's name) in a callLog, which holds and watches the
// writes as the HTTP proxies do. It returns the log and the proxy's
// host:port.
func startWireCounter(t *testing.T, upstream string) (*callLog, string) {
	t.Helper()
	l := &callLog{mutation: mongoMutation}
	w := faultproxy.StartWire(t, upstream)
	w.Watch(func(command string) { l.arrive(call{Op: command, At: time.Now()}) })
	return l, w.Addr()
}

// mongoMutation: the MongoDB commands that write.
func mongoMutation(c call) bool {
	switch c.Op {
	case "insert", "update", "delete", "findAndModify":
		return true
	}
	return false
}

// dynamoMutation: the DynamoDB operations that write.
func dynamoMutation(c call) bool {
	switch c.Op {
	case "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems":
		return true
	}
	return false
}

// statusWriter remembers the status the proxied answer carried.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Flush lets streamed answers through.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
