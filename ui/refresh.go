package ui

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/data"
)

// maxRefresh caps the adaptive refresh interval.
const maxRefresh = time.Minute

// historyLen is how many refreshes the sparkline remembers.
const historyLen = 240

// probeWindow is how many rows around the cursor the background probe asks about.
const probeWindow = 60

// startScan begins a new generation of the fleet from a fresh scan, cancelling
// any scan still running.
func (m *Model) startScan() tea.Cmd {
	if m.refresh.cancel != nil {
		m.refresh.cancel()
	}
	ctx, cancel := context.WithCancel(m.sessCtx)
	m.refresh.scan++
	m.refresh.cancel = cancel
	m.refresh.scanning = true
	m.refresh.started = m.opt.Now()
	m.refresh.streamed = 0
	m.fleet.BeginRefresh()
	return startScanCmd(ctx, m.sess.Registry, m.pushed, m.refresh.scan)
}

// interval is the pause before the next refresh: the configured one, or three
// times the last scan's duration on fleets where scans take long.
func (m Model) interval() time.Duration {
	return min(max(m.opt.Refresh, 3*m.refresh.took), maxRefresh)
}

// handleData applies scan pages, query results, probe answers and ticks.
func (m Model) handleData(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case scanPageMsg:
		if msg.scan != m.refresh.scan {
			return m, nil
		}
		m.fleet.Add(msg.page.Items)
		m.refresh.streamed += len(msg.page.Items)
		return m, tea.Batch(waitPage(msg.scan, msg.pages), m.requery())
	case scanDoneMsg:
		if msg.scan != m.refresh.scan {
			return m, nil
		}
		return m.scanDone(msg)
	case tickMsg:
		if msg.scan != m.refresh.scan {
			return m, nil // a newer scan started meanwhile and has its own tick
		}
		cmds := []tea.Cmd{m.startScan()}
		switch m.top() {
		case viewSubs:
			if !m.subsLoad.busy {
				cmds = append(cmds, m.loadSubs())
			}
		case viewAudit:
			cmds = append(cmds, loadAuditCmd(m.opt.AuditPath))
		}
		return m, tea.Batch(cmds...)
	case queryMsg:
		return m.queried(msg)
	case probeMsg:
		if msg.gen != m.sessGen {
			return m, nil // an old session's probe, cancelled with it
		}
		if msg.known {
			m.fleet.SetProbe(msg.id, msg.gone)
		}
		return m, tea.Batch(waitProbe(msg.gen, msg.answers), m.requery())
	case probeDoneMsg:
		if msg.gen == m.sessGen {
			m.probing = false
		}
		return m, nil
	case subsMsg:
		if msg.seq != m.subsLoad.seq {
			return m, nil // superseded by a newer read or query
		}
		m.subsLoad.busy = false
		if msg.Err != nil {
			m.setStatus("reading subscriptions: "+msg.Err.Error(), true)
			return m, nil
		}
		m.subsSnap = msg.snap
		m.subs.SetRows(msg.snap, msg.rows)
		return m, nil
	}
	return m, nil
}

func (m Model) scanDone(msg scanDoneMsg) (tea.Model, tea.Cmd) {
	now := m.opt.Now()
	m.refresh.scanning = false
	m.refresh.took = now.Sub(m.refresh.started)
	if msg.Err != nil {
		m.fleet.AbortRefresh()
		m.setStatus(fmt.Sprintf("refresh failed (showing the previous one): %v", msg.Err), true)
	} else {
		m.fleet.EndRefresh()
		m.refresh.last = now
		m.refresh.sample = true
		if m.statusErr {
			m.setStatus("", false)
		}
	}
	cmds := []tea.Cmd{m.requery(), refreshAfter(m.sessCtx, m.interval(), m.refresh.scan)}
	if !m.probing && m.sess.Ops != nil && m.top() == viewConns && m.conns.Len() > 0 {
		m.probing = true
		cmds = append(cmds, probeCmd(m.sessCtx, m.sessGen, m.sess.Ops, m.conns.Window(probeWindow), m.opt.ProbeRPS))
	}
	return m, tea.Batch(cmds...)
}

// requery filters and sorts the current snapshot off the UI goroutine; at
// most one query runs, and one more follows if anything changed meanwhile.
func (m *Model) requery() tea.Cmd {
	if m.queries.busy {
		m.queries.dirty = true
		return nil
	}
	m.queries.busy, m.queries.dirty = true, false
	m.queries.seq++
	key, desc := m.conns.Sort()
	return queryCmd(m.queries.seq, m.fleet.Snapshot(), m.query, key, desc, m.sess.Profile.Schema, m.top() == viewUsers)
}

func (m Model) queried(msg queryMsg) (tea.Model, tea.Cmd) {
	m.queries.busy = false
	m.snap, m.rows, m.summary = msg.snap, msg.rows, msg.summary
	// The header's matrix grows with the apps and entity types the data
	// holds: the views get what is left of the screen.
	m.layout()
	m.conns.SetRows(msg.snap, msg.rows)
	if msg.users != nil {
		m.users.SetUsers(msg.users)
	}
	if m.refresh.sample {
		m.refresh.sample = false
		m.refresh.history = append(m.refresh.history, msg.summary.Total)
		if n := len(m.refresh.history); n > historyLen {
			m.refresh.history = m.refresh.history[n-historyLen:]
		}
	}
	if m.queries.dirty {
		return m, m.requery()
	}
	return m, nil
}

// loadSubs reads the subscriptions the filter's pushable part selects and
// queries them with the filter, off the UI goroutine, superseding any read
// still in progress.
func (m *Model) loadSubs() tea.Cmd {
	if m.subsLoad.cancel != nil {
		m.subsLoad.cancel()
	}
	ctx, cancel := context.WithCancel(m.sessCtx)
	m.subsLoad = subsLoad{seq: m.subsLoad.seq + 1, cancel: cancel, busy: true}
	return loadSubsCmd(ctx, m.subsLoad.seq, m.sess.Registry, m.pushed, m.query)
}

// sameSelect reports whether two selections read the same records.
func sameSelect(a, b data.Select) bool {
	return a.ConnectionID == b.ConnectionID && a.User == b.User && a.App == b.App &&
		a.EntityType == b.EntityType && a.Platform == b.Platform && a.Topic == b.Topic
}
