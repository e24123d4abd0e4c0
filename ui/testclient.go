package ui

import (
	"context"
	"maps"
	"slices"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/config"
	"wsops/ui/clientview"
)

// ClientResolver turns a test client's identity into what it connects
// with, on profile p: a minted sandbox token, the profile's token, or a
// pasted one (cli builds it, as for `wsops connect`).
type ClientResolver func(ctx context.Context, p *config.Profile, id clientview.Identity) (clientview.Spec, error)

// clientDeps is what the :client view works with on the current session.
func (m Model) clientDeps() clientview.Deps {
	p, resolve := m.sess.Profile, m.opt.Client
	d := clientview.Deps{
		Ctx: m.sessCtx, Ops: m.sess.Ops, Now: m.opt.Now,
	}
	d.Defaults = clientview.Identity{Ping: "5s", Reconnect: "no"}
	if p != nil {
		d.Messages = p.Messages
		if p.Sandbox {
			apps := slices.Sorted(maps.Keys(p.Schema.AppEntity))
			d.Defaults.User, d.Defaults.Platform = "sandbox-user", "web"
			if len(apps) > 0 {
				d.Defaults.App = apps[0]
			}
		}
	}
	if resolve != nil && p != nil {
		d.Resolve = func(ctx context.Context, id clientview.Identity) (clientview.Spec, error) { return resolve(ctx, p, id) }
	}
	return d
}

// openClient shows the :client view; with arguments (user=U,app=A,…) it
// opens a client for them, with none and no client yet, the form.
func (m Model) openClient(arg string) (tea.Model, tea.Cmd) {
	m.push(viewClient)
	if arg == "" {
		if m.client.Tabs() > 0 {
			return m, nil
		}
		return m, m.client.Open(nil)
	}
	id, err := clientview.ParseIdentity(arg)
	if err != nil {
		m.setStatus(err.Error(), true)
		return m, nil
	}
	m.setStatus("connecting…", false)
	return m, m.client.Open(&id)
}

// clientKey reports whether key k belongs to the :client view rather than
// to the console: everything while its editor, form or search is open, and
// its own search key.
func (m Model) clientKey(k tea.KeyMsg) bool {
	if m.top() != viewClient || k.String() == "ctrl+c" {
		return false
	}
	return m.client.Capturing() || k.String() == "/"
}
