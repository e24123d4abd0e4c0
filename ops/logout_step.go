package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"wsops/mgmt"
)

// The steps of a logout target.
const (
	logoutDisconnected = "disconnected"
	logoutGone         = "gone"
	logoutFailed       = stepFailed
)

// logoutPlan is a logout journal's plan: the notice and the targets.
type logoutPlan struct {
	Notice  []byte   `json:"notice"` // base64 in JSON
	Targets []Target `json:"targets"`
}

// logoutData is what a logout outcome line carries besides its step.
type logoutData struct {
	// Records counts the registry records deleted.
	Records int `json:"records,omitempty"`
	// Notified: the notice was delivered.
	Notified bool `json:"notified,omitempty"`
	// Cut is how the connection was closed (disconnected, gone) when its
	// records could not be deleted: a resume deletes them only.
	Cut string `json:"cut,omitempty"`
}

// logout is the journaled force-logout action.
type logout struct {
	o    *Ops
	plan logoutPlan
	reg  *logoutRegistry

	mu       sync.Mutex
	notified map[int]bool // notices this run delivered: a throttled cut is tried again without one
}

func (a *logout) keys() []string         { return IDs(a.plan.Targets) }
func (a *logout) kind() callKind         { return callCut }
func (a *logout) message() []byte        { return a.plan.Notice }
func (a *logout) radius(ts []int) Radius { return RadiusOf(pick(a.plan.Targets, ts)) }
func (a *logout) outcomes() []string     { return []string{logoutDisconnected, logoutGone, logoutFailed} }
func (a *logout) intents() []string      { return []string{"notice", "cut"} }
func (a *logout) data() any              { return &logoutData{} }

func (a *logout) pending(l *ledger, t int) bool {
	step := l.last[t].Step
	return l.open[t] != "" || step == "" || step == logoutFailed
}

// step notifies, cuts and sweeps one target, from where its journal left
// it: a target whose cut was intended was notified, and is cut again only
// if GetConnection says it is still open; one whose connection is closed
// only has its records deleted. Its registry calls go through the run's
// batchers (logout_registry.go).
func (a *logout) step(ctx context.Context, t int, l *ledger, w intents) (entry, error) {
	id := a.plan.Targets[t].ID
	var d logoutData
	_ = dataOf(l.last[t], &d) // read already
	d.Notified = d.Notified || l.open[t] == "cut" || a.wasNotified(t)
	cut := d.Cut
	if cut == "" && !d.Notified {
		if err := w.intent("notice"); err != nil {
			return entry{}, err
		}
		switch err := a.o.gw.Post(ctx, id, a.plan.Notice); {
		case errors.Is(err, mgmt.ErrGone):
			cut = logoutGone
		case err != nil: // never cut without the notice
			return outcome(logoutFailed, err).with(d), err
		default:
			d.Notified = true
			a.markNotified(t)
		}
	}
	if cut == "" && l.open[t] == "cut" {
		// A cut whose outcome a crash hid: ask before cutting again.
		switch _, err := a.o.gw.Get(ctx, id); {
		case errors.Is(err, mgmt.ErrGone):
			cut = logoutGone
		case err != nil:
			return outcome(logoutFailed, err).with(d), err
		}
	}
	var conn item // the connection's record, read before its cut
	read := false
	if cut == "" {
		var err error
		if conn, err = a.reg.connection(ctx, id); err != nil { // the registry fails: cut no socket whose records would stay
			return outcome(logoutFailed, err).with(d), fmt.Errorf("%w: %w", errStopRun, err)
		}
		read = true
		if err := w.intent("cut"); err != nil {
			return entry{}, err
		}
		switch err := a.o.gw.Delete(ctx, id); {
		case err == nil:
			cut = logoutDisconnected
		case errors.Is(err, mgmt.ErrGone):
			cut = logoutGone
		default:
			return outcome(logoutFailed, err).with(d), err
		}
	}
	records, err := a.reg.sweep(ctx, a.o, id, conn, read)
	if err != nil {
		d.Cut = cut
		return outcome(logoutFailed, err).with(d), fmt.Errorf("%w: %w", errStopRun, err)
	}
	return outcome(cut, nil).with(logoutData{Records: records, Notified: d.Notified}), nil
}

func (a *logout) wasNotified(t int) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.notified[t]
}

func (a *logout) markNotified(t int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.notified == nil {
		a.notified = map[int]bool{}
	}
	a.notified[t] = true
}

// result is the journal's account. A target whose fate a crash hid counts
// as failed: a resume finishes it.
func (a *logout) result(r *journaled) LogoutResult {
	l := r.l
	res := LogoutResult{Targets: len(l.targets()), Journal: r.path, Complete: len(r.todo()) == 0,
		DurationMS: r.took().Milliseconds()}
	for _, t := range l.targets() {
		var d logoutData
		_ = dataOf(l.last[t], &d)
		res.RecordsDeleted += d.Records
		if d.Notified || l.open[t] == "cut" {
			res.Notified++
		}
		switch step := l.last[t].Step; {
		case l.open[t] != "" || step == logoutFailed:
			res.Failed++
			res.FailedIDs = append(res.FailedIDs, a.plan.Targets[t].ID)
		case step == logoutDisconnected:
			res.Disconnected++
		case step == logoutGone:
			res.Gone++
		default:
			res.NotAttempted++
		}
	}
	return res
}

// dataOf reads a line's data into v (nothing when it has none).
func dataOf(e entry, v any) error {
	if len(e.Data) == 0 {
		return nil
	}
	return json.Unmarshal(e.Data, v)
}
