package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"wsops/sanitize"
	"wsops/wsclient"
)

// connectSession drives one `wsops connect`: it prints the client's events,
// sends --send messages and stdin lines, and decides the exit.
type connectSession struct {
	g     *globals
	f     connectFlags
	c     *wsclient.Client
	v     *verifier // --verify, else nil
	w     *frameWriter
	lines <-chan string // stdin lines (interactive), nil when scripted
	sent  bool          // the --send messages went out
	open  bool          // a connection is open: stdin lines are read
}

// errClosedEarly is the failure of a session that ended before --expect matched.
var errClosedEarly = errors.New("the connection ended")

func (s *connectSession) loop(ctx context.Context) error {
	var deadline <-chan time.Time
	if s.f.timeout > 0 {
		t := time.NewTimer(s.f.timeout)
		defer t.Stop()
		deadline = t.C
	}
	stderr := s.g.streams.Err
	for {
		select {
		case ev, ok := <-s.c.Events():
			if !ok {
				return s.ended(nil)
			}
			done, err := s.event(ctx, ev)
			if done || err != nil {
				return err
			}
		case line, ok := <-s.openLines():
			if !ok {
				s.lines = nil
				if s.f.expect == "" && s.f.timeout == 0 {
					s.c.Disconnect() // stdin ended: close, then exit once the close is seen
				}
				continue
			}
			if err := s.c.Send(ctx, []byte(line)); err != nil {
				fmt.Fprintln(stderr, "wsops:", sanitize.Text(err.Error()))
			}
		case <-deadline:
			if s.v != nil && !s.v.done {
				return failed(fmt.Errorf("verify: the test broadcast did not arrive within %v", s.f.timeout))
			}
			if s.f.expect != "" {
				return failed(fmt.Errorf("no message containing %q within %v", s.f.expect, s.f.timeout))
			}
			return s.unsent()
		case <-ctx.Done():
			if s.f.expect != "" {
				return failed(fmt.Errorf("interrupted before a message containing %q arrived", s.f.expect))
			}
			return nil
		}
	}
}

// unsent fails a scripted run whose --send messages never went out: no
// connection opened (the endpoint could not be reached).
func (s *connectSession) unsent() error {
	if len(s.f.sends) > 0 && !s.sent {
		return failed(errors.New("no connection opened: the --send messages were not sent"))
	}
	return nil
}

// verifiedAlone reports whether the run was only there to verify: no
// --expect to wait for, no --send whose replies to show until the timeout.
func (s *connectSession) verifiedAlone() bool { return s.f.expect == "" && len(s.f.sends) == 0 }

// openLines is the stdin stream while a connection is open, else nil (a
// line typed while connecting waits for the connection).
func (s *connectSession) openLines() <-chan string {
	if s.open {
		return s.lines
	}
	return nil
}

// event handles one client event; done ends the session with err.
func (s *connectSession) event(ctx context.Context, ev wsclient.Event) (done bool, err error) {
	stderr := s.g.streams.Err
	switch ev.Kind {
	case wsclient.KindFrame:
		if err := s.w.frame(ev); err != nil {
			return true, failed(err)
		}
		if s.v != nil && ev.Dir == wsclient.In {
			if ok, err := s.v.arrived(s.g, ev.Data, ev.Time); err != nil || ok && s.verifiedAlone() {
				return true, err
			}
		}
		if ev.Dir == wsclient.In && s.f.expect != "" && strings.Contains(string(ev.Data), s.f.expect) {
			return true, nil
		}
	case wsclient.KindError:
		fmt.Fprintln(stderr, "wsops:", sanitize.Text(ev.Err.Error()))
	case wsclient.KindState:
		switch ev.State {
		case wsclient.StateOpen:
			fmt.Fprintf(stderr, "connected (connection %d)\n", ev.Conn)
			s.open = true
			if s.v != nil && s.v.nonce == "" && !s.v.done {
				if err := s.v.start(ctx, s.g); err != nil || s.v.done && s.verifiedAlone() {
					return true, err
				}
			}
			if !s.sent {
				s.sent = true
				for _, m := range s.f.sends {
					if err := s.c.Send(ctx, []byte(m)); err != nil {
						return true, failed(err)
					}
				}
			}
		case wsclient.StateWaiting:
			fmt.Fprintf(stderr, "reconnecting in %v (attempt %d)\n", ev.Retry, ev.Attempt)
		case wsclient.StateClosed:
			return s.closed(ev)
		}
	}
	return false, nil
}

// closed reports a closed connection; unless the client reconnects, the
// session ends: a rejection or an unexpected end fails it.
func (s *connectSession) closed(ev wsclient.Event) (bool, error) {
	stderr := s.g.streams.Err
	switch {
	case ev.Rejected != nil:
		// One plain line: "rejected: 401 Unauthorized: {…}", as the exit error.
		return true, failed(ev.Rejected)
	case ev.Close != nil:
		fmt.Fprintf(stderr, "closed: %s\n", sanitize.Text(ev.Close.String()))
	case ev.Err != nil:
		fmt.Fprintf(stderr, "closed: %s\n", sanitize.Text(ev.Err.Error()))
	}
	s.open = false
	if s.f.reconnect && (ev.Close == nil || !ev.Close.ByClient) {
		return false, nil // a StateWaiting follows
	}
	return true, s.ended(ev.Close)
}

// ended decides the exit of a session whose connection is over.
func (s *connectSession) ended(c *wsclient.CloseInfo) error {
	if err := s.unsent(); err != nil {
		return err
	}
	switch {
	case s.f.expect != "":
		return failed(fmt.Errorf("%w before a message containing %q arrived", errClosedEarly, s.f.expect))
	case c != nil && !c.ByClient && c.Code != 1000:
		return failed(fmt.Errorf("%w: %s", errClosedEarly, c))
	}
	return nil
}

// frameWriter prints frames: "> MSG" / "< MSG" lines, or JSON objects.
type frameWriter struct {
	w      *bufio.Writer
	format format
	n      int
}

func newFrameWriter(out io.Writer, f format) *frameWriter {
	return &frameWriter{w: bufio.NewWriter(out), format: f}
}

// frameJSON is one frame in -o json/jsonl.
type frameJSON struct {
	Time   string `json:"time"`
	Dir    string `json:"dir"` // in, out
	Conn   int    `json:"conn"`
	Size   int    `json:"size"`
	Binary bool   `json:"binary,omitempty"`
	Data   string `json:"data"`
}

func (fw *frameWriter) frame(ev wsclient.Event) error {
	if fw.format == formatTable {
		// One frame per line: newlines inside a message show as \x0a.
		fmt.Fprintf(fw.w, "%s %s\n", ev.Dir.Arrow(), sanitize.Text(string(ev.Data)))
		return fw.w.Flush()
	}
	dir := "in"
	if ev.Dir == wsclient.Out {
		dir = "out"
	}
	b, err := json.Marshal(frameJSON{Time: ev.Time.UTC().Format(time.RFC3339Nano), Dir: dir, Conn: ev.Conn, Size: ev.Size(), Binary: ev.Binary, Data: string(ev.Data)})
	if err != nil {
		return err
	}
	switch {
	case fw.format == formatJSONL:
	case fw.n == 0:
		fw.w.WriteString("[\n")
	default:
		fw.w.WriteString(",\n")
	}
	fw.n++
	fw.w.Write(sanitize.JSON(b)) // a frame may carry C1 or bidi controls, which encoding/json leaves raw
	if fw.format == formatJSONL {
		fw.w.WriteString("\n")
	}
	return fw.w.Flush()
}

// flush ends the output (closing a json array).
func (fw *frameWriter) flush() error {
	if fw.format == formatJSON {
		if fw.n == 0 {
			fw.w.WriteString("[")
		}
		fw.w.WriteString("\n]\n")
	}
	return fw.w.Flush()
}
