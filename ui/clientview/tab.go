package clientview

import (
	"fmt"
	"strings"
	"time"

	"wsops/ops"
	"wsops/wsclient"
)

// maxEntries bounds a tab's timeline; older entries are dropped.
const maxEntries = 5000

// entry is one line of a tab's timeline: a frame, or a note (connected,
// closed, rejected, reconnecting).
type entry struct {
	time  time.Time
	frame bool
	dir   wsclient.Direction
	size  int
	data  string
	conn  int
}

// tab is one test client and everything the view shows about it.
type tab struct {
	id     int
	spec   Spec
	c      *wsclient.Client
	state  wsclient.State
	conn   int    // the connection number of the current or last connection
	last   string // the last close, rejection or failure, in words
	ended  bool   // the client stopped; its events channel is closed
	frames int    // frames in the timeline
	ents   []entry

	reconnect bool

	locating bool
	own      *ops.Connection
	ownErr   error

	bcast broadcast

	rtt wsclient.RTTStats

	scroll int // lines scrolled up from the newest
}

// broadcast is the state of the tab's "send me a test broadcast".
type broadcast struct {
	nonce   string
	sentAt  time.Time
	pending bool // posted, not arrived yet
	posted  bool // the post returned (and its audit line is written)
	result  string
	failed  bool
}

// title is the tab's label: user@app and its state.
func (t *tab) title() string {
	who := t.spec.User
	if who == "" {
		who = t.spec.Source
	}
	if t.spec.App != "" {
		who += "@" + t.spec.App
	}
	return fmt.Sprintf("%d %s %s", t.id, who, t.state)
}

func (t *tab) add(e entry) {
	if len(t.ents) >= maxEntries {
		t.ents = t.ents[len(t.ents)-maxEntries+1:]
	}
	t.ents = append(t.ents, e)
	if e.frame {
		t.frames++
	}
}

func (t *tab) note(at time.Time, text string) {
	t.add(entry{time: at, data: text, conn: t.conn})
}

// apply records one event; it reports whether the connection just opened
// (the view then looks for the connection's registry record).
func (t *tab) apply(ev wsclient.Event) (opened bool) {
	switch ev.Kind {
	case wsclient.KindFrame:
		t.add(entry{time: ev.Time, frame: true, dir: ev.Dir, size: ev.Size(), data: string(ev.Data), conn: ev.Conn})
		if ev.Dir == wsclient.In && t.bcast.pending && t.bcast.nonce != "" && strings.Contains(string(ev.Data), t.bcast.nonce) {
			t.bcast.pending = false
			t.bcast.result = fmt.Sprintf("test broadcast arrived %s after the post", round(ev.Time.Sub(t.bcast.sentAt)))
		}
	case wsclient.KindRTT:
		t.rtt = t.c.RTT()
	case wsclient.KindError:
		t.note(ev.Time, "error: "+ev.Err.Error())
	case wsclient.KindState:
		t.state, t.conn = ev.State, max(t.conn, ev.Conn)
		switch ev.State {
		case wsclient.StateOpen:
			t.own, t.ownErr, t.locating = nil, nil, true
			t.last = ""
			t.note(ev.Time, fmt.Sprintf("connected (connection %d)", ev.Conn))
			return true
		case wsclient.StateWaiting:
			t.note(ev.Time, fmt.Sprintf("reconnecting in %s (attempt %d)", round(ev.Retry), ev.Attempt))
		case wsclient.StateClosed:
			switch {
			case ev.Rejected != nil:
				t.last = ev.Rejected.Error()
			case ev.Close != nil:
				t.last = "closed: " + ev.Close.String()
				if ev.Close.ByClient {
					t.last += " (by you)"
				}
			case ev.Err != nil:
				t.last = "failed: " + ev.Err.Error()
			default:
				t.last = "closed"
			}
			t.note(ev.Time, t.last)
		}
	}
	return false
}

// round shows a duration with three significant digits or so.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// problems are the own record's problems, plus a disagreement between what
// the registry says and what the client connected as.
func (t *tab) problems() []string {
	if t.own == nil {
		return nil
	}
	ps := append([]string(nil), t.own.Problems...)
	if t.spec.EntityType != "" && t.own.EntityType != t.spec.EntityType {
		ps = append(ps, fmt.Sprintf("registry says entityType %q, the token says %q", t.own.EntityType, t.spec.EntityType))
	}
	if t.spec.User != "" && t.own.User != t.spec.User {
		ps = append(ps, fmt.Sprintf("registry says user %q, the token says %q", t.own.User, t.spec.User))
	}
	return ps
}
