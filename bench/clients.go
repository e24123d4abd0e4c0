package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/sync/errgroup"

	"wsops/auth"
)

// framePrefix marks the frames the clients count: the bench's own posts.
var framePrefix = []byte(`{"type":"bench`)

// clientCommand is one request from the harness to the clients process.
type clientCommand struct {
	Op      string  `json:"op"` // connect | wait
	N       int     `json:"n,omitempty"`
	Total   int64   `json:"total,omitempty"`
	Timeout float64 `json:"timeout_s,omitempty"`
}

// clientReply answers one clientCommand.
type clientReply struct {
	Connected int     `json:"connected"`
	Seconds   float64 `json:"seconds"`
	Frames    int64   `json:"frames"`
	Err       string  `json:"err,omitempty"`
}

// clientFleet is the harness's handle on the clients process.
type clientFleet struct {
	cmd   *exec.Cmd
	in    *json.Encoder
	out   *json.Decoder
	stdin interface{ Close() error }
	held  int
}

// startClients starts this binary as `bench clients` against the sandbox.
func startClients(wsURL string) (*clientFleet, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "clients", "-url", wsURL, "-secret", benchSecret)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &clientFleet{cmd: cmd, in: json.NewEncoder(stdin), out: json.NewDecoder(bufio.NewReader(stdout)), stdin: stdin}, nil
}

func (f *clientFleet) ask(c clientCommand) (clientReply, error) {
	var r clientReply
	if err := f.in.Encode(c); err != nil {
		return r, fmt.Errorf("clients process: %w", err)
	}
	if err := f.out.Decode(&r); err != nil {
		return r, fmt.Errorf("clients process: %w", err)
	}
	if r.Err != "" {
		return r, errors.New(r.Err)
	}
	return r, nil
}

// connect opens n more clients and returns how long that took.
func (f *clientFleet) connect(n int) (time.Duration, error) {
	r, err := f.ask(clientCommand{Op: "connect", N: n})
	f.held = r.Connected
	return time.Duration(r.Seconds * float64(time.Second)), err
}

// waitFrames returns once the clients received total bench frames in all.
func (f *clientFleet) waitFrames(total int64) error {
	r, err := f.ask(clientCommand{Op: "wait", Total: total, Timeout: 120})
	if err != nil {
		return fmt.Errorf("waiting for %d frames (have %d): %w", total, r.Frames, err)
	}
	return nil
}

func (f *clientFleet) close() error {
	_ = f.stdin.Close() // the process closes its clients and exits on EOF
	return f.cmd.Wait()
}

// runClients is the clients process: it holds WebSocket clients, each with a
// reader, counts the bench frames they receive and answers the harness's
// commands on stdin/stdout until stdin closes.
func runClients(args []string) error {
	fs := flag.NewFlagSet("clients", flag.ContinueOnError)
	wsURL := fs.String("url", "", "the sandbox's WebSocket URL")
	secret := fs.String("secret", "", "the sandbox's token secret")
	if err := fs.Parse(args); err != nil {
		return err
	}
	h := &holder{url: *wsURL, secret: []byte(*secret), changed: make(chan struct{})}
	defer h.closeAll()
	in := json.NewDecoder(bufio.NewReader(os.Stdin))
	out := json.NewEncoder(os.Stdout)
	for {
		var c clientCommand
		if err := in.Decode(&c); err != nil {
			return nil // stdin closed: the harness is done
		}
		var r clientReply
		var err error
		switch c.Op {
		case "connect":
			var took time.Duration
			took, err = h.connect(c.N)
			r.Seconds = took.Seconds()
		case "wait":
			err = h.wait(c.Total, time.Duration(c.Timeout*float64(time.Second)))
		default:
			err = fmt.Errorf("unknown op %q", c.Op)
		}
		r.Connected, r.Frames = h.count(), h.frames.Load()
		if err != nil {
			r.Err = err.Error()
		}
		if err := out.Encode(r); err != nil {
			return err
		}
	}
}

// holder holds the clients of the clients process.
type holder struct {
	url    string
	secret []byte
	frames atomic.Int64

	mu      sync.Mutex
	conns   []*websocket.Conn
	changed chan struct{} // closed and replaced whenever frames crosses a watched total
	watch   int64
	readers sync.WaitGroup
}

var apps = []struct{ app, entity string }{{"drivers", "driver"}, {"customers", "customer"}, {"order-receiver", "merchant"}}

var platforms = []string{"ios", "android", "web"}

// connect dials n more clients, 64 at a time.
func (h *holder) connect(n int) (time.Duration, error) {
	start := time.Now()
	base := h.count()
	var g errgroup.Group
	g.SetLimit(64)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for i := base; i < base+n; i++ {
		g.Go(func() error { return h.dial(ctx, i) })
	}
	err := g.Wait()
	return time.Since(start), err
}

func (h *holder) dial(ctx context.Context, n int) error {
	a := apps[n%len(apps)]
	claims := auth.Claims{User: fmt.Sprintf("bench-user-%06d", n), EntityType: a.entity, App: a.app}
	if a.app == "order-receiver" {
		claims.BusinessID = fmt.Sprintf("bench-biz-%05d", n)
	}
	token, err := auth.Mint(h.secret, claims, 6*time.Hour, time.Now())
	if err != nil {
		return err
	}
	u := h.url + "?" + url.Values{"token": {token}, "platform": {platforms[n%len(platforms)]}}.Encode()
	c, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		return fmt.Errorf("client %d: %w", n, err)
	}
	c.SetReadLimit(1 << 20)
	h.mu.Lock()
	h.conns = append(h.conns, c)
	h.mu.Unlock()
	h.readers.Add(1)
	go h.read(c)
	return nil
}

func (h *holder) read(c *websocket.Conn) {
	defer h.readers.Done()
	for {
		_, msg, err := c.Read(context.Background())
		if err != nil {
			return
		}
		if bytes.HasPrefix(msg, framePrefix) {
			if n := h.frames.Add(1); n == atomic.LoadInt64(&h.watch) {
				h.mu.Lock()
				close(h.changed)
				h.changed = make(chan struct{})
				h.mu.Unlock()
			}
		}
	}
}

// wait returns once total bench frames arrived, or fails after timeout.
func (h *holder) wait(total int64, timeout time.Duration) error {
	h.mu.Lock()
	atomic.StoreInt64(&h.watch, total)
	changed := h.changed
	h.mu.Unlock()
	if h.frames.Load() >= total {
		return nil
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-changed:
		return nil
	case <-t.C:
		return fmt.Errorf("timed out after %v", timeout)
	}
}

func (h *holder) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

func (h *holder) closeAll() {
	h.mu.Lock()
	conns := h.conns
	h.mu.Unlock()
	for _, c := range conns {
		_ = c.CloseNow()
	}
	h.readers.Wait()
}
