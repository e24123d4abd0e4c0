// Package apiview is the console's API view (`:api`): the profile's
// WebSocket API as apigatewayv2 describes it — its endpoint and route
// selection, the stage's URLs and settings, every route with the Lambda
// function behind it, and the warnings an operator should act on — with the
// API's own traffic from CloudWatch beside the registry's count of
// connections, the one gauge API Gateway does not publish.
//
// The API is read when the view opens and on `r`, never on the console's
// refresh; the metrics come from the root's one schedule (ui/metricsfeed).
// What cannot be read is said in the view, in plain words.
package apiview

import (
	"context"
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/ops"
	"wsops/sanitize"
	"wsops/ui/feed"
	"wsops/ui/metricsfeed"
	"wsops/ui/styles"
	"wsops/ui/view"
)

// Def registers the view.
var Def = view.Def{Name: "api", Usage: ":api", New: New}

// describeTimeout bounds one description of the API (four apigatewayv2
// calls, more when they page).
const describeTimeout = 30 * time.Second

// Model is the API view.
type Model struct {
	c    *view.Common
	st   styles.Styles
	vp   viewport.Model
	keys KeyMap
	top  bool

	// seq is the description asked last: older answers are dropped.
	seq     int64
	loading bool
	report  *ops.APIReport
	err     error // the last description's error, nil once one succeeds

	metrics metricsfeed.State
	snap    fleet.Snapshot // the feed's newest, for the registry's count
	scanned bool           // a scan has ended: the count is the registry's
}

// New returns the API view of a session; it reads nothing until opened.
func New(c *view.Common) view.View {
	vp := viewport.New(80, 20)
	keys := DefaultKeyMap()
	vp.KeyMap = keys.Scroll
	return &Model{c: c, st: c.Styles, vp: vp, keys: keys}
}

// Init does nothing: the view reads when opened.
func (m *Model) Init() tea.Cmd { return nil }

// Open reads the API, and asks for the metrics if a minute old.
func (m *Model) Open(string) tea.Cmd {
	m.top = true
	cmd := m.reload()
	m.vp.GotoTop()
	return cmd
}

// Title names the view.
func (m *Model) Title() string { return Def.Name }

// Note is the API's name and its warnings, after the breadcrumb.
func (m *Model) Note() string {
	switch {
	case m.loading && m.report == nil:
		return "reading the API…"
	case m.err != nil:
		return "cannot read the API"
	case m.report == nil:
		return ""
	}
	note := sanitize.Text(m.report.API.Name)
	switch n := len(m.report.Warnings); n {
	case 0:
		note += " · no warnings"
	case 1:
		note += " · 1 warning"
	default:
		note += " · " + strconv.Itoa(n) + " warnings"
	}
	if m.loading {
		note += " · reading again…"
	}
	return note
}

// KeyMap lists the view's keys for the help line.
func (m *Model) KeyMap() []key.Binding { return m.keys.ShortHelp() }

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) {
	m.vp.Width, m.vp.Height = w, h
	m.redraw()
}

// describedMsg is what one description of the API found.
type describedMsg struct {
	seq    int64
	report *ops.APIReport
	err    error
}

// reload reads the API again and asks the root's schedule for metrics.
func (m *Model) reload() tea.Cmd {
	m.seq, m.loading = view.Seq(), true
	m.redraw()
	ctx, o, seq, live := m.c.Ctx, m.c.Ops, m.seq, m.live()
	return tea.Batch(view.Cmd(metricsfeed.PollMsg{}), func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, describeTimeout)
		defer cancel()
		r, err := o.API(ctx, live)
		return describedMsg{seq: seq, report: r, err: err}
	})
}

// Update takes the description, the metrics and the fleet's snapshots;
// on top, `r` reads again and the other keys scroll. The console's refresh
// reads nothing: the API's configuration does not change every second.
func (m *Model) Update(msg tea.Msg) (view.View, tea.Cmd) {
	switch msg := msg.(type) {
	case describedMsg:
		if msg.seq != m.seq {
			return m, nil
		}
		m.loading, m.err = false, msg.err
		if msg.err == nil {
			m.report = msg.report
		}
		m.redraw()
		return m, nil
	case metricsfeed.ReportMsg:
		m.metrics = msg.State
		m.redraw()
		return m, nil
	case feed.ChangedMsg:
		m.snap = msg.Snap
		m.scanned = m.scanned || msg.Refreshed
		if m.top {
			m.redraw()
		}
		return m, nil
	case view.TopMsg:
		m.top = msg.Name == Def.Name
		if m.top {
			m.redraw()
		}
		return m, nil
	case tea.KeyMsg:
		if key.Matches(msg, m.keys.Reload) {
			return m, m.reload()
		}
	}
	var cmd tea.Cmd
	m.vp, cmd = m.vp.Update(msg)
	return m, cmd
}

// View renders the view.
func (m *Model) View() string { return m.vp.View() }

// redraw lays the content out again at the view's width, keeping the
// scroll position.
func (m *Model) redraw() {
	off := m.vp.YOffset
	m.vp.SetContent(m.render(max(1, m.vp.Width)))
	m.vp.SetYOffset(off)
}

// registry is the registry's count as the console's fleet holds it:
// records and those a probe found gone; known once a scan has ended.
type registry struct {
	total, stale int
	known        bool
}

// count counts the fleet's records still in the registry.
func (m *Model) count() registry {
	r := registry{known: m.scanned}
	for i := range m.snap.Len() {
		st := m.snap.State(i)
		if st&fleet.Vanished != 0 {
			continue
		}
		r.total++
		if st&fleet.Gone != 0 {
			r.stale++
		}
	}
	return r
}

// live is the registry's count for the throttling check (-1: unknown).
func (m *Model) live() int {
	if r := m.count(); r.known {
		return r.total
	}
	return -1
}
