// Package faultproxy is a test helper: an HTTP proxy put in front of a
// DynamoDB endpoint or an API Gateway management API that injects the faults
// AWS services produce — throttling with AWS's exact error bodies, 5xx,
// latency, truncated bodies and reset connections — at chosen rates, drawn
// from a seeded generator so that a failing run can be replayed.
//
// The SDK clients under test are pointed at Proxy.URL instead of the real
// endpoint (a profile's dynamodb_url or management_url). It is imported by
// tests only.
package faultproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Service says which wire format the injected errors take.
type Service int

// Services a proxy can stand in front of.
const (
	// DynamoDB errors are JSON 1.0 bodies with a namespaced __type.
	DynamoDB Service = iota + 1
	// Management errors are API Gateway's: X-Amzn-ErrorType and {"message"}.
	Management
)

// Fault is one kind of trouble a request can meet.
type Fault string

// The faults. Every fault but Truncate and Latency answers without the request
// reaching the upstream; Truncate forwards it (its effect happens) and cuts
// the response short, so the client cannot know it succeeded.
const (
	// Throttle: DynamoDB 400 ProvisionedThroughputExceededException;
	// management API 429 LimitExceededException.
	Throttle Fault = "throttle"
	// Throttling: DynamoDB 400 ThrottlingException (the control-plane /
	// on-demand throttle); management API 429 TooManyRequestsException.
	Throttling Fault = "throttling"
	// ServerError: 500 InternalServerError or 503 ServiceUnavailable, alternately.
	ServerError Fault = "5xx"
	// Latency: the request is held Options.Latency before it is forwarded.
	Latency Fault = "latency"
	// Truncate: the upstream's response with its full Content-Length
	// declared, half its body sent, then the connection closed.
	Truncate Fault = "truncate"
	// Reset: the connection is reset (SO_LINGER 0) before any answer; the
	// request never reaches the upstream.
	Reset Fault = "reset"
)

// Faults lists every fault, in the order the reports use.
var Faults = []Fault{Throttle, Throttling, ServerError, Latency, Truncate, Reset}

// Options configure a Proxy.
type Options struct {
	// Upstream is the endpoint's base URL (scheme and host; a path is ignored).
	Upstream string
	// Service picks the wire format of injected errors.
	Service Service
	// Seed makes the fault sequence repeatable (0 is a valid seed).
	Seed uint64
	// Rates is each fault's probability per request (0..1); their sum must
	// not exceed 1.
	Rates map[Fault]float64
	// Latency is how long the Latency fault holds a request (default 50 ms).
	Latency time.Duration
}

// Proxy is a running fault-injecting proxy.
type Proxy struct {
	// URL is the proxy's base URL, to use in place of the upstream's.
	URL string

	upstream *url.URL
	service  Service
	latency  time.Duration
	srv      *httptest.Server
	client   *http.Client

	mu       sync.Mutex
	rnd      *rand.Rand
	rates    map[Fault]float64
	held     chan struct{} // non-nil while Hold is in effect: closed by Release
	heldN    int
	heldCond chan struct{} // closed and replaced whenever heldN grows
	injected map[Fault]int
	requests int
}

// Start runs a proxy for opts on a loopback port; tb.Cleanup stops it.
func Start(tb testing.TB, opts Options) *Proxy {
	tb.Helper()
	up, err := url.Parse(opts.Upstream)
	if err != nil || up.Host == "" {
		tb.Fatalf("faultproxy: upstream %q is not a URL", opts.Upstream)
	}
	if opts.Latency <= 0 {
		opts.Latency = 50 * time.Millisecond
	}
	p := &Proxy{
		upstream: up, service: opts.Service, latency: opts.Latency,
		rnd:      rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		injected: map[Fault]int{}, heldCond: make(chan struct{}),
	}
	if err := p.SetRates(opts.Rates); err != nil {
		tb.Fatal(err)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: 256}
	p.client = &http.Client{Transport: transport}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	p.URL = p.srv.URL
	tb.Cleanup(func() {
		p.Release()
		p.srv.CloseClientConnections()
		p.srv.Close()
		transport.CloseIdleConnections()
	})
	return p
}

// SetRates replaces the fault rates (nil: no faults).
func (p *Proxy) SetRates(rates map[Fault]float64) error {
	sum := 0.0
	for f, r := range rates {
		if r < 0 || r > 1 {
			return fmt.Errorf("faultproxy: rate of %s is %v, want 0..1", f, r)
		}
		sum += r
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("faultproxy: rates sum to %v, more than 1", sum)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rates = map[Fault]float64{}
	for f, r := range rates {
		p.rates[f] = r
	}
	return nil
}

// Hold makes every request wait, before anything else happens to it, until
// Release: the network as seen by the client is stalled.
func (p *Proxy) Hold() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held == nil {
		p.held = make(chan struct{})
	}
}

// Release lets held requests (and later ones) through.
func (p *Proxy) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held != nil {
		close(p.held)
		p.held = nil
	}
}

// WaitHeld waits until at least n requests are being held, or ctx ends.
func (p *Proxy) WaitHeld(ctx context.Context, n int) error {
	for {
		p.mu.Lock()
		got, changed := p.heldN, p.heldCond
		p.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("faultproxy: %d requests held, waited for %d: %w", got, n, ctx.Err())
		}
	}
}

// Injected counts the faults injected so far, by fault.
func (p *Proxy) Injected() map[Fault]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[Fault]int, len(p.injected))
	for f, n := range p.injected {
		out[f] = n
	}
	return out
}

// Requests counts the requests the proxy received.
func (p *Proxy) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests
}

// Summary describes the injections, e.g. "412 requests: throttle 80, 5xx 3".
func (p *Proxy) Summary() string {
	inj := p.Injected()
	names := make([]string, 0, len(inj))
	for f := range inj {
		names = append(names, string(f))
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests", p.Requests())
	for i, f := range names {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%s %d", sep, f, inj[Fault(f)])
	}
	return b.String()
}

// pick draws the fault for one request ("" for none) and counts it.
func (p *Proxy) pick() (Fault, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests++
	held := p.held
	if held != nil {
		p.heldN++
		close(p.heldCond)
		p.heldCond = make(chan struct{})
	}
	x := p.rnd.Float64()
	for _, f := range Faults {
		r := p.rates[f]
		if x < r {
			p.injected[f]++
			return f, held
		}
		x -= r
	}
	return "", held
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	fault, held := p.pick()
	if held != nil {
		select {
		case <-held:
		case <-r.Context().Done():
			return
		}
	}
	switch fault {
	case Throttle, Throttling, ServerError:
		p.writeError(w, fault)
		return
	case Reset:
		reset(w)
		return
	case Latency:
		timer := time.NewTimer(p.latency)
		select {
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
			return
		}
	}
	resp, body, err := p.forward(r)
	if err != nil {
		http.Error(w, "faultproxy: upstream: "+err.Error(), http.StatusBadGateway)
		return
	}
	if fault == Truncate {
		truncate(w, resp, body)
		return
	}
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

// forward sends r to the upstream unchanged (path, query, headers, body; the
// SigV4 signature stays valid because Host is kept) and reads the answer.
func (p *Proxy) forward(r *http.Request) (*http.Response, []byte, error) {
	in, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, nil, err
	}
	u := *r.URL
	u.Scheme, u.Host = p.upstream.Scheme, p.upstream.Host
	out, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader(in))
	if err != nil {
		return nil, nil, err
	}
	out.Header = r.Header.Clone()
	out.Host = r.Host
	resp, err := p.client.Do(out)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// writeError answers as the service does when it throttles or fails.
func (p *Proxy) writeError(w http.ResponseWriter, fault Fault) {
	status, name, message := http.StatusBadRequest, "", ""
	p.mu.Lock()
	odd := p.injected[ServerError]%2 == 1
	p.mu.Unlock()
	switch {
	case fault == ServerError && odd:
		status, name, message = http.StatusInternalServerError, "InternalServerError", "Internal server error"
	case fault == ServerError:
		status, name, message = http.StatusServiceUnavailable, "ServiceUnavailable", "Service unavailable"
	case p.service == DynamoDB && fault == Throttle:
		name = "ProvisionedThroughputExceededException"
		message = "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."
	case p.service == DynamoDB:
		name, message = "ThrottlingException", "Rate of requests exceeds the allowed throughput."
	case fault == Throttle:
		status, name, message = http.StatusTooManyRequests, "LimitExceededException", "Rate exceeded"
	default:
		status, name, message = http.StatusTooManyRequests, "TooManyRequestsException", "Too Many Requests"
	}
	w.Header().Set("X-Amzn-RequestId", fmt.Sprintf("faultproxy-%d", p.Requests()))
	if p.service == DynamoDB {
		if fault == ServerError && !odd {
			name = "ServiceUnavailableException"
		}
		ns := "com.amazonaws.dynamodb.v20120810#"
		if name == "ThrottlingException" {
			ns = "com.amazon.coral.availability#"
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, ns+name, message)
		return
	}
	if fault == ServerError {
		name = "InternalServerErrorException"
	}
	w.Header().Set("X-Amzn-ErrorType", name)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"message":%q}`, message)
}

// truncate writes resp's status and headers with its full Content-Length,
// half its body, and closes the connection.
func truncate(w http.ResponseWriter, resp *http.Response, body []byte) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", resp.StatusCode, http.StatusText(resp.StatusCode))
	h := resp.Header.Clone()
	h.Del("Transfer-Encoding")
	declared := max(len(body), 1) // an empty body is cut short too: one byte is promised
	h.Set("Content-Length", fmt.Sprint(declared))
	h.Set("Connection", "close")
	_ = h.Write(buf)
	_, _ = buf.WriteString("\r\n")
	_, _ = buf.Write(body[:len(body)/2])
	_ = buf.Flush()
}

// reset closes the client's connection with an RST instead of a FIN.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}
