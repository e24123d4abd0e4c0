package clientview

import (
	"context"
	"maps"
	"slices"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/config"
	"wsops/ui/view"
)

// ProfileResolver turns a test client's identity into what it connects
// with, on profile p: a minted sandbox token, the profile's token, or a
// pasted one (cli builds it, as for `wsops connect`).
type ProfileResolver func(ctx context.Context, p *config.Profile, id Identity) (Spec, error)

// Define registers the view, whose clients resolve their identities with
// resolve (nil: the view says it has no test client).
func Define(resolve ProfileResolver) view.Def {
	return view.Def{Name: "client", Usage: ":client [user=U,app=A]", New: func(c *view.Common) view.View {
		return &screen{Model: New(c.Styles, deps(c, resolve))}
	}}
}

// deps is what the view works with on a session.
func deps(c *view.Common, resolve ProfileResolver) Deps {
	p := c.Profile
	d := Deps{Ctx: c.Ctx, Ops: c.Ops, Now: c.Now, Defaults: Identity{Ping: "5s", Reconnect: "no"}}
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
		d.Resolve = func(ctx context.Context, id Identity) (Spec, error) { return resolve(ctx, p, id) }
	}
	return d
}

// screen is the :client view in the console. Its clients keep running
// while other views are shown, until the session ends.
type screen struct{ Model }

// Init does nothing: clients start when asked for.
func (s *screen) Init() tea.Cmd { return nil }

// Open opens a client for arg (user=U,app=A,…); with none, and no client
// yet, it shows the form.
func (s *screen) Open(arg string) tea.Cmd {
	if arg == "" {
		if s.Tabs() > 0 {
			return nil
		}
		return s.Model.Open(nil)
	}
	id, err := ParseIdentity(arg)
	if err != nil {
		return view.Status(err.Error(), true)
	}
	return tea.Batch(view.Status("connecting…", false), s.Model.Open(&id))
}

// Title names the view.
func (s *screen) Title() string { return "client" }

// Captures takes every key but ctrl+c while the editor, form or search is
// open, and its own search key.
func (s *screen) Captures(k tea.KeyMsg) bool {
	return k.String() != "ctrl+c" && (s.Capturing() || k.String() == "/")
}

// Update hands the message to the clients, saying in the status line how
// a client's identity resolved.
func (s *screen) Update(msg tea.Msg) (view.View, tea.Cmd) {
	var status tea.Cmd
	if sm, ok := msg.(SpecMsg); ok {
		status = view.Status("", false)
		if sm.Err != nil {
			status = view.Status(sm.Err.Error(), true)
		}
	}
	var cmd tea.Cmd
	s.Model, cmd = s.Model.Update(msg)
	return s, tea.Batch(status, cmd)
}
