package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/data"
	"wsops/fleet"
	"wsops/ui/cmdbar"
)

// profileTimeout bounds :profile NAME (credential chains can hang on SSO or IMDS).
const profileTimeout = 30 * time.Second

// sessionMsg is the result of :profile NAME.
type sessionMsg struct {
	name string
	sess Session
	Err  error
}

// submit applies a finished `:` command or `/` filter.
func (m Model) submit(msg cmdbar.SubmitMsg) (tea.Model, tea.Cmd) {
	if msg.Mode == cmdbar.Filter {
		return m.applyFilter(msg.Text, m.top())
	}
	return m.runCommand(strings.TrimSpace(msg.Text))
}

// liveFilter re-filters what is loaded as the filter is typed; what DynamoDB
// could serve is pushed down when the filter is submitted.
func (m *Model) liveFilter() tea.Cmd {
	q, err := fleet.Parse(m.bar.Value())
	if err != nil {
		m.setStatus(err.Error(), true)
		return nil
	}
	m.setStatus("", false)
	m.query = q
	if m.top() == viewSubs {
		return querySubsCmd(m.subsLoad.seq, m.subsSnap, q)
	}
	return m.requery()
}

// applyFilter sets the filter and shows view v. When the part DynamoDB can
// serve changed, the fleet is read again with it (an index query for a user or
// a topic, a filter expression for app, entity and platform).
func (m Model) applyFilter(text string, v view) (tea.Model, tea.Cmd) {
	q, err := fleet.Parse(text)
	if err != nil {
		m.setStatus(err.Error(), true)
		return m, nil
	}
	m.query = q
	m.setStatus("", false)
	m.stack = []view{viewConns}
	if v != viewConns {
		m.stack = append(m.stack, v)
	}
	m.layout()
	var cmds []tea.Cmd
	if pushed := q.Select(); !sameSelect(pushed, m.pushed) {
		m.pushed = pushed
		m.fleet = fleet.New()
		cmds = append(cmds, m.startScan())
	}
	cmds = append(cmds, m.requery())
	if m.top() == viewSubs {
		cmds = append(cmds, m.loadSubs())
	}
	return m, tea.Batch(cmds...)
}

// runCommand runs a `:` command.
func (m Model) runCommand(text string) (tea.Model, tea.Cmd) {
	name, arg, _ := strings.Cut(text, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case "q", "quit", "q!":
		return m, tea.Quit
	case "conns", "connections":
		m.stack = []view{viewConns}
		m.layout()
		return m, nil
	case "subs", "subscriptions":
		m.push(viewSubs)
		return m, m.loadSubs()
	case "users":
		m.push(viewUsers)
		return m, m.requery()
	case "audit":
		m.push(viewAudit)
		return m, loadAuditCmd(m.opt.AuditPath)
	case "client":
		return m.openClient(arg)
	case "profile":
		if arg == "" {
			m.setStatus(fmt.Sprintf("on profile %s; :profile NAME switches", m.sess.Profile.Name), false)
			return m, nil
		}
		if m.opt.Open == nil {
			m.setStatus("switching profiles is not available here", true)
			return m, nil
		}
		open, ctx := m.opt.Open, m.ctx
		m.setStatus("connecting to profile "+arg+"…", false)
		return m, func() tea.Msg {
			ctx, cancel := context.WithTimeout(ctx, profileTimeout)
			defer cancel()
			s, err := open(ctx, arg)
			return sessionMsg{name: arg, sess: s, Err: err}
		}
	case "send", "logout", "prune":
		return m.actionCommand(name, arg)
	case "repair":
		return m.openRepair(arg)
	case "":
		return m, nil
	}
	m.setStatus(fmt.Sprintf("unknown command :%s (try :conns :subs :users :audit :client [user=U,app=A] :send [all] :logout :prune :repair [RULE] :profile NAME :q)", name), true)
	return m, nil
}

// switchSession moves the console to another profile.
func (m Model) switchSession(msg sessionMsg) (tea.Model, tea.Cmd) {
	if msg.Err != nil {
		m.setStatus(fmt.Sprintf("profile %s: %v", msg.name, msg.Err), true)
		return m, nil
	}
	m.sessCancel()
	if m.sess.Close != nil {
		m.sess.Close() // idle connections only: it does not wait on the network
	}
	m.sessCtx, m.sessCancel = context.WithCancel(m.ctx)
	m.sessGen++
	m.probing = false
	m.subsLoad = subsLoad{seq: m.subsLoad.seq + 1}
	m.sess = msg.sess
	m.client.Close()
	m.client.SetDeps(m.clientDeps())
	m.fleet = fleet.New()
	m.query, m.pushed = fleet.Query{}, data.Select{}
	m.refresh.history = nil
	m.stack = []view{viewConns}
	m.setStatus("profile "+msg.name, false)
	m.layout()
	return m, tea.Batch(m.startScan(), m.requery())
}
