package faultproxy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Wire is a TCP proxy in front of a server that speaks MongoDB's wire
// protocol (messages framed by a little-endian int32 length), for the
// faults a MongoDB registry meets: answers slowed down (Latency), a
// connection dropped before it answers a chosen request (Drop), and a
// write that reaches the server but whose answer never comes back
// (CutAnswer: the effect happened, the client cannot know). Each rule
// fires once, at the nth request it matches; requests and answers are
// otherwise passed through whole. It is imported by tests only.
type Wire struct {
	ln       net.Listener
	upstream string

	mu      sync.Mutex
	latency time.Duration
	rules   []*WireRule
	conns   map[net.Conn]bool
	fired   []string
	watch   func(command string)
	wg      sync.WaitGroup
}

// WireAction is what a rule does to the request it matches.
type WireAction string

// The actions of a WireRule.
const (
	// Drop closes the connection instead of forwarding the request: the
	// server never sees it.
	Drop WireAction = "drop"
	// CutAnswer forwards the request, waits for the server's answer, then
	// closes the connection instead of forwarding the answer.
	CutAnswer WireAction = "cut answer"
	// Before runs the rule's Before, then forwards the request: another
	// writer acting just before a write of the client's reaches the server.
	Before WireAction = "before"
)

// WireRule fires Action once, on the Nth request (counting from 1, across
// connections) whose command is Command (the first key of its body, as
// "find", "getMore", "findAndModify", "delete", "update").
type WireRule struct {
	Command string
	Nth     int
	Action  WireAction
	// Before is what action Before runs, on the proxy's goroutine of the
	// client's connection (the request waits for it).
	Before func()
	seen   int
	done   bool
}

// StartWire proxies a loopback port to upstream (host:port) until the
// test ends.
func StartWire(t testing.TB, upstream string) *Wire {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &Wire{ln: ln, upstream: upstream, conns: map[net.Conn]bool{}}
	w.wg.Add(1)
	go w.accept()
	t.Cleanup(w.close)
	return w
}

// Addr is the proxy's host:port.
func (w *Wire) Addr() string { return w.ln.Addr().String() }

// SetLatency delays every answer by d (0: none).
func (w *Wire) SetLatency(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.latency = d
}

// Add arms a rule.
func (w *Wire) Add(r WireRule) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rules = append(w.rules, &r)
}

// Watch sets (nil: clears) a hook that sees the command of every request
// (the first key of its body, as "find", "insert", "delete"; "" for a
// message that is not an OP_MSG) before the request is forwarded, on the
// proxy's goroutine of the client's connection: the request waits for it,
// so a hook can count the requests, look at the world just before one
// reaches the server, or hold it back.
func (w *Wire) Watch(hook func(command string)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.watch = hook
}

// Fired lists the rules that fired, as "action command #n".
func (w *Wire) Fired() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.fired...)
}

func (w *Wire) close() {
	w.ln.Close()
	w.mu.Lock()
	for c := range w.conns {
		c.Close()
	}
	w.mu.Unlock()
	w.wg.Wait()
}

func (w *Wire) accept() {
	defer w.wg.Done()
	for {
		c, err := w.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", w.upstream)
		if err != nil {
			c.Close()
			continue
		}
		w.mu.Lock()
		w.conns[c], w.conns[up] = true, true
		w.mu.Unlock()
		w.wg.Add(1)
		go w.serve(c, up)
	}
}

// serve passes one connection's requests up and answers down, applying
// the rules.
func (w *Wire) serve(c, up net.Conn) {
	defer w.wg.Done()
	cut := make(chan struct{}, 1) // the next answer is to be cut
	closeBoth := func() {
		c.Close()
		up.Close()
		w.mu.Lock()
		delete(w.conns, c)
		delete(w.conns, up)
		w.mu.Unlock()
	}
	defer closeBoth()
	w.wg.Add(1)
	go func() { // answers
		defer w.wg.Done()
		defer closeBoth()
		for {
			msg, err := readMessage(up)
			if err != nil {
				return
			}
			select {
			case <-cut:
				return
			default:
			}
			w.mu.Lock()
			d := w.latency
			w.mu.Unlock()
			if d > 0 {
				time.Sleep(d) // the slow server under test, not synchronisation
			}
			if _, err := c.Write(msg); err != nil {
				return
			}
		}
	}()
	for {
		msg, err := readMessage(c)
		if err != nil {
			return
		}
		w.mu.Lock()
		watch := w.watch
		w.mu.Unlock()
		if watch != nil {
			watch(commandOf(msg))
		}
		switch r := w.match(msg); {
		case r == nil:
		case r.Action == Drop:
			return
		case r.Action == CutAnswer:
			cut <- struct{}{}
		case r.Action == Before:
			r.Before()
		}
		if _, err := up.Write(msg); err != nil {
			return
		}
	}
}

// match counts msg against the rules and returns the one that fires (nil
// for none).
func (w *Wire) match(msg []byte) *WireRule {
	w.mu.Lock()
	defer w.mu.Unlock()
	command := commandOf(msg)
	for _, r := range w.rules {
		if r.done || command != r.Command {
			continue
		}
		r.seen++
		if r.seen == r.Nth {
			r.done = true
			w.fired = append(w.fired, string(r.Action)+" "+r.Command+" #"+strconv.Itoa(r.Nth))
			return r
		}
	}
	return nil
}

// opMsg is the wire protocol's OP_MSG opcode.
const opMsg = 2013

// commandOf is the command an OP_MSG names: the first key of its body
// (section kind 0), after the 16-byte header (length, request id, response
// to, opcode), the 4-byte flags, the section kind and the body's 4-byte
// length, a C string. It is "" for any other message.
func commandOf(msg []byte) string {
	const bodyAt = 16 + 4 + 1 + 4 // header, flags, kind 0, document length
	if len(msg) < bodyAt+2 || binary.LittleEndian.Uint32(msg[12:16]) != opMsg || msg[20] != 0 {
		return ""
	}
	key := msg[bodyAt+1:] // after the first element's type byte
	end := bytes.IndexByte(key, 0)
	if end < 0 {
		return ""
	}
	return string(key[:end])
}

// readMessage reads one length-framed message.
func readMessage(r io.Reader) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, err
	}
	n := int(binary.LittleEndian.Uint32(head[:]))
	if n < 16 || n > 48<<20 {
		return nil, errors.New("faultproxy: not a wire protocol message")
	}
	msg := make([]byte, n)
	copy(msg, head[:])
	if _, err := io.ReadFull(r, msg[4:]); err != nil {
		return nil, err
	}
	return msg, nil
}
