//go:build unix

package cloud

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cheapServerEnv, set in the environment of this test binary, makes
// TestCheapServerProcess serve instead of skipping: the benchmark starts the
// binary again with it to get a server in another process, so that the
// benchmark's process spends CPU on the client side only.
const cheapServerEnv = "WSOPS_CHEAP_SERVER"

// cpuPath answers the server process's own CPU time so far, in nanoseconds.
const cpuPath = "/__cpu"

// TestCheapServerProcess is not a test: run by startCheapServer in a child
// process, it serves HTTP on a loopback port, answering every request 200
// with an empty body after reading it, as API Gateway answers a
// PostToConnection; it prints its URL, then serves until its stdin closes.
func TestCheapServerProcess(t *testing.T) {
	if os.Getenv(cheapServerEnv) != "1" {
		t.Skip("the benchmark's server process; runs only when started by startCheapServer")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == cpuPath {
			fmt.Fprint(w, int64(processCPU()))
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("http://%s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin) // until the benchmark closes it
	_ = srv.Close()
	<-served
}

// cheapServer is the child process started by startCheapServer.
type cheapServer struct {
	URL     string
	control *http.Client // for CPU, on a connection of its own
}

// startCheapServer starts TestCheapServerProcess in a child process with
// GOMAXPROCS=1 and stops it when tb ends.
func startCheapServer(tb testing.TB) *cheapServer {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCheapServerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), cheapServerEnv+"=1", "GOMAXPROCS=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	drained := make(chan struct{})
	go func() { // the rest of its output (the test runner's lines), until it exits
		_, _ = io.Copy(io.Discard, stdout)
		close(drained)
	}()
	tb.Cleanup(func() {
		_ = stdin.Close() // the server's signal to stop
		<-drained
		_ = cmd.Wait()
	})
	if err != nil || !strings.HasPrefix(line, "http://") {
		tb.Fatalf("the server process printed %q: %v", line, err)
	}
	tr := &http.Transport{}
	tb.Cleanup(tr.CloseIdleConnections)
	return &cheapServer{URL: strings.TrimSpace(line), control: &http.Client{Transport: tr}}
}

// CPU asks the server process for the CPU time it has used so far.
func (s *cheapServer) CPU(tb testing.TB) time.Duration {
	tb.Helper()
	resp, err := s.control.Get(s.URL + cpuPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	ns, err := strconv.ParseInt(string(body), 10, 64)
	if err != nil {
		tb.Fatalf("server CPU %q: %v", body, err)
	}
	return time.Duration(ns)
}

// processCPU is the user and system CPU time this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
