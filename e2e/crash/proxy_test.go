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
)

// call is one request wsops sent through a counting proxy.
type call struct {
	Method string
	// Op is the management API's connection id (its path's last element)
	// or DynamoDB's operation (X-Amz-Target without its version).
	Op     string
	Target string // the connection id, for management calls
	Status int    // 0 until the answer is back
	At     time.Time
}

// countingProxy stands between wsops and one endpoint of the sandbox and
// records every request: an independent witness of which calls a run made,
// and when (a killed process cannot hide a request it sent). The Host
// header is passed on unchanged, so SigV4 signatures still verify.
type countingProxy struct {
	srv       *httptest.Server
	transport *http.Transport
	mutation  func(call) bool

	mu    sync.Mutex
	calls []call
	// before, when set, sees every mutating call before it is forwarded:
	// what is on disk at that instant is what the run had made durable
	// before its call.
	before func(call)
	// hold delays every mutating call that long before it is forwarded (a
	// table far away), so that a kill can land among the writes.
	hold time.Duration
}

func startProxy(t *testing.T, target string, mutation func(call) bool) *countingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("proxy target %q: %v", target, err)
	}
	p := &countingProxy{transport: &http.Transport{MaxIdleConnsPerHost: 64}, mutation: mutation}
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
		// Recorded on arrival: a call counts once it reached the proxy, even
		// if a kill cuts its answer short.
		p.mu.Lock()
		before, hold := p.before, p.hold
		i := len(p.calls)
		p.calls = append(p.calls, c)
		p.mu.Unlock()
		if p.mutation(c) && hold > 0 {
			time.Sleep(hold) // the emulated distance, not a synchronisation
		}
		if before != nil && p.mutation(c) {
			before(c)
		}
		sw := &statusWriter{ResponseWriter: rw, status: http.StatusOK}
		rp.ServeHTTP(sw, req)
		p.mu.Lock()
		p.calls[i].Status = sw.status
		p.mu.Unlock()
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
func (p *countingProxy) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}

func (p *countingProxy) callsSince(mark int) []call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]call(nil), p.calls[mark:]...)
}

// watch sets (nil: clears) the hook that sees each mutating call before it is forwarded.
func (p *countingProxy) watch(before func(call)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.before = before
}

// holdWrites delays every later mutating call by d (0: none).
func (p *countingProxy) holdWrites(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hold = d
}

// mutationsSince counts the mutating calls recorded after mark.
func (p *countingProxy) mutationsSince(mark int) int {
	n := 0
	for _, c := range p.callsSince(mark) {
		if p.mutation(c) {
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
