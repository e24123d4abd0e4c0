package ops

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"wsops/mgmt"
	"wsops/ops/internal/journal"
)

// An action is what a journaled action supplies to the runner: its plan's
// targets, the names and data of its journal lines, and its step. The runner
// does the rest, the same for every action: the safety checks and the
// audit lines, the journal (created, locked, replayed, resumed, synced and
// closed), the fan-out at the journal's rate, cancellation, stopping on a
// dead endpoint or an unwritable journal, and returning at once when a
// journal has nothing left to do.
type action interface {
	// keys identify the plan's targets: two with one key are acted on once.
	keys() []string
	// pending reports whether a run still has to act on target t.
	pending(l *ledger, t int) bool
	// step acts on target t: every effect only once w.intent has made its
	// intent durable. It returns the target's outcome line; its error says
	// how the engine counts it (mgmt.ErrThrottled is tried again).
	step(ctx context.Context, t int, l *ledger, w intents) (entry, error)
	// radius is the blast radius of acting on targets ts.
	radius(ts []int) Radius
	// kind is the fan-out its steps make.
	kind() callKind
	// outcomes name the steps that end a target, in the order accounts
	// list them; intents what its steps intend; data is a fresh value of
	// the type its lines' data decode into (nil: they carry none). A
	// journal line with another step, intent or data is refused.
	outcomes() []string
	intents() []string
	data() any
}

// intents records a step's intents, each durable before intent returns.
type intents struct {
	j *journal.File
	t int
}

// intent makes "intent what" of the step's target durable.
func (w intents) intent(what string) error {
	return w.j.Intent(entry{T: &w.t, Intent: what})
}

// journaled is a journaled run: its header, its action and its ledger.
type journaled struct {
	o    *Ops
	path string
	h    header
	act  action
	l    *ledger
	j    *journal.File
	// progress, when set, is told the journal's account after every outcome.
	progress func(Progress)
	// attempted counts the targets this call acted on.
	attempted int
	// undoes, for an undo, is the journal it reverses: marked undone once
	// the undo is authorized and audited, before its first effect.
	undoes string
	// began is when the run started acting, once authorized (zero: it did not).
	began time.Time
}

// took is how long the run has been acting (0 if it never started).
func (r *journaled) took() time.Duration {
	if r.began.IsZero() {
		return 0
	}
	return r.o.now().Sub(r.began)
}

// Progress is a running action's account over its whole journal.
type Progress struct {
	// Done counts the targets with an outcome, of Total.
	Done, Total int
	// Counts are the targets by outcome, in the action's order.
	Counts []Count
}

// Count is the number of targets with one outcome.
type Count struct {
	Label string
	N     int
}

// account is the journal's progress so far.
func (r *journaled) account() Progress {
	p := Progress{Total: len(r.l.targets())}
	for _, name := range r.act.outcomes() {
		n := r.l.counts[name]
		p.Done += n
		p.Counts = append(p.Counts, Count{Label: name, N: n})
	}
	return p
}

// counts is the account as the audit line records it.
func (r *journaled) counts() map[string]int {
	m := map[string]int{"targets": len(r.l.targets())}
	for _, c := range r.account().Counts {
		m[c.Label] = c.N
	}
	hidden, untouched := r.l.unsettled()
	if hidden > 0 {
		m["unknown"] += hidden
	}
	if untouched > 0 {
		m["not_attempted"] = untouched
	}
	return m
}

// todo lists the targets a run has to act on.
func (r *journaled) todo() []int {
	var ts []int
	for _, t := range r.l.targets() {
		if r.act.pending(r.l, t) {
			ts = append(ts, t)
		}
	}
	return ts
}

// start authorizes and audits plan, creates the journal with the run's
// header and acts on every target. The journal's path is r.path.
func (r *journaled) start(ctx context.Context, plan Plan, payload []byte) error {
	plan.Journal = r.path
	return r.o.run(ctx, plan, func(ctx context.Context) (Outcome, error) {
		r.began = r.o.now()
		out := Outcome{Payload: payload, Journal: r.path}
		j, err := journal.Create(r.path, r.h) // never without its header
		if err != nil {
			return out, err
		}
		r.j = j
		if r.undoes != "" { // once the undo's own journal exists
			err = markUndone(r.undoes, r.path, r.o.stamp())
		}
		if err == nil {
			err = r.loop(ctx)
		}
		out.Result = r.counts()
		if cerr := j.Close(); cerr != nil && !(errors.Is(err, journal.ErrWrite) && errors.Is(cerr, journal.ErrWrite)) {
			err = errors.Join(err, cerr) // a write error once, not twice
		}
		return out, err
	})
}

// resume reopens the journal at path, which must be a journal of one of
// actions written at this Ops' place, and acts on what it has left, at the
// journal's rate (rps, when not 0, replaces it). A journal with nothing
// left returns at once: no confirmation, no audit line.
func (o *Ops) resume(ctx context.Context, path string, actions []string, rps float64, build func(header) (action, error), progress func(Progress)) (r *journaled, err error) {
	if err := o.writable(ctx, actions[0], "resume "+path); err != nil {
		return nil, err
	}
	j, lines, err := journal.Open(path)
	if err != nil {
		return nil, err
	}
	r = &journaled{o: o, path: path, j: j, progress: progress}
	defer func() { err = errors.Join(err, j.Close()) }()
	if r.h, r.act, r.l, err = readJournal(path, lines, actions, build); err != nil {
		return nil, err
	}
	if err := o.belongs(ctx, path, r.h, r.l); err != nil {
		return nil, err
	}
	if rps != 0 {
		r.h.RPS = rateOf(rps)
	}
	todo := r.todo()
	if len(todo) == 0 {
		return r, nil
	}
	plan := Plan{Action: r.h.Action, Filter: "resume " + path, Radius: r.act.radius(todo), Journal: path}
	return r, o.run(ctx, plan, func(ctx context.Context) (Outcome, error) {
		r.began = o.now()
		err := j.Record(entry{Event: "resume", Time: o.stamp()})
		if err == nil {
			err = r.loop(ctx)
		}
		return Outcome{Result: r.counts(), Journal: path, Payload: r.payload()}, err
	})
}

// markUndone appends to the journal at path that the undo journaled at by
// reverses it: from then on it is neither resumed nor undone again.
func markUndone(path, by string, at *time.Time) error {
	j, _, err := journal.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(j.Intent(entry{Event: "undone", Journal: by, Time: at}), j.Close())
}

// payload is what the audit fingerprints of a resumed run: a send's or a
// logout's message.
func (r *journaled) payload() []byte {
	if p, ok := r.act.(interface{ message() []byte }); ok {
		return p.message()
	}
	return nil
}

// loop acts on every target the journal has left, at the header's rate,
// journaling each outcome. It stops early, each time with an event in the
// journal and the reason in its error, when ctx is cancelled, when the
// journal cannot be written (before the next effect), or when the endpoint
// looks dead (mgmt.FanOut.StopAfter failures in a row).
func (r *journaled) loop(ctx context.Context) error {
	todo := r.todo()
	ids := make([]string, len(todo))
	for i, t := range todo {
		ids[i] = strconv.Itoa(t)
	}
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	outs := make([]entry, len(r.l.canon)) // written by a target's worker before its event
	call := func(ctx context.Context, id string) (mgmt.ConnectionInfo, error) {
		t, _ := strconv.Atoi(id)
		e, err := r.act.step(ctx, t, r.l, intents{j: r.j, t: t})
		outs[t] = e
		return mgmt.ConnectionInfo{}, err
	}
	done, failed := 0, 0
	var journalErr, halted, firstFailure error
	var final mgmt.Event
	for ev := range fanOut(r.act.kind(), r.h.rate()).Run(runCtx, mgmt.StreamIDs(ids), call) {
		if ev.Final {
			final = ev
			continue
		}
		t, _ := strconv.Atoi(ev.Result.ID)
		e := outs[t]
		if errors.Is(ev.Result.Err, journal.ErrWrite) {
			journalErr = ev.Result.Err // no effect was made: its intent failed
			stop(journalErr)
			continue
		}
		done++
		r.attempted++
		e.T, e.Attempts = &t, ev.Result.Attempts
		err := r.l.apply(e, r.act)
		if err == nil {
			err = r.j.Record(e)
		}
		if err != nil && journalErr == nil {
			journalErr = err // a line not journaled would be redone by a resume: stop
			stop(err)
		}
		if e.Step == stepFailed {
			failed++
			if firstFailure == nil {
				firstFailure = cmp.Or(ev.Result.Err, errors.New(e.Error))
			}
		}
		if errors.Is(ev.Result.Err, errStopRun) && halted == nil {
			halted = ev.Result.Err
			stop(halted)
		}
		if r.progress != nil {
			r.progress(r.account())
		}
	}
	if failed > 0 {
		firstFailure = fmt.Errorf("%d of %d targets failed, the first: %w", failed, done, firstFailure)
	}
	return r.ended(ctx, final, done, len(todo), errors.Join(journalErr, halted), firstFailure)
}

// stepFailed is the step every action names a target's failure with: a
// run that had any returns an error.
const stepFailed = "failed"

// errStopRun marks a step's failure that ends the run: the next targets
// would fail the same way, or be left worse (a logout whose records cannot
// be deleted cuts no more sockets).
var errStopRun = errors.New("stopped the run")

// ended journals why a loop stopped early and says so.
func (r *journaled) ended(ctx context.Context, final mgmt.Event, done, total int, journalErr, failures error) error {
	left := total - done
	how := fmt.Sprintf("stopped after %d of %d targets", done, total)
	errs := []error{failures}
	if journalErr != nil {
		errs = append(errs, fmt.Errorf("%s: %w", how, journalErr))
	}
	if final.Stopped != nil {
		_ = r.j.Record(entry{Event: "stopped", Time: r.o.stamp(), NotAttempted: left, Error: final.Stopped.Error()})
		errs = append(errs, fmt.Errorf("%s (resume with the journal %s): %w", how, r.path, final.Stopped))
	}
	if ctx.Err() != nil {
		_ = r.j.Record(entry{Event: "cancelled", Time: r.o.stamp(), NotAttempted: left})
		errs = append(errs, fmt.Errorf("%s (resume with the journal %s): %w", how, r.path, context.Cause(ctx)))
	}
	if err := r.j.Sync(); err != nil && journalErr == nil {
		errs = append(errs, err)
	}
	return joinErrs(r.h.Action, errs...)
}

// joinErrs joins the non-nil errors into one line under prefix, each still
// reachable with errors.Is and errors.As; nil when there are none.
func joinErrs(prefix string, errs ...error) error {
	var verbs []string
	var args []any
	for _, err := range errs {
		if err != nil {
			verbs = append(verbs, "%w")
			args = append(args, err)
		}
	}
	if len(args) == 0 {
		return nil
	}
	return fmt.Errorf(prefix+": "+strings.Join(verbs, "; "), args...)
}

// stamp is the time a journal line carries, in UTC.
func (o *Ops) stamp() *time.Time {
	t := o.now().UTC()
	return &t
}
