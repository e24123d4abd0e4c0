package gateway

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Environment of the memory measurement.
const (
	envBenchConns  = "WSOPS_BENCH_CONNS"          // connections to hold (TestHeldConnectionMemory runs only when set)
	envHelperURL   = "WSOPS_GATEWAY_HELPER_URL"   // set for the client process
	envHelperConns = "WSOPS_GATEWAY_HELPER_CONNS" // how many connections it opens
)

// nopBackend accepts everything and remembers nothing.
type nopBackend struct{}

func (nopBackend) Connect(context.Context, Conn) (any, error) { return nil, nil }
func (nopBackend) Disconnect(context.Context, Conn)           {}
func (nopBackend) Routes() []string                           { return []string{RouteDefault} }
func (nopBackend) Handle(context.Context, Conn, string, []byte) ([]byte, error) {
	return nil, nil
}

// TestHeldConnectionMemory measures the gateway's RSS per held connection,
// with the clients in another process (the open-file limit is per process):
//
//	WSOPS_BENCH_CONNS=10000 go test -run TestHeldConnectionMemory -v ./sandbox/gateway
func TestHeldConnectionMemory(t *testing.T) {
	k, _ := strconv.Atoi(os.Getenv(envBenchConns))
	if k <= 0 {
		t.Skip("set " + envBenchConns + "=N to measure memory per held connection")
	}
	perConn := measureHeldConnections(t, k)
	t.Logf("%d connections: %.1f KB RSS per connection", k, perConn/1024)
	if k >= 1000 && perConn > 30*1024 {
		t.Errorf("%.1f KB RSS per connection, target under 30 KB", perConn/1024)
	}
}

// BenchmarkHeldConnectionMemory reports bytes of RSS per held connection
// (WSOPS_BENCH_CONNS connections, default 500). One measurement per run:
//
//	go test -run '^$' -bench HeldConnectionMemory -benchtime 1x ./sandbox/gateway
func BenchmarkHeldConnectionMemory(b *testing.B) {
	k, _ := strconv.Atoi(os.Getenv(envBenchConns))
	if k <= 0 {
		k = 500
	}
	var perConn float64
	for range b.N {
		perConn = measureHeldConnections(b, k)
	}
	b.ReportMetric(perConn, "RSS-B/conn")
	b.ReportMetric(float64(k), "conns")
}

// measureHeldConnections serves a gateway on loopback, has a child process
// open k connections to it, and returns the RSS growth per connection.
func measureHeldConnections(tb testing.TB, k int) float64 {
	tb.Helper()
	g := New(Options{}, nopBackend{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	defer func() {
		_ = srv.Close()
		<-served
		_ = g.Close()
	}()

	before := settledRSS(tb)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperClients$", "-test.count=1")
	cmd.Env = append(os.Environ(), envHelperURL+"=ws://"+ln.Addr().String()+"/dev", envHelperConns+"="+strconv.Itoa(k))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	defer func() {
		stdin.Close()
		_ = cmd.Wait()
	}()
	lines := bufio.NewScanner(stdout)
	ready := false
	for !ready && lines.Scan() {
		ready = strings.TrimSpace(lines.Text()) == "ready"
	}
	if !ready {
		tb.Fatalf("client process did not get ready: %s", stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	deadline := time.Now().Add(time.Minute)
	for g.Count() < k {
		if time.Now().After(deadline) {
			tb.Fatalf("%d of %d connections registered", g.Count(), k)
		}
		time.Sleep(10 * time.Millisecond)
	}
	after := settledRSS(tb)
	return float64(after-before) / float64(k)
}

// settledRSS is the process's resident set, in bytes, after a full GC that
// returns freed memory to the OS.
func settledRSS(tb testing.TB) int64 {
	tb.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb * 1024
		}
	}
	tb.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// TestHelperClients is the client process of the memory measurement: it
// opens the connections, says "ready", and holds them until stdin closes.
func TestHelperClients(t *testing.T) {
	url := os.Getenv(envHelperURL)
	if url == "" {
		t.Skip("client process of the memory measurement")
	}
	k, _ := strconv.Atoi(os.Getenv(envHelperConns))
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: transport}
	conns := make([]*websocket.Conn, k)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
				cancel()
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("dial %d: %w", i, err)
				}
				conns[i] = c
				mu.Unlock()
			}
		}()
	}
	for i := range k {
		next <- i
	}
	close(next)
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				_ = c.CloseNow()
			}
		}
	}()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
}
