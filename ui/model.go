package ui

import (
	"context"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/sanitize"
	"wsops/ui/action"
	"wsops/ui/cmdbar"
	"wsops/ui/feed"
	"wsops/ui/metricsfeed"
	"wsops/ui/styles"
	"wsops/ui/view"
)

// Model is the console's root: it routes messages to the views and draws
// the frame around the one on top.
type Model struct {
	ctx  context.Context
	opt  Options
	sess Session
	// common is the session's context for every view; cancel ends it,
	// stopping the session's scans, probes and loads.
	common *view.Common
	cancel context.CancelFunc
	defs   []view.Def
	views  map[string]view.View
	stack  []string // the views shown, the top last

	feed *feed.Feed
	// metrics is the session's one schedule of CloudWatch reads, for the
	// header's strip and the views.
	metrics *metricsfeed.Feed
	actions *action.Model
	bar     cmdbar.Model
	// query is the filter; queryBeforeEdit the filter when the filter bar
	// opened, restored on esc.
	query, queryBeforeEdit fleet.Query

	st            styles.Styles
	keys          keyMap
	help          help.Model
	width, height int
	showHelp      bool
	status        string
	statusErr     bool
	first         tea.Cmd // the first scan, started by Init
}

// New returns the console's root model for a session.
func New(ctx context.Context, opt Options) Model {
	if opt.Refresh <= 0 {
		opt.Refresh = time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	st := styles.New(styles.DefaultTheme())
	m := Model{ctx: ctx, opt: opt, st: st, help: help.New(), defs: views(opt), bar: cmdbar.New(st)}
	m.keys = defaultKeys()
	m.first = m.enter(opt.Session)
	m.actions = action.New(m.common, opt.Confirmer)
	return m
}

// enter starts a session: its context, its views, its feed and first scan.
func (m *Model) enter(s Session) tea.Cmd {
	ctx, cancel := context.WithCancel(m.ctx)
	m.sess, m.cancel = s, cancel
	m.common = &view.Common{Ctx: ctx, Ops: s.Ops, Profile: s.Profile, Styles: m.st, Now: m.opt.Now, ProbeRPS: m.opt.ProbeRPS}
	m.views = make(map[string]view.View, len(m.defs))
	cmds := make([]tea.Cmd, 0, len(m.defs)+1)
	for _, d := range m.defs {
		v := d.New(m.common)
		m.views[d.Name] = v
		cmds = append(cmds, v.Init())
	}
	m.stack = []string{m.defs[0].Name}
	m.query, m.queryBeforeEdit = fleet.Query{}, fleet.Query{}
	m.feed = feed.New(m.common, m.opt.Refresh)
	m.metrics = metricsfeed.New(m.common)
	if m.actions != nil {
		m.actions.SetCommon(m.common)
	}
	m.layout()
	if len(s.Warnings) > 0 {
		msg := "warning: " + sanitize.Text(s.Warnings[0])
		if more := len(s.Warnings) - 1; more > 0 {
			msg += fmt.Sprintf(" (and %d more: wsops config)", more)
		}
		m.setStatus(msg, true)
	}
	return tea.Batch(append(cmds, m.feed.Start(), m.metrics.Start())...)
}

// leave ends the session: its loads stop, its test clients close, its
// pooled connections are released.
func (m *Model) leave() {
	m.cancel()
	for _, v := range m.views {
		if c, ok := v.(view.Closer); ok {
			c.Close()
		}
	}
	if m.sess.Close != nil {
		m.sess.Close() // idle connections only: it does not wait on the network
	}
}

// Init starts the first scan (prepared by New, since Init cannot change
// the model) and listens for ops' confirmation requests.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.first, tea.WindowSize(), m.actions.Listen(m.ctx))
}

// top is the view on top.
func (m Model) top() view.View { return m.views[m.stack[len(m.stack)-1]] }

// Update routes a message: keys to the action overlay, the bars or the
// view on top; the frame's own messages to the root; anything else to the
// feed, the action lifecycle and every view, each ignoring what is not its
// own.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.KeyMsg:
		return m.handleKey(msg)
	case cmdbar.SubmitMsg:
		return m.submit(msg)
	case cmdbar.CancelMsg:
		if msg.Mode != cmdbar.Filter {
			return m, nil
		}
		m.setStatus("", false)
		return m, m.setFilter(m.queryBeforeEdit, false)
	case view.StatusMsg:
		m.setStatus(msg.Text, msg.Err)
		return m, nil
	case view.OpenMsg:
		return m, m.open(msg.Name, msg.Arg)
	case view.ApplyFilterMsg:
		return m.applyFilter(msg.Text, msg.Show)
	case sessionMsg:
		return m.switchSession(msg)
	case action.DoneMsg:
		cmd, _ := m.feed.Update(feed.RescanMsg{}) // show what changed
		return m, tea.Batch(cmd, m.broadcast(msg))
	}
	sums := m.feed.Summaries()
	cmd, out := m.feed.Update(msg)
	cmds := []tea.Cmd{cmd, m.toMetrics(msg), m.actions.Update(msg), m.broadcast(msg)}
	for _, o := range out {
		cmds = append(cmds, m.fromFeed(o))
	}
	if m.feed.Summaries() != sums {
		m.layout() // the header's matrix grows with the apps the data holds
	}
	return m, tea.Batch(cmds...)
}

// fromFeed applies what the feed says to the frame and hands it to the
// views; a refresh goes to the metrics schedule too.
func (m *Model) fromFeed(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case view.StatusMsg:
		m.setStatus(msg.Text, msg.Err)
		return nil
	case view.RefreshMsg:
		return tea.Batch(m.toMetrics(msg), m.broadcast(msg))
	}
	return m.broadcast(msg)
}

// toMetrics hands msg to the metrics schedule, and what it reports to every
// view; the header's strip may have come or gone.
func (m *Model) toMetrics(msg tea.Msg) tea.Cmd {
	cmd, out := m.metrics.Update(msg)
	if len(out) == 0 {
		return cmd
	}
	m.layout()
	cmds := []tea.Cmd{cmd}
	for _, o := range out {
		cmds = append(cmds, m.broadcast(o))
	}
	return tea.Batch(cmds...)
}

// broadcast hands msg to every view.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(m.defs))
	for _, d := range m.defs {
		v, cmd := m.views[d.Name].Update(msg)
		m.views[d.Name] = v
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// toTop hands msg to the view on top.
func (m *Model) toTop(msg tea.Msg) tea.Cmd {
	name := m.stack[len(m.stack)-1]
	v, cmd := m.views[name].Update(msg)
	m.views[name] = v
	return cmd
}

// open shows view name on top (back to it, when it is in the stack) and
// opens it with arg.
func (m *Model) open(name, arg string) tea.Cmd {
	v, ok := m.views[name]
	if !ok {
		m.setStatus("no view "+name, true)
		return nil
	}
	m.show(name)
	return tea.Batch(m.broadcast(view.TopMsg{Name: name}), v.Open(arg))
}

// show puts view name on top: back to it when it is in the stack, else
// pushed.
func (m *Model) show(name string) {
	for i, n := range m.stack {
		if n == name {
			m.stack = m.stack[:i+1]
			m.layout()
			return
		}
	}
	m.stack = append(m.stack, name)
	m.layout()
}

// back pops the view on top, telling the views.
func (m *Model) back() tea.Cmd {
	m.stack = m.stack[:len(m.stack)-1]
	m.layout()
	return m.broadcast(view.TopMsg{Name: m.stack[len(m.stack)-1]})
}

// handleKey gives keys to the action overlay while it is open, to the view
// when it captures them, to the input bar while it is open, then to the
// global bindings, then to the view.
func (m Model) handleKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.statusErr {
		// An error stays until the operator acts: no refresh clears it.
		m.setStatus("", false)
	}
	if m.showHelp && key.Matches(k, m.keys.Back) {
		m.showHelp = false
		return m, nil
	}
	if m.actions.IsOpen() {
		if m.actions.OnlySummary() && key.Matches(k, m.keys.Quit) {
			return m, tea.Quit // nothing runs: the summary does not hold the console
		}
		cmd := m.actions.Update(k)
		m.layout()
		return m, cmd
	}
	if c, ok := m.top().(view.Capturer); ok && c.Captures(k) {
		return m, m.toTop(k)
	}
	if m.bar.Mode() != cmdbar.Off {
		var cmd tea.Cmd
		m.bar, cmd = m.bar.Update(k)
		if m.bar.Mode() == cmdbar.Filter {
			cmd = tea.Batch(cmd, m.liveFilter())
		}
		m.layout()
		return m, cmd
	}
	if mode, rest, ok := pastedInput(k); ok {
		m.queryBeforeEdit = m.query
		open := m.bar.Open(mode, "")
		var cmd tea.Cmd
		m.bar, cmd = m.bar.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: rest})
		if mode == cmdbar.Filter {
			cmd = tea.Batch(cmd, m.liveFilter())
		}
		m.layout()
		return m, tea.Batch(open, cmd)
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(k, m.keys.Help):
		m.showHelp = !m.showHelp
		m.layout()
		return m, nil
	case key.Matches(k, m.keys.Refresh):
		cmd, _ := m.feed.Update(feed.RescanMsg{})
		return m, tea.Batch(cmd, m.toMetrics(view.RefreshMsg{}), m.broadcast(view.RefreshMsg{}))
	case key.Matches(k, m.keys.Pause):
		cmd, _ := m.feed.Update(feed.PauseMsg{})
		return m, cmd
	case key.Matches(k, m.keys.Command):
		cmd := m.bar.Open(cmdbar.Command, "")
		m.layout()
		return m, cmd
	case key.Matches(k, m.keys.Filter):
		m.queryBeforeEdit = m.query
		cmd := m.bar.Open(cmdbar.Filter, m.query.String())
		m.layout()
		return m, cmd
	case key.Matches(k, m.keys.Back):
		if len(m.stack) > 1 {
			return m, m.back()
		} else if !m.query.Empty() {
			return m.applyFilter("", m.stack[0])
		}
		return m, nil
	}
	return m, m.toTop(k)
}

// pastedInput recognises ":cmd" or "/filter" arriving as one multi-rune key
// event (pasted, or sent faster than the terminal splits keys): the bar opens
// with the rest as its text.
func pastedInput(k tea.KeyMsg) (cmdbar.Mode, []rune, bool) {
	if k.Type != tea.KeyRunes || len(k.Runes) < 2 || k.Paste {
		return cmdbar.Off, nil, false
	}
	switch k.Runes[0] {
	case ':':
		return cmdbar.Command, k.Runes[1:], true
	case '/':
		return cmdbar.Filter, k.Runes[1:], true
	}
	return cmdbar.Off, nil, false
}

// setStatus shows a one-line message under the view.
func (m *Model) setStatus(text string, isErr bool) {
	m.status, m.statusErr = text, isErr
}
