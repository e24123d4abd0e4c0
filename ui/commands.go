package ui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/ui/cmdbar"
	"wsops/ui/logsview"
	"wsops/ui/view"
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
		return m.applyFilter(msg.Text, m.stack[len(m.stack)-1])
	}
	return m.runCommand(strings.TrimSpace(msg.Text))
}

// liveFilter re-filters what is loaded as the filter is typed; what the
// registry could serve is pushed down when the filter is submitted.
func (m *Model) liveFilter() tea.Cmd {
	q, err := fleet.Parse(m.bar.Value())
	if err != nil {
		m.setStatus(err.Error(), true)
		return nil
	}
	m.setStatus("", false)
	m.hint(q)
	return m.setFilter(q, true)
}

// hint says in the status line which app or entity type of q neither the
// fleet nor the preset knows, with the closest known one.
func (m *Model) hint(q fleet.Query) {
	apps, entities := set{}, set{}
	for app, entity := range m.sess.Profile.Schema.AppEntity {
		apps[app], entities[entity] = true, true
	}
	for c := range m.feed.Header().Summary.Cells {
		apps[c.App], entities[c.EntityType] = true, true
	}
	if h := fleet.Hint(q, slices.Sorted(maps.Keys(apps)), slices.Sorted(maps.Keys(entities))); h != "" {
		m.setStatus(h, true)
		return
	}
	if (q.Route != "" || q.Status != "") && m.stack[len(m.stack)-1] != logsview.Def.Name {
		m.setStatus("route: and status: filter log lines (:logs); the registry's views ignore them", false)
	}
}

// set is a set of strings.
type set map[string]bool

// setFilter tells the views the filter; submitted (not live), it pushes
// down to the feed what the registry can serve (an index query for a user
// or a topic, a filter expression for app, entity and platform), which
// reads the fleet again when that changed.
func (m *Model) setFilter(q fleet.Query, live bool) tea.Cmd {
	m.query = q
	cmd := m.broadcast(view.FilterMsg{Query: q, Live: live})
	if live {
		return cmd
	}
	return tea.Batch(m.feed.Select(q.Select()), cmd)
}

// applyFilter sets the filter to text and shows view show over the first.
func (m Model) applyFilter(text, show string) (tea.Model, tea.Cmd) {
	q, err := fleet.Parse(text)
	if err != nil {
		m.setStatus(err.Error(), true)
		return m, nil
	}
	m.setStatus("", false)
	m.hint(q)
	m.stack = m.stack[:1]
	m.show(show)
	return m, tea.Batch(m.broadcast(view.TopMsg{Name: show}), m.setFilter(q, false))
}

// runCommand runs a `:` command: the console's own, a view's name (which
// opens it with the rest as its argument), or a command a view registered.
func (m Model) runCommand(text string) (tea.Model, tea.Cmd) {
	name, arg, _ := strings.Cut(text, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case "q", "quit", "q!":
		return m, tea.Quit
	case "profile":
		return m.profile(arg)
	case "":
		return m, nil
	}
	for _, d := range m.defs {
		switch {
		case d.Name == name || slices.Contains(d.Aliases, name):
			return m, m.open(d.Name, arg)
		case slices.Contains(d.Commands, name):
			v, cmd := m.views[d.Name].Update(view.CommandMsg{Name: name, Arg: arg})
			m.views[d.Name] = v
			return m, cmd
		}
	}
	m.setStatus(fmt.Sprintf("unknown command :%s (try %s)", name, m.usage()), true)
	return m, nil
}

// usage lists the commands, for the help and the unknown-command error.
func (m Model) usage() string {
	var opens, commands []string
	for _, d := range m.defs {
		if d.Usage != "" {
			opens = append(opens, d.Usage)
		}
		if d.CommandUsage != "" {
			commands = append(commands, d.CommandUsage)
		}
	}
	return strings.Join(append(append(opens, commands...), ":profile NAME :q"), " ")
}

// profile says which profile the console is on, or connects to another.
func (m Model) profile(name string) (tea.Model, tea.Cmd) {
	if name == "" {
		m.setStatus(fmt.Sprintf("on profile %s; :profile NAME switches", m.sess.Profile.Name), false)
		return m, nil
	}
	if m.opt.Open == nil {
		m.setStatus("switching profiles is not available here", true)
		return m, nil
	}
	open, ctx := m.opt.Open, m.ctx
	m.setStatus("connecting to profile "+name+"…", false)
	return m, func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, profileTimeout)
		defer cancel()
		s, err := open(ctx, name)
		return sessionMsg{name: name, sess: s, Err: err}
	}
}

// switchSession moves the console to another profile: the old session's
// work stops, its views are built anew on the new one.
func (m Model) switchSession(msg sessionMsg) (tea.Model, tea.Cmd) {
	if msg.Err != nil {
		m.setStatus(fmt.Sprintf("profile %s: %v", msg.name, msg.Err), true)
		return m, nil
	}
	m.leave()
	cmd := m.enter(msg.sess)
	m.setStatus("profile "+msg.name, false)
	return m, cmd
}
