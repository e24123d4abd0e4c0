// Package detail is the console's detail view of one connection: every raw
// attribute, its problems, its live status from GetConnection, its
// subscriptions, and under them its trail through the API's logs (the last
// hour, followed live while the detail is on top: ui/trail).
package detail

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/ops"
	"wsops/sanitize"
	"wsops/ui/styles"
	"wsops/ui/trail"
	"wsops/ui/view"
)

// Def registers the view: opened with a connection id.
var Def = view.Def{Name: "detail", New: New}

// Content is what the view shows; errors are shown in place of what failed.
type Content = ops.Inspection

// Model is the detail view.
type Model struct {
	c       *view.Common
	vp      viewport.Model
	st      styles.Styles
	keys    KeyMap
	now     func() time.Time
	content *Content
	id      string
	seq     int64 // the read in progress: older reads' answers are dropped
	sub     int   // the selected subscription, for the toggle

	trail                 *trail.Model
	top                   bool // the view is on top: its trail follows
	width, height, trailH int  // the body's size; the trail's place under the details
}

// New returns an empty detail view.
func New(c *view.Common) view.View {
	return &Model{c: c, vp: viewport.New(80, 20), st: c.Styles, keys: DefaultKeyMap(), now: c.Now, trail: trail.New(c)}
}

// Init does nothing: the view reads when opened.
func (m *Model) Init() tea.Cmd { return nil }

// Open reads the details of connection id, and its trail.
func (m *Model) Open(id string) tea.Cmd {
	m.Loading(id)
	m.top = true
	cmd := m.trail.Start(id)
	m.layout()
	return tea.Batch(m.read(), cmd)
}

// Close stops following the trail: the session ends.
func (m *Model) Close() { m.trail.Stop() }

// Trail is the connection's trail.
func (m *Model) Trail() *trail.Model { return m.trail }

// Title names the view and the connection.
func (m *Model) Title() string { return "detail " + sanitize.Text(m.id) }

// KeyMap lists the view's keys for the help line.
func (m *Model) KeyMap() []key.Binding { return m.keys.ShortHelp() }

// Loading shows that the details of id are being read.
func (m *Model) Loading(id string) {
	m.id, m.content, m.sub = id, nil, 0
	m.vp.SetContent(m.st.Muted.Render("reading " + sanitize.Text(id) + "…"))
	m.vp.GotoTop()
}

// SetContent shows what was read; content for another id is ignored.
func (m *Model) SetContent(c Content) {
	if c.ID != m.id {
		return
	}
	m.content = &c
	m.sub = min(m.sub, max(0, len(c.Subs)-1))
	m.vp.SetContent(m.wrapped(c))
}

// wrapped renders c with long lines wrapped to the view's width, so that no
// value is cut off at the edge.
func (m Model) wrapped(c Content) string {
	return m.st.App.Width(max(1, m.vp.Width)).Render(m.render(c))
}

// SetSize sets the view's size: the trail takes the lower part.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.vp.Width = w
	m.layout()
	if m.content != nil {
		m.vp.SetContent(m.wrapped(*m.content))
	}
}

// layout gives the trail the lines it needs, up to its share of the body;
// the details take the rest.
func (m *Model) layout() {
	m.trailH = min(trailHeight(m.height), m.trail.Needs(m.width))
	m.vp.Height = m.height - m.trailH
}

// trailHeight is the trail's share of a body h lines tall: half, at least
// a title and two rows; none on a body too short for both parts.
func trailHeight(h int) int {
	if h < 6 {
		return 0
	}
	return min(max(3, h/2), h-3)
}

// resumeMsg asks, once the detail is back on top, to follow the trail of
// read gen again (dropped when the detail was opened anew meanwhile).
type resumeMsg struct{ gen int64 }

// Update scrolls, selects a subscription and toggles it, and shows what
// was read.
func (m *Model) Update(msg tea.Msg) (view.View, tea.Cmd) {
	switch msg := msg.(type) {
	case readMsg:
		if msg.seq == m.seq {
			m.SetContent(msg.in)
		}
		return m, nil
	case toggledMsg:
		return m, m.toggled(msg)
	case view.TopMsg:
		return m, m.topChanged(msg.Name == Def.Name)
	case resumeMsg:
		if m.top && msg.gen == m.trail.Gen() && !m.trail.Running() && m.id != "" {
			cmd := m.trail.Start(m.id)
			m.layout()
			return m, cmd
		}
		return m, nil
	}
	if cmd, ok := m.trail.Update(msg); ok {
		m.layout()
		return m, cmd
	}
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, m.keys.TrailOlder):
			m.trail.Scroll(max(1, m.trailH/2), m.trailH-1)
			return m, nil
		case key.Matches(k, m.keys.TrailNewer):
			m.trail.Scroll(-max(1, m.trailH/2), m.trailH-1)
			return m, nil
		}
	}
	if k, ok := msg.(tea.KeyMsg); ok && m.content != nil && len(m.content.Subs) > 0 {
		n := len(m.content.Subs)
		switch {
		case key.Matches(k, m.keys.NextSub):
			m.sub = (m.sub + 1) % n
			m.vp.SetContent(m.wrapped(*m.content))
			return m, nil
		case key.Matches(k, m.keys.PrevSub):
			m.sub = (m.sub + n - 1) % n
			m.vp.SetContent(m.wrapped(*m.content))
			return m, nil
		case key.Matches(k, m.keys.Toggle):
			return m, m.toggle(m.content.Subs[m.sub], m.content.Conn.App)
		}
	}
	var cmd tea.Cmd
	m.vp, cmd = m.vp.Update(msg)
	return m, cmd
}

// topChanged follows the trail while the detail is on top: it stops when
// another view covers the detail, and reads and follows again when the
// detail is back (asked by a message: when the detail is being opened, Open
// starts its own read right after).
func (m *Model) topChanged(top bool) tea.Cmd {
	was := m.top
	m.top = top
	switch {
	case !top:
		m.trail.Stop()
	case !was && m.id != "":
		return view.Cmd(resumeMsg{gen: m.trail.Gen()})
	}
	return nil
}

// View renders the view: the details, and the trail under them.
func (m *Model) View() string {
	if m.trailH == 0 {
		return m.vp.View()
	}
	return m.vp.View() + "\n" + m.trail.View(m.width, m.trailH)
}

func (m Model) render(c Content) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("%s %s", m.st.Title.Render("Connection"), sanitize.Text(c.ID))
	line("")
	line("%s %s", m.st.Title.Render("Live:"), m.live(c))
	line("")
	if c.ConnErr != nil {
		line("%s %s", m.st.Error.Render("Record:"), sanitize.Text(c.ConnErr.Error()))
	} else {
		line("%s", m.st.Title.Render("Problems:"))
		if len(c.Conn.Problems) == 0 {
			line("  %s", m.st.Muted.Render("none"))
		}
		for _, p := range c.Conn.Problems {
			line("  %s", m.st.Problem.Render("• "+sanitize.Text(p)))
		}
		line("")
		line("%s", m.st.Title.Render("Attributes:"))
		plain := ops.PlainItem(c.Conn.Item)
		keys := slices.Sorted(maps.Keys(plain))
		width := 0
		for _, k := range keys {
			width = max(width, sanitize.Width(sanitize.Text(k)))
		}
		for _, k := range keys {
			v, _ := json.Marshal(plain[k])
			line("  %s  %s", sanitize.Cell(k, width), sanitize.Text(string(v)))
		}
	}
	line("")
	switch {
	case c.SubsErr != nil:
		line("%s %s", m.st.Error.Render("Subscriptions:"), sanitize.Text(c.SubsErr.Error()))
	default:
		line("%s", m.st.Title.Render(fmt.Sprintf("Subscriptions (%d):", len(c.Subs))))
		for i, s := range c.Subs {
			marker := "  "
			if i == m.sub {
				marker = m.st.Key.Render("▸ ")
			}
			active := "active"
			if !s.Active {
				active = "inactive"
			}
			problems := ""
			if len(s.Problems) > 0 {
				problems = m.st.Problem.Render("  " + sanitize.Text(strings.Join(s.Problems, "; ")))
			}
			line("%s%s  %s%s", marker, sanitize.Text(s.Key), active, problems)
		}
	}
	return b.String()
}

// rootCause is the innermost error of a chain: the SDK's wrapped errors
// repeat the operation and attempt counts; the cause says what went wrong.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

func (m Model) live(c Content) string {
	switch {
	case errors.Is(c.LiveErr, ops.ErrGone):
		return m.st.Gone.Render("GONE") + m.st.Muted.Render(" (GetConnection: 410; the record is stale)")
	case c.LiveErr != nil:
		return m.st.Error.Render("unknown (GetConnection failed: " + sanitize.Text(rootCause(c.LiveErr).Error()) + ")")
	}
	l := c.Live
	now := m.now()
	return m.st.Live.Render("connected") + fmt.Sprintf(" since %s (%s ago), last active %s ago, from %s, %s",
		l.ConnectedAt.Local().Format("15:04:05"), now.Sub(l.ConnectedAt).Round(time.Second),
		now.Sub(l.LastActiveAt).Round(time.Second), sanitize.Text(l.SourceIP), sanitize.Text(l.UserAgent))
}
