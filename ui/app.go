// Package ui is the console: a bubbletea program whose root routes between
// self-contained views (one per sub-package, registered in views.go), and
// draws the frame around the one on top — the header with the live fleet's
// figures, the breadcrumb, the status line and the help. The root holds only
// what no view could own: the session, the live fleet (ui/feed) the header
// and several views share, the one schedule of CloudWatch reads
// (ui/metricsfeed) behind the header's strip and the API view, the filter
// and command bar, and the action lifecycle (ui/action) that every action
// runs through.
package ui

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/config"
	"wsops/ops"
	"wsops/ui/clientview"
	"wsops/ui/confirm"
)

// Session is what the console works on: one profile and its Ops.
type Session struct {
	Profile *config.Profile
	// Ops reads the profile's fleet and runs the operator actions, asking
	// Options.Confirmer.
	Ops *ops.Ops
	// Close, when set, releases the session's clients (their pooled
	// connections): the console calls it when it leaves the session, for
	// another profile or on quit.
	Close func()
	// Warnings are what opening the session found wrong with the
	// profile (a management_url on a custom domain, a stale discovery):
	// the console shows them on its status line when it enters the session.
	Warnings []string
}

// Options configure the console.
type Options struct {
	Session Session
	// Open connects to another profile, for :profile NAME (nil: not offered).
	Open func(ctx context.Context, profile string) (Session, error)
	// Confirmer is the confirmer the sessions' Ops ask: the console answers
	// it with its dialog (nil: a new one).
	Confirmer *confirm.Confirmer
	// Refresh is the interval between rescans (default 1s).
	Refresh time.Duration
	// ProbeRPS bounds the background GetConnection probe, which passes over
	// the whole fleet (0: the profile's management_rps).
	ProbeRPS float64
	// Client resolves the :client view's identities (nil: no test client).
	Client clientview.ProfileResolver
	Now    func() time.Time
}

// Run opens the console in the terminal until the user quits or ctx ends.
func Run(ctx context.Context, opt Options, progOpts ...tea.ProgramOption) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // on quit, every scan, probe and load still running stops
	m := New(ctx, opt)
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx)}, progOpts...)...)
	final, err := p.Run()
	if fm, ok := final.(Model); ok {
		fm.leave()
	}
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("console: %w", err)
	}
	return nil
}
