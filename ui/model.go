package ui

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/data"
	"wsops/fleet"
	"wsops/ui/audit"
	"wsops/ui/clientview"
	"wsops/ui/cmdbar"
	"wsops/ui/confirm"
	"wsops/ui/conns"
	"wsops/ui/detail"
	"wsops/ui/progress"
	"wsops/ui/repair"
	"wsops/ui/send"
	"wsops/ui/styles"
	"wsops/ui/subs"
	"wsops/ui/users"
)

// view is one screen of the console.
type view int

const (
	viewConns view = iota
	viewSubs
	viewUsers
	viewDetail
	viewAudit
	viewClient
	viewRepair
)

var viewNames = map[view]string{
	viewConns: "conns", viewSubs: "subs", viewUsers: "users", viewDetail: "detail", viewAudit: "audit", viewClient: "client", viewRepair: "repair",
}

// Model is the console's root model: it owns the fleet and routes messages
// to the view on top of the stack.
type Model struct {
	ctx  context.Context
	opt  Options
	sess Session
	// sessCtx is cancelled when the session ends (:profile), stopping its
	// scans, probes and loads; sessGen tags their messages so that late ones
	// from an old session are dropped.
	sessCtx    context.Context
	sessCancel context.CancelFunc
	sessGen    int
	st         styles.Styles
	keys       keyMap
	help       help.Model

	width, height int
	showHelp      bool

	fleet    *fleet.Fleet
	refresh  refreshState
	query    fleet.Query
	pushed   data.Select
	queries  queryState
	snap     fleet.Snapshot
	rows     []int32
	summary  fleet.Summary
	subsSnap fleet.SubsSnapshot
	probing  bool
	subsLoad subsLoad
	// queryBeforeEdit is the filter when the filter bar opened, restored on esc.
	queryBeforeEdit fleet.Query

	stack  []view
	conns  conns.Model
	subs   subs.Model
	users  users.Model
	detail detail.Model
	audit  audit.Model
	repair repair.Model
	client clientview.Model
	bar    cmdbar.Model
	// repairRules are the rules :repair named (none: every rule).
	repairRules []string
	actionUI

	status    string
	statusErr bool
	fatal     error
	first     tea.Cmd // the first scan, started by Init
}

// refreshState tracks the scan in progress and the refresh history.
type refreshState struct {
	scan     int // id of the current scan; older scans' messages are dropped
	cancel   context.CancelFunc
	scanning bool
	started  time.Time
	last     time.Time
	took     time.Duration
	streamed int
	history  []int // fleet size after each refresh, for the sparkline
	sample   bool  // the next query result follows a refresh: record its total
}

// queryState runs at most one query at a time and remembers when another is
// needed because the data or the filter changed meanwhile.
type queryState struct {
	seq   int
	busy  bool
	dirty bool
}

// New returns the console's root model for a session.
func New(ctx context.Context, opt Options) Model {
	if opt.Refresh <= 0 {
		opt.Refresh = time.Second
	}
	if opt.ProbeRPS <= 0 {
		opt.ProbeRPS = 20
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	st := styles.New(styles.DefaultTheme())
	m := Model{
		ctx: ctx, opt: opt, sess: opt.Session, st: st, keys: defaultKeys(), help: help.New(),
		fleet: fleet.New(), stack: []view{viewConns},
		conns: conns.New(st, opt.Now), subs: subs.New(st, opt.Now), users: users.New(st),
		detail: detail.New(st, opt.Now), audit: audit.New(st), repair: repair.New(st), bar: cmdbar.New(st),
		actionUI: newActionUI(st, opt.Confirmer),
	}
	m.sessCtx, m.sessCancel = context.WithCancel(ctx)
	m.client = clientview.New(st, m.clientDeps())
	m.first = m.startScan()
	return m
}

// subsLoad tracks the subscriptions read in progress: a newer one supersedes
// (cancels) an older, whose late answer is dropped by its sequence number.
type subsLoad struct {
	seq    int
	cancel context.CancelFunc
	busy   bool
}

// Init starts the first scan (prepared by New, since Init cannot change the model).
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.first, tea.WindowSize(), confirm.WaitCmd(m.ctx, m.confirmer.Requests()))
}

func (m Model) top() view { return m.stack[len(m.stack)-1] }

// Update routes a message.
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
	case scanPageMsg, scanDoneMsg, tickMsg, queryMsg, probeMsg, probeDoneMsg, subsMsg:
		return m.handleData(msg)
	case detailMsg:
		m.detail.SetContent(detailContent(msg))
		return m, nil
	case auditMsg:
		if msg.Err != nil {
			m.audit.SetEmptyText("cannot read the audit log: " + msg.Err.Error())
		}
		m.audit.SetEntries(msg.entries)
		return m, nil
	case detail.OpenMsg:
		m.push(viewDetail)
		m.detail.Loading(msg.ID)
		return m, loadDetailCmd(m.sessCtx, m.sess.Registry, m.sess.Mgmt, msg.ID)
	case conns.SortMsg:
		return m, m.requery()
	case users.OpenMsg:
		return m.applyFilter(fleet.Query{User: msg.User}.String(), viewConns)
	case cmdbar.CancelMsg:
		if msg.Mode == cmdbar.Filter {
			m.query = m.queryBeforeEdit
			m.setStatus("", false)
			if m.top() == viewSubs {
				return m, querySubsCmd(m.subsLoad.seq, m.subsSnap, m.query)
			}
			return m, m.requery()
		}
		return m, nil
	case sessionMsg:
		return m.switchSession(msg)
	case repairPlanMsg, repair.ReplanMsg, repair.ApplyMsg:
		return m.handleRepair(msg)
	case detail.ToggleActiveMsg:
		return m.toggleActive(msg)
	case toggleDoneMsg:
		return m.toggleDone(msg)
	case clientview.SpecMsg, clientview.EventMsg, clientview.OwnMsg, clientview.BroadcastMsg, clientview.SentMsg:
		// Clients keep running while other views are shown.
		if sm, ok := msg.(clientview.SpecMsg); ok && sm.Err != nil {
			m.setStatus(sm.Err.Error(), true)
		} else if ok {
			m.setStatus("", false)
		}
		var cmd tea.Cmd
		m.client, cmd = m.client.Update(msg)
		return m, cmd
	case confirm.RequestMsg, conns.SendMsg, conns.LogoutMsg, send.SubmitMsg, actionProgressMsg, actionDoneMsg,
		progress.PruneGoneMsg, progress.ResumeMsg, progress.UndoMsg, progress.CancelMsg:
		return m.handleAction(msg)
	}
	return m.routeToView(msg)
}

// handleKey gives keys to the input bar while it is open, then to the
// global bindings, then to the view.
func (m Model) handleKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.overlay() {
		if m.onlySummary() && key.Matches(k, m.keys.Quit) {
			return m, tea.Quit // nothing runs: the summary does not hold the console
		}
		return m.overlayKey(k)
	}
	if m.clientKey(k) {
		return m.routeToView(k)
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
			m.stack = m.stack[:len(m.stack)-1]
			m.layout()
		} else if !m.query.Empty() {
			return m.applyFilter("", viewConns)
		}
		return m, nil
	}
	return m.routeToView(k)
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

// routeToView hands a message to the view on top.
func (m Model) routeToView(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.top() {
	case viewConns:
		m.conns, cmd = m.conns.Update(msg)
	case viewSubs:
		m.subs, cmd = m.subs.Update(msg)
	case viewUsers:
		m.users, cmd = m.users.Update(msg)
	case viewDetail:
		m.detail, cmd = m.detail.Update(msg)
	case viewAudit:
		m.audit, cmd = m.audit.Update(msg)
	case viewRepair:
		m.repair, cmd = m.repair.Update(msg)
	case viewClient:
		m.client, cmd = m.client.Update(msg)
	}
	return m, cmd
}

// push shows v on top, unless it already is.
func (m *Model) push(v view) {
	if m.top() != v {
		m.stack = append(m.stack, v)
	}
	m.layout()
}

// setStatus shows a one-line message under the view.
func (m *Model) setStatus(text string, isErr bool) {
	m.status, m.statusErr = text, isErr
}

func detailContent(d detailMsg) detail.Content {
	return detail.Content{ID: d.id, Conn: d.conn, ConnErr: d.connErr, Subs: d.subs, SubsErr: d.subsErr, Live: d.live, LiveErr: d.liveErr}
}
