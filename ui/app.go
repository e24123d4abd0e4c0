// Package ui is the console: a bubbletea program whose root model routes
// between one component per sub-package (conns, subs, users, detail, cmdbar,
// table, header) and bridges the registry's and the management API's streams
// into messages.
package ui

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/config"
	"wsops/data"
	"wsops/mgmt"
	"wsops/ops"
	"wsops/ui/confirm"
)

// Session is what the console works on: one profile and its clients.
type Session struct {
	Profile  *config.Profile
	Registry *data.Registry
	Mgmt     *mgmt.Client
	// Ops runs the operator actions (send, logout, prune) on the session's
	// profile, built with Options.Confirmer. Nil: no actions.
	Ops *ops.Ops
	// Close, when set, releases the session's clients (their pooled
	// connections): the console calls it when it leaves the session, for
	// another profile or on quit.
	Close func()
}

// Options configure the console.
type Options struct {
	Session Session
	// Open connects to another profile, for :profile NAME (nil: not offered).
	Open func(ctx context.Context, profile string) (Session, error)
	// Confirmer is the confirmer the sessions' Ops ask: the console answers
	// it with its dialog (nil: a new one, for sessions without Ops).
	Confirmer *confirm.Confirmer
	// Refresh is the interval between rescans (default 5s).
	Refresh time.Duration
	// ProbeRPS bounds the background GetConnection probe (default 20/s).
	ProbeRPS float64
	// AuditPath is the audit log the :audit view shows.
	AuditPath string
	// Client resolves the :client view's identities (nil: no test client).
	Client ClientResolver
	Now    func() time.Time
}

// Run opens the console in the terminal until the user quits or ctx ends.
func Run(ctx context.Context, opt Options, progOpts ...tea.ProgramOption) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // on quit, every scan, probe and load still running stops
	m := New(ctx, opt)
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx)}, progOpts...)...)
	final, err := p.Run()
	if fm, ok := final.(Model); ok && fm.sess.Close != nil {
		fm.sess.Close()
	}
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("console: %w", err)
	}
	if fm, ok := final.(Model); ok && fm.fatal != nil {
		return fm.fatal
	}
	return nil
}
