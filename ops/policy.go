// Package ops is where operator actions on the fleet happen — send, broadcast,
// force logout, prune — and where the safety model is enforced for every one
// of them, whichever face (TUI or headless) asked: read-only profiles refuse,
// bulk actions show their blast radius first, production profiles need a typed
// confirmation, and every mutation leaves one audit line.
package ops

import (
	"context"
	"errors"
	"fmt"
)

// Refusals. Callers map them to exit code 3 (headless) or a dialog (TUI).
var (
	// ErrReadOnly refuses any mutation on a read-only profile.
	ErrReadOnly = errors.New("refused: the profile is read-only")
	// ErrNotConfirmed means the operator did not confirm (or could not be asked).
	ErrNotConfirmed = errors.New("refused: not confirmed")
	// ErrProductionGuard means a production profile was not confirmed as such.
	ErrProductionGuard = errors.New("refused: production profile not confirmed")
	// ErrWrongEndpoint means the answers look like a wrong endpoint, not a
	// stale fleet: nothing is deleted unless forced.
	ErrWrongEndpoint = errors.New("refused: this looks like a wrong endpoint")
	// ErrForeignJournal means a journal belongs elsewhere (another profile
	// or place), or was undone: it is not resumed or undone here.
	ErrForeignJournal = errors.New("refused: the journal is not this profile's to act on")
)

// Policy is the safety state of the profile an action runs on.
type Policy struct {
	Profile    string
	ReadOnly   bool
	Production bool
}

// Confirmer asks the operator to go ahead with a plan. Headless, it is the
// --yes flag or a prompt on a terminal; in the TUI, a dialog.
type Confirmer interface {
	// Confirm shows the plan (its blast radius) and returns nil to go ahead,
	// ErrNotConfirmed or ErrProductionGuard (wrapped) to refuse.
	Confirm(ctx context.Context, p Plan, pol Policy) error
}

// Plan is what an action is about to do: the action, what it targets and
// the blast radius, for the confirmation and the audit line.
type Plan struct {
	Action string // send, logout, prune
	Filter string // the targeting, in words ("user u-1", "app drivers", "3 connections")
	Radius Radius
	// PayloadSize is the bytes each target receives (send, logout notice).
	PayloadSize int
	// Journal is where the action's journal goes.
	Journal string
	// self marks a plan that reaches only the operator's own test client:
	// it needs no confirmation (read-only still refuses).
	self bool
}

// Authorize runs the safety checks before any call: read-only refuses
// outright; everything else needs the confirmer's yes.
func (pol Policy) Authorize(ctx context.Context, p Plan, c Confirmer) error {
	if pol.ReadOnly {
		return fmt.Errorf("%s on profile %s: %w", p.Action, pol.Profile, ErrReadOnly)
	}
	if p.self {
		return nil
	}
	return c.Confirm(ctx, p, pol)
}

// Refused reports whether err is one of the safety refusals.
func Refused(err error) bool {
	return errors.Is(err, ErrReadOnly) || errors.Is(err, ErrNotConfirmed) || errors.Is(err, ErrProductionGuard) ||
		errors.Is(err, ErrWrongEndpoint) || errors.Is(err, ErrForeignJournal)
}
