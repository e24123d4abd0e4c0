package sandbox_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"wsops/auth"
	"wsops/data"
	"wsops/sandbox"
)

// The load test (make loadtest): WSOPS_SLOW=1 runs it; WSOPS_LOAD_CONNS
// (default 10000) clients, held by a child process (the open-file limit is
// per process), connect to a sandbox, then churn — close one, open another —
// for WSOPS_LOAD_CHURN (default 30s) while this process scans the registry
// over and over as the console's refresh does. It reports memory and
// goroutines per connection and checks that nothing is left once the clients
// are gone: no connection, no registry record, no goroutine.
const (
	envSlow       = "WSOPS_SLOW"
	envLoadConns  = "WSOPS_LOAD_CONNS"
	envLoadChurn  = "WSOPS_LOAD_CHURN"
	envLoadURL    = "WSOPS_LOAD_URL"    // set for the client process
	envLoadSecret = "WSOPS_LOAD_SECRET" // the sandbox's token secret, for the client process
)

func TestLoadChurnWhileTheConsoleRefreshes(t *testing.T) {
	if os.Getenv(envSlow) != "1" {
		t.Skip("the load test takes minutes: WSOPS_SLOW=1 (make loadtest) runs it")
	}
	n := envInt(envLoadConns, 10000)
	churn, err := time.ParseDuration(cmpOr(os.Getenv(envLoadChurn), "30s"))
	if err != nil {
		t.Fatal(err)
	}
	w := start(t, sandbox.Config{Preset: "wizz"})
	baseRSS, baseG, baseHeap := settledRSS(t), runtime.NumGoroutine(), liveHeap()

	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadHelperClients$", "-test.count=1")
	cmd.Env = append(os.Environ(), envLoadURL+"="+w.sb.Endpoints().WebSocketURL, envLoadSecret+"="+string(w.secret),
		envLoadConns+"="+strconv.Itoa(n), envLoadChurn+"="+churn.String())
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		_ = cmd.Wait()
	}()
	lines := bufio.NewScanner(stdout)
	expect := func(prefix string) string {
		for lines.Scan() {
			if l := strings.TrimSpace(lines.Text()); strings.HasPrefix(l, prefix) {
				return l
			}
		}
		t.Fatalf("client process ended before %q: %s", prefix, stderr.String())
		return ""
	}

	start := time.Now()
	expect("ready")
	filled := time.Since(start)
	waitFor(t, "every client registered", time.Minute, func() bool { return w.sb.Gateway().Count() == n })
	heldRSS, heldG, heldHeap := settledRSS(t), runtime.NumGoroutine(), liveHeap()

	// The console's refresh, over and over, while the clients churn.
	var scans, scanFailures atomic.Int64
	var slowest atomic.Int64
	stopScans := make(chan struct{})
	var scanning sync.WaitGroup
	scanning.Go(func() {
		for {
			select {
			case <-stopScans:
				return
			default:
			}
			began := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			conns, err := data.Collect(ctx, w.registry.Connections(ctx, data.Select{}))
			cancel()
			if err != nil || len(conns) < n/2 {
				scanFailures.Add(1)
				continue
			}
			scans.Add(1)
			if d := int64(time.Since(began)); d > slowest.Load() {
				slowest.Store(d)
			}
		}
	})
	if _, err := io.WriteString(stdin, "churn\n"); err != nil {
		t.Fatal(err)
	}
	done := expect("churned")
	close(stopScans)
	scanning.Wait()
	churnedRSS, churnedHeap := settledRSS(t), liveHeap()
	if c := w.sb.Gateway().Count(); c != n {
		t.Errorf("%d connections after the churn, want %d", c, n)
	}

	stdin.Close() // the client process closes everything and exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client process: %v: %s", err, stderr.String())
	}
	waitFor(t, "every connection gone", time.Minute, func() bool { return w.sb.Gateway().Count() == 0 })
	recordsLeft := -1
	if !waitUntil(2*time.Minute, func() bool {
		conns, err := data.Collect(context.Background(), w.registry.Connections(context.Background(), data.Select{}))
		if err == nil {
			recordsLeft = len(conns)
		}
		return err == nil && len(conns) == 0
	}) {
		t.Errorf("%d registry records left 2 minutes after every client left (their $disconnect did not delete them)", recordsLeft)
	}
	// What may stay: pooled keep-alive connections to the DynamoDB endpoint
	// (two goroutines on the client side, one on the server side, each);
	// the SDK's idle pool bounds them and they end at its idle timeout.
	// Nothing of a WebSocket connection may stay.
	var left []string
	if !waitUntil(time.Minute, func() bool {
		left = connectionGoroutines()
		return len(left) == 0
	}) {
		t.Fatalf("%d goroutines of WebSocket connections a minute after every client left:\n%.6000s", len(left), strings.Join(left, "\n\n"))
	}
	endRSS, endHeap := settledRSS(t), liveHeap()

	if scanFailures.Load() > 0 || scans.Load() == 0 {
		t.Errorf("%d registry scans failed, %d completed", scanFailures.Load(), scans.Load())
	}
	perConn := float64(heldRSS-baseRSS) / float64(n)
	if perConn > 100*1024 {
		t.Errorf("%.1f KB of RSS per held connection, want under 100 KB", perConn/1024)
	}
	if churnedHeap > heldHeap+heldHeap/4 {
		t.Errorf("the live heap grew from %d MB to %d MB over the churn", heldHeap>>20, churnedHeap>>20)
	}
	t.Logf("load: %d connections in %v; %s over %v; %d full registry scans during the churn (slowest %v), %d failed",
		n, filled.Round(time.Millisecond), done, churn, scans.Load(), time.Duration(slowest.Load()).Round(time.Millisecond), scanFailures.Load())
	t.Logf("load: RSS %d MB idle, %d MB holding %d (%.1f KB each), %d MB after the churn, %d MB once all closed",
		baseRSS>>20, heldRSS>>20, n, perConn/1024, churnedRSS>>20, endRSS>>20)
	t.Logf("load: live heap %d MB idle, %d MB holding %d (%.1f KB each), %d MB after the churn, %d MB once all closed",
		baseHeap>>20, heldHeap>>20, n, float64(heldHeap-baseHeap)/float64(n)/1024, churnedHeap>>20, endHeap>>20)
	t.Logf("load: goroutines %d idle, %d holding %d (%.2f each), %d once all closed",
		baseG, heldG, n, float64(heldG-baseG)/float64(n), runtime.NumGoroutine())
}

// TestLoadHelperClients is the load test's client process: it opens the
// connections, says "ready", churns for the given time once told "churn",
// says "churned N", and holds what it has until stdin closes.
func TestLoadHelperClients(t *testing.T) {
	base := os.Getenv(envLoadURL)
	if base == "" {
		t.Skip("client process of the load test")
	}
	n := envInt(envLoadConns, 10000)
	churn, _ := time.ParseDuration(os.Getenv(envLoadChurn))
	secret := []byte(os.Getenv(envLoadSecret))
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: transport}
	apps := []auth.Claims{{App: "drivers", EntityType: "driver"}, {App: "customers", EntityType: "customer"}, {App: "order-receiver", EntityType: "merchant"}}
	dial := func(i int) (*websocket.Conn, error) {
		claims := apps[i%3]
		claims.User = fmt.Sprintf("load-user-%d", i%1000)
		claims.BusinessID = fmt.Sprintf("b-%d", i%500)
		token, err := auth.Mint(secret, claims, time.Hour, time.Now())
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, _, err := websocket.Dial(ctx, base+"?"+url.Values{"token": {token}, "platform": {"android"}}.Encode(), &websocket.DialOptions{HTTPClient: hc})
		if err == nil {
			go func() { // read, so that pings, replies and closes are handled
				for {
					if _, _, err := c.Read(context.Background()); err != nil {
						return
					}
				}
			}()
		}
		return c, err
	}
	conns := make([]*websocket.Conn, n)
	var mu sync.Mutex
	var firstErr error
	var workers sync.WaitGroup
	next := make(chan int)
	for range 32 {
		workers.Go(func() {
			for i := range next {
				c, err := dial(i)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("dial %d: %w", i, err)
				}
				conns[i] = c
				mu.Unlock()
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	workers.Wait()
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
	in := bufio.NewReader(os.Stdin)
	if line, err := in.ReadString('\n'); err != nil || strings.TrimSpace(line) != "churn" {
		t.Fatalf("waiting for the go-ahead to churn: %q, %v", line, err)
	}

	var churned atomic.Int64
	deadline := time.Now().Add(churn)
	for w := range 16 {
		workers.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(w), 1))
			for time.Now().Before(deadline) {
				i := w + 16*rnd.IntN(n/16)
				mu.Lock()
				old := conns[i]
				mu.Unlock()
				if i%2 == 0 {
					_ = old.Close(websocket.StatusNormalClosure, "churn")
				} else {
					_ = old.CloseNow()
				}
				c, err := dial(i)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("re-dial %d: %w", i, err)
				}
				conns[i] = c
				mu.Unlock()
				if err != nil {
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_ = c.Write(ctx, websocket.MessageText, []byte(`{"action":"heartbeat"}`))
				cancel()
				churned.Add(1)
			}
		})
	}
	workers.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	fmt.Printf("churned %d connections\n", churned.Load())
	_, _ = io.Copy(io.Discard, in)
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// connectionGoroutines returns the stacks of goroutines that serve WebSocket
// connections: the gateway's and coder/websocket's.
func connectionGoroutines() []string {
	var dump strings.Builder
	_ = pprof.Lookup("goroutine").WriteTo(&dump, 2)
	var found []string
	for g := range strings.SplitSeq(dump.String(), "\n\n") {
		if strings.Contains(g, "wsops/sandbox/gateway") || strings.Contains(g, "github.com/coder/websocket") {
			found = append(found, g)
		}
	}
	return found
}

// liveHeap is the bytes of heap objects alive after a full GC.
func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// settledRSS is the process's resident set after a full GC that returns
// freed memory to the OS.
func settledRSS(t *testing.T) int64 {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb * 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}
