// Package logsview is the console's `:logs` view: the API's log groups
// (access, execution and every route handler's) tailed live, newest at the
// bottom, filtered with the console's filter — its free words, route: and
// status: (status:5xx), and the registry's keys, which keep the lines of
// the connections they select. `space` pauses and resumes (lines that come
// meanwhile are held, up to Bound, and shown on resume); `enter` opens the
// detail of the connection of the line under the cursor.
//
// Memory is bounded: the tail keeps the last Bound lines in a ring buffer
// (and as many more while paused). The follow runs in a command of its own
// (ui/logtail) while the view is on top; the UI goroutine only files lines
// and renders.
package logsview

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/logs"
	"wsops/ui/feed"
	"wsops/ui/logtail"
	"wsops/ui/styles"
	"wsops/ui/view"
)

// Def registers the view.
var Def = view.Def{Name: "logs", Usage: ":logs", New: New}

// Bound is how many lines the tail keeps; while paused, as many more are
// held for the resume.
const Bound = 5000

// since is how far back a tail's first read goes (when it polls: a live
// tail starts now).
const since = time.Minute

// findTimeout bounds finding the API's log groups.
const findTimeout = 30 * time.Second

// Model is the logs view.
type Model struct {
	c             *view.Common
	st            styles.Styles
	keys          KeyMap
	width, height int
	top           bool

	gen     int64 // the groups' find in progress: older answers are dropped
	finding bool
	reader  *logs.Reader
	err     error // why the logs cannot be tailed, or why the tail ended
	notice  string
	tail    *logtail.Tail

	ring   *ring
	paused bool
	held   held

	query   fleet.Query
	snap    fleet.Snapshot
	resolve view.Coalescer
	conns   map[string]bool // the connections the registry keys select

	follow bool   // the cursor is on the newest line
	cursor uint64 // the line under the cursor, when not following
	first  uint64 // the first line on screen, when not following
}

// New returns the logs view of a session; it tails nothing until opened.
func New(c *view.Common) view.View {
	return &Model{c: c, st: c.Styles, keys: DefaultKeyMap(), ring: newRing(Bound), held: newHeld(Bound), follow: true}
}

// Init does nothing: the view tails when opened.
func (m *Model) Init() tea.Cmd { return nil }

// Open starts tailing, unless the tail runs.
func (m *Model) Open(string) tea.Cmd {
	m.top = true
	return m.start()
}

// Close stops the tail: the session ends.
func (m *Model) Close() { m.stop() }

// Title names the view.
func (m *Model) Title() string { return Def.Name }

// KeyMap lists the view's keys for the help line.
func (m *Model) KeyMap() []key.Binding { return m.keys.ShortHelp() }

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Paused reports whether the view is paused.
func (m *Model) Paused() bool { return m.paused }

// Lines is how many lines the tail holds, and how many the filter shows.
func (m *Model) Lines() (held, shown int) { return m.ring.len(), len(m.ring.shown) }

// Held is how many lines came while paused, and how many of them are held.
func (m *Model) Held() (came, held int) { return m.held.came, m.held.n }

// Tailing reports whether the tail runs.
func (m *Model) Tailing() bool { return m.tail != nil }

// Err is why the logs cannot be tailed, or why the tail ended.
func (m *Model) Err() error { return m.err }

// foundMsg is the reader of the API's log groups, or why there is none.
type foundMsg struct {
	gen    int64
	reader *logs.Reader
	err    error
}

// start finds the log groups (once a session) and follows them.
func (m *Model) start() tea.Cmd {
	if m.tail != nil || m.finding {
		return nil
	}
	if m.reader != nil {
		return m.followGroups()
	}
	m.gen, m.finding, m.err = view.Seq(), true, nil
	ctx, o, gen := m.c.Ctx, m.c.Ops, m.gen
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, findTimeout)
		defer cancel()
		r, err := o.LogReader(ctx)
		return foundMsg{gen: gen, reader: r, err: err}
	}
}

// followGroups starts the tail of every group.
func (m *Model) followGroups() tea.Cmd {
	r := m.reader
	opts := m.c.Ops.FollowOptions(logs.FollowOptions{Since: since, Now: m.c.Now})
	m.err = nil
	var cmd tea.Cmd
	m.tail, cmd = logtail.Start(m.c.Ctx, func(ctx context.Context, emit func(logs.Event) error) error {
		return r.Follow(ctx, opts, emit)
	})
	return cmd
}

// stop ends the tail; what it read stays.
func (m *Model) stop() {
	if m.tail != nil {
		m.tail.Stop()
		m.tail = nil
	}
}

// Update files the tail's lines; follows the console's filter and the
// fleet (for the registry's keys); tails while on top; and, on top, takes
// the view's keys.
func (m *Model) Update(msg tea.Msg) (view.View, tea.Cmd) {
	switch msg := msg.(type) {
	case foundMsg:
		if msg.gen != m.gen || !m.finding {
			return m, nil
		}
		m.finding, m.err = false, msg.err
		if msg.err != nil {
			return m, nil
		}
		m.reader = msg.reader
		if m.top {
			return m, m.followGroups()
		}
		return m, nil
	case logtail.BatchMsg:
		if m.tail == nil || msg.ID != m.tail.ID() {
			return m, nil
		}
		return m, m.batch(msg)
	case view.TopMsg:
		was := m.top
		m.top = msg.Name == Def.Name
		switch {
		case !m.top:
			m.stop()
		case !was && !m.query.Registry().Empty():
			return m, tea.Batch(m.start(), m.askConns()) // the fleet changed meanwhile
		case !was:
			return m, m.start()
		}
		return m, nil
	case view.FilterMsg:
		m.query = msg.Query
		return m, m.refilter()
	case feed.ChangedMsg:
		m.snap = msg.Snap
		if m.top && !m.query.Registry().Empty() {
			return m, m.askConns()
		}
		return m, nil
	case connsMsg:
		return m, m.conned(msg)
	case tea.KeyMsg:
		return m, m.key(msg)
	}
	return m, nil
}

// batch files what the tail emitted and waits for more.
func (m *Model) batch(b logtail.BatchMsg) tea.Cmd {
	m.Add(b.Lines)
	if len(b.Notices) > 0 {
		m.notice = b.Notices[len(b.Notices)-1]
	}
	if b.Ended {
		m.tail, m.err = nil, b.Err
		return nil
	}
	return m.tail.Next()
}

// Add files lines as the tail emits them: into the tail, or, while
// paused, among the held lines.
func (m *Model) Add(lines []logs.Line) {
	for _, l := range lines {
		if m.paused {
			m.held.push(l)
		} else {
			m.ring.push(l)
		}
	}
}

// togglePause pauses the view, or resumes it with the lines held.
func (m *Model) togglePause() {
	if !m.paused {
		m.paused = true
		return
	}
	m.paused = false
	m.held.drain(m.ring.push)
}
