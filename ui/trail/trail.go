// Package trail is the connection detail's trail: the connection's life in
// the API's logs over the last hour — its requests, each with its
// execution and route-handler lines, grouped as `wsops logs --conn` shows
// them, newest at the bottom — then followed live while the detail is
// open. The reads and the follow run in commands (ui/logtail); what cannot
// be read is said in plain words in the trail's place.
package trail

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/logs"
	"wsops/ui/logtail"
	"wsops/ui/styles"
	"wsops/ui/view"
)

// Since is how far back a trail reads.
const Since = time.Hour

// MaxRequests bounds the requests a trail keeps: the oldest go first.
const MaxRequests = 300

// readTimeout bounds finding the log groups and reading the trail.
const readTimeout = 30 * time.Second

// followSince is how far back the follow's first poll reads: what came
// between the trail's read and the follow's start is not missed (lines
// read twice are dropped by event id).
const followSince = 2 * time.Minute

// State is where a trail is.
type State int

// The states of a trail.
const (
	Idle      State = iota // nothing asked yet, or stopped
	Reading                // the last hour is being read
	Following              // read, and following live
	Ended                  // the follow ended (Err says why, when it failed)
	Failed                 // the trail cannot be read (Err says why)
)

// Model is one connection's trail.
type Model struct {
	c  *view.Common
	st styles.Styles
	id string
	// gen is the current read's: older reads' answers are dropped.
	gen    int64
	state  State
	err    error
	notice string
	reader *logs.Reader // found once per session, kept for the next reads
	tail   *logtail.Tail
	book   book
	// back is how many rows the view is scrolled up from the newest.
	back int
}

// New returns an idle trail of a session.
func New(c *view.Common) *Model { return &Model{c: c, st: c.Styles, book: newBook()} }

// State is where the trail is; Err why it failed or its follow ended.
func (m *Model) State() State { return m.state }

// Err is why the trail failed, or why its follow ended (nil: it did not).
func (m *Model) Err() error { return m.err }

// Notice is the follow's last notice about itself ("polling", "sampled").
func (m *Model) Notice() string { return m.notice }

// Requests are the requests the trail holds, oldest first.
func (m *Model) Requests() []logs.Request { return m.book.requests() }

// Gen identifies the trail's current read.
func (m *Model) Gen() int64 { return m.gen }

// Running reports whether the trail reads or follows.
func (m *Model) Running() bool { return m.state == Reading || m.state == Following }

// readMsg is what reading a trail found.
type readMsg struct {
	gen    int64
	reader *logs.Reader
	trail  *logs.Trail
	err    error
}

// Start reads the last hour of connection id's trail, then follows it;
// the trail of another connection is forgotten, the same one's kept on
// screen until the new read replaces it.
func (m *Model) Start(id string) tea.Cmd {
	m.Stop()
	if id != m.id {
		m.id, m.book, m.back, m.notice = id, newBook(), 0, ""
	}
	m.gen, m.state, m.err = view.Seq(), Reading, nil
	ctx, o, reader, gen, now := m.c.Ctx, m.c.Ops, m.reader, m.gen, m.c.Now()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, readTimeout)
		defer cancel()
		r := reader
		if r == nil {
			var err error
			if r, err = o.LogReader(ctx); err != nil {
				return readMsg{gen: gen, err: err}
			}
		}
		if err := r.Traceable(); err != nil {
			return readMsg{gen: gen, reader: r, err: err}
		}
		t, err := r.Trail(ctx, []string{id}, Since, now)
		return readMsg{gen: gen, reader: r, trail: t, err: err}
	}
}

// Stop ends the follow (the detail closed, or left the top); what was
// read stays.
func (m *Model) Stop() {
	if m.tail != nil {
		m.tail.Stop()
		m.tail = nil
	}
	if m.Running() {
		m.state = Idle
	}
}

// Update takes the trail's own messages (ok: msg was one) and returns
// what to run next.
func (m *Model) Update(msg tea.Msg) (cmd tea.Cmd, ok bool) {
	switch msg := msg.(type) {
	case readMsg:
		if msg.gen != m.gen || m.state != Reading {
			return nil, true
		}
		return m.read(msg), true
	case logtail.BatchMsg:
		if m.tail == nil || msg.ID != m.tail.ID() {
			return nil, false
		}
		return m.batch(msg), true
	}
	return nil, false
}

// read shows what the read found and starts following.
func (m *Model) read(msg readMsg) tea.Cmd {
	if msg.reader != nil {
		m.reader = msg.reader
	}
	if msg.err != nil {
		m.state, m.err = Failed, msg.err
		return nil
	}
	fresh := newBook()
	fresh.unjoined = msg.trail.Unjoined
	for _, r := range msg.trail.Requests {
		fresh.addRequest(r)
	}
	for _, r := range m.book.requests() { // lines the last follow saw after its read
		fresh.addRequest(r)
	}
	m.book = fresh
	m.state = Following
	r, o, id, now := m.reader, m.c.Ops, m.id, m.c.Now
	opts := o.FollowOptions(logs.FollowOptions{IDs: []string{id}, Since: followSince, Now: now})
	var cmd tea.Cmd
	m.tail, cmd = logtail.Start(m.c.Ctx, func(ctx context.Context, emit func(logs.Event) error) error {
		return r.Follow(ctx, opts, emit)
	})
	return cmd
}

// batch adds what the follow emitted and waits for more.
func (m *Model) batch(b logtail.BatchMsg) tea.Cmd {
	for _, l := range b.Lines {
		m.book.add(l)
	}
	if len(b.Notices) > 0 {
		m.notice = b.Notices[len(b.Notices)-1]
	}
	if b.Ended {
		m.tail, m.state, m.err = nil, Ended, b.Err
		return nil
	}
	return m.tail.Next()
}
