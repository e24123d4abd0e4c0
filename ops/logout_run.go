package ops

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"wsops/client"
	"wsops/data"
)

// logout cuts the targets st has left at rate and deletes the records of the
// closed ones, journaling every step into j and st. It returns this run's
// own counts, for the audit line.
func (o *Ops) logout(ctx context.Context, j *journalFile, st *logoutState, rate float64, progress func(done, total int)) (LogoutResult, error) {
	var run LogoutResult
	if o.Mgmt == nil {
		return run, errors.New("logout: no management API client")
	}
	todo, unswept := st.todo(), st.unswept()
	run.Targets = len(todo)
	absent, err := o.absentRecords(ctx, append(slices.Clip(todo), unswept...))
	if err != nil {
		return run, fmt.Errorf("logout: %w", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	shared := &sharedJournal{j: j}
	var journalErr error
	journal := func(e logoutEntry) {
		if err := shared.append(e); err != nil && journalErr == nil {
			journalErr = err // what is not journaled a resume would redo: stop
			stop()
		}
	}
	notifiedBefore := st.notifiedSet()
	call := &logoutCall{mgmt: o.Mgmt, notice: st.header.Notice, notified: st.notifiedSet(),
		journal: func(id string) error { return shared.append(logoutEntry{ID: id, Step: "notified"}) }}
	sweep := &recordSweep{reg: o.Registry, absent: absent, swept: func(ids []string, records int) {
		e := logoutEntry{Event: "swept", IDs: ids, Records: records}
		_ = st.apply(e) // the ids are the plan's
		journal(e)
	}}
	// The records of a socket this run closed are deleted even once ctx is
	// cancelled: left behind they would be the stale records prune is for.
	// Batches are deleted as the run goes; after a cancellation only at the end,
	// so that the events are read at once.
	cleanCtx := context.WithoutCancel(ctx)
	for _, t := range unswept {
		sweep.add(cleanCtx, t.ID, true)
	}
	if sweep.err != nil {
		stop() // the registry fails: cut no socket whose records would stay
	}
	settled := len(st.header.Targets) - len(todo)
	var first error
	done := 0
	for ev := range o.logoutFanOut(rate).Run(runCtx, client.StreamIDs(IDs(todo)), call.do) {
		if ev.Final {
			continue
		}
		r := ev.Result
		done = ev.Progress.Done
		if call.wasNotified(r.ID) && !notifiedBefore[r.ID] {
			run.Notified++
			st.notified[r.ID] = true
		}
		e := logoutOutcome(r)
		_ = st.apply(e) // the id is the plan's
		journal(e)
		switch e.Outcome {
		case logoutDisconnected, logoutGone:
			if e.Outcome == logoutDisconnected {
				run.Disconnected++
			} else {
				run.Gone++
			}
			sweep.add(cleanCtx, r.ID, runCtx.Err() == nil)
		default:
			run.Failed++
			run.FailedIDs = append(run.FailedIDs, r.ID)
			if first == nil {
				first = r.Err
			}
		}
		if sweep.err != nil {
			stop() // the registry fails: cut no more sockets whose records would stay
		}
		if progress != nil {
			progress(settled+done, len(st.header.Targets))
		}
	}
	sweep.flush(cleanCtx)
	run.RecordsDeleted = sweep.records()
	run.Failed += len(sweep.failed)
	run.FailedIDs = append(run.FailedIDs, sweep.failed...)
	run.NotAttempted = len(todo) - done
	var failures, stopped, journalFailed error
	if first != nil {
		failures = fmt.Errorf("%d of %d targets failed, first: %w", run.Failed-len(sweep.failed), len(todo), first)
	}
	if ctx.Err() != nil {
		now := o.journalTime()
		journal(logoutEntry{Event: "cancelled", Time: &now, NotAttempted: run.NotAttempted})
		stopped = fmt.Errorf("stopped after %d of %d targets (resume with the journal %s): %w", done, len(todo), j.path, context.Cause(ctx))
	}
	if err := j.sync(); err != nil && journalErr == nil {
		journalErr = err
	}
	if journalErr != nil {
		journalFailed = fmt.Errorf("stopped after %d of %d targets: %w", done, len(todo), journalErr)
	}
	return run, joinErrs("logout", stopped, failures, sweep.err, journalFailed)
}

// logoutFanOut is the engine configuration of a logout at rate cuts per
// second: no burst, so cuts are evenly staged; each cut (one Call) is two
// management calls, so the rate is held to half the profile's RPS.
func (o *Ops) logoutFanOut(rate float64) client.FanOut {
	if rate <= 0 {
		rate = DefaultLogoutRate
	}
	if o.RPS > 0 {
		rate = min(rate, o.RPS/2)
	}
	workers := max(1, int(math.Ceil(min(rate, client.DefaultWorkers))))
	return client.FanOut{RPS: rate, Burst: 1, Workers: workers}
}

// absentRecords finds which explicitly named targets have no connection
// record (Resolve leaves their app, entity type and user empty), so that the
// count of records deleted stays exact.
func (o *Ops) absentRecords(ctx context.Context, targets []Target) (map[string]bool, error) {
	absent := map[string]bool{}
	for _, t := range targets {
		if t.User != "" || t.App != "" || t.EntityType != "" {
			continue
		}
		_, err := o.Registry.Connection(ctx, t.ID)
		switch {
		case errors.Is(err, data.ErrNotFound):
			absent[t.ID] = true
		case err != nil:
			return nil, err
		}
	}
	return absent, nil
}

// logoutCall is a logout's fan-out Call: post the notice, then close the
// connection. It remembers who was notified, so that when the engine retries
// a throttled delete the notice is not posted twice. Throttled posts are
// retried by the engine as well; a post that fails otherwise ends the target
// uncut, since the client must not be cut without its notice.
type logoutCall struct {
	mgmt   *client.Management
	notice []byte
	// journal records a delivered notice before the cut, so that a resume
	// does not post it again; when it fails, the target is not cut.
	journal func(id string) error

	mu       sync.Mutex
	notified map[string]bool
}

func (c *logoutCall) do(ctx context.Context, id string) (client.ConnectionInfo, error) {
	if !c.wasNotified(id) {
		if err := c.mgmt.Post(ctx, id, c.notice); err != nil {
			return client.ConnectionInfo{}, err
		}
		c.mu.Lock()
		c.notified[id] = true
		c.mu.Unlock()
		if err := c.journal(id); err != nil {
			return client.ConnectionInfo{}, err
		}
	}
	return client.ConnectionInfo{}, c.mgmt.Delete(ctx, id)
}

func (c *logoutCall) wasNotified(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.notified[id]
}
