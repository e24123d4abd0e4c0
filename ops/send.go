package ops

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"wsops/client"
	"wsops/data"
)

// A send starts with client.DefaultWorkers calls in flight and may grow to
// enough to hold its rate when each call takes sendLatencyBudget (an
// in-region round trip with room to spare): rate × budget, at most
// maxSendWorkers; an unlimited send up to maxSendWorkers. The engine adds
// workers only while the rate is not held and each step raised throughput
// (client.FanOut.MaxWorkers), so a send on a saturated CPU keeps few. With
// a fixed 32, a 2,000/s send could not go faster than 32 / latency:
// 1,600/s at 20 ms.
const (
	sendLatencyBudget = 25 * time.Millisecond
	maxSendWorkers    = 256
)

// sendWorkers is how many calls a send at rps may keep in flight.
func sendWorkers(rps float64) int {
	if math.IsInf(rps, 1) {
		return maxSendWorkers // the engine finds how many pay
	}
	need := rps * sendLatencyBudget.Seconds()
	if need >= maxSendWorkers {
		return maxSendWorkers
	}
	return max(client.DefaultWorkers, int(math.Ceil(need)))
}

// SendRequest is a send (one connection, a user) or test broadcast (a topic,
// an app × entity group, everyone): one payload to every target.
type SendRequest struct {
	Targets Targets
	// Payload is the message, 1 byte to client.MaxPayload (128 KB).
	Payload []byte
	// RPS is the rate of management calls; 0 takes the profile's (Ops.RPS),
	// and when that is 0 too, client.DefaultRPS. math.Inf(1) sends unthrottled.
	RPS float64
	// PruneGone deletes, once every target was tried, the registry records
	// (and subscriptions) of the targets that turned out gone.
	PruneGone bool
	// Journal is the path of the journal to write (DefaultJournalPath is one
	// choice); it must not exist yet.
	Journal string
}

// SendResult is how a send or resume went. The counts cover the whole
// journal: a resume reports every target of the original plan, by the latest
// outcome of each.
type SendResult struct {
	// Summary is the `send` JSON output. DurationMS is the time this call
	// spent sending (resolving, confirming and pruning excluded).
	client.Summary
	// NotAttempted counts targets never sent to (the run was cancelled
	// first); Resume sends to them.
	NotAttempted int
	// Gone and Failed list the ids of the gone and failed targets.
	Gone, Failed []string
	// Pruned is what PruneGone deleted in this call (nil without PruneGone).
	// Its counts are delete requests, records already absent included.
	Pruned *data.DeleteResult
	// Journal is the journal's path.
	Journal string
	// Attempted counts the targets this call sent to: all of them for a
	// finished Send, fewer for a resume, 0 when the journal was complete.
	Attempted int
	// Complete reports that the journal has nothing left to do: no target
	// is left to send to or to send again, and with PruneGone the gone ones
	// were pruned. Resuming a complete journal sends nothing.
	Complete bool
}

// Send sends req.Payload to every target of req.Targets, resolved once from
// the registry, after the safety checks (read-only, confirmation) and with
// one audit line. The plan and every outcome are journaled as they arrive,
// so that an interrupted send can be finished with Resume. progress, when
// not nil, is called with the running totals after every outcome.
//
// Cancelling ctx stops the send: calls in flight finish and are journaled,
// the journal is synced, and the partial result comes back with an error
// wrapping ctx's (context.Canceled). PruneGone is then left to the resume.
func (o *Ops) Send(ctx context.Context, req SendRequest, progress func(client.Progress)) (SendResult, error) {
	if err := o.checkSend(req.Payload); err != nil {
		return SendResult{}, err
	}
	rps, err := o.sendRate(req.RPS)
	if err != nil {
		return SendResult{}, err
	}
	if req.Journal == "" {
		return SendResult{}, errors.New("send: no journal path")
	}
	targets, plan, err := o.Plan(ctx, "send", req.Targets, len(req.Payload))
	if err != nil {
		return SendResult{}, err // a refusal here is audited already
	}
	h := sendHeader{
		Format: sendJournalFormat, Action: plan.Action, Profile: o.Policy.Profile, Time: o.journalTime(),
		Filter: plan.Filter, Payload: req.Payload, RPS: rps, PruneGone: req.PruneGone,
		Targets: journalTargets(targets),
	}
	var res SendResult
	err = o.run(ctx, plan, func(ctx context.Context) (Outcome, error) {
		out := Outcome{Payload: req.Payload}
		j, err := createJournal(req.Journal)
		if err != nil {
			return out, err
		}
		out.Journal, res.Journal = req.Journal, req.Journal
		if err := errors.Join(j.append(h), j.sync()); err != nil {
			return out, errors.Join(err, j.close())
		}
		var run client.Progress
		res, run, err = o.deliver(ctx, j, newSendState(h), progress)
		out.Result = auditResult(run, res.Pruned)
		return out, errors.Join(err, j.close())
	})
	return res, err
}

// Resume finishes the send journaled at path, on the profile that started
// it: it sends the journal's payload at its rate to the targets of its plan
// that have no outcome yet, and again to those whose message was certainly
// not delivered (throttled on every attempt, or forbidden). Targets that
// were delivered or gone are never sent to again, and neither are failed
// ones (a timeout or a 5xx may hide a delivered message). Outcomes are
// appended to the same journal; a last line cut short by a crash is dropped
// first. The resume is authorized and audited as a send (filter "resume
// <path>"). A complete journal makes Resume return at once, sending nothing,
// with Complete set and Attempted 0 (no confirmation, no audit line).
func (o *Ops) Resume(ctx context.Context, path string, progress func(client.Progress)) (res SendResult, err error) {
	res.Journal = path
	if o.Mgmt == nil {
		return res, errors.New("resume: no management client")
	}
	j, st, err := resumeJournal(path, o.Policy.Profile, replaySend, (*sendState).profile)
	if err != nil {
		return res, fmt.Errorf("resume: %w", err)
	}
	defer func() { err = errors.Join(err, j.close()) }()
	h := st.header
	if err := checkPayload(h.Payload); err != nil {
		return res, fmt.Errorf("resume %s: %w", path, err)
	}
	todo := st.todo()
	if len(todo) == 0 && len(st.unprunedGone()) == 0 {
		return st.result(path, 0, 0), nil
	}
	targets := make([]Target, len(todo))
	for i, t := range todo {
		targets[i] = Target(t)
	}
	plan := Plan{Action: "send", Filter: "resume " + path, Radius: RadiusOf(targets), PayloadSize: len(h.Payload)}
	err = o.run(ctx, plan, func(ctx context.Context) (Outcome, error) {
		out := Outcome{Payload: h.Payload, Journal: path}
		now := o.journalTime()
		if err := j.append(sendEntry{Event: "resume", Time: &now}); err != nil {
			return out, err
		}
		var run client.Progress
		res, run, err = o.deliver(ctx, j, st, progress)
		out.Result = auditResult(run, res.Pruned)
		return out, err
	})
	return res, err
}

// deliver sends to the targets st has left, journaling each outcome, then
// prunes the gone ones if the journal asks for it. It returns the result
// over the whole journal and this run's own totals.
func (o *Ops) deliver(ctx context.Context, j *journalFile, st *sendState, progress func(client.Progress)) (SendResult, client.Progress, error) {
	var run client.Progress
	todo := st.todo()
	ids := make([]string, len(todo))
	for i, t := range todo {
		ids[i] = t.ID
	}
	base := st.settled()
	sendCtx, stop := context.WithCancel(ctx)
	defer stop()
	start := time.Now()
	// A burst of one token: the run starts at its rate instead of a tenth
	// of a second's worth ahead of it, so short runs hold --rate too.
	fan := client.FanOut{Workers: client.DefaultWorkers, MaxWorkers: sendWorkers(st.header.rate()), RPS: st.header.rate(), Burst: 1}
	events, err := fan.Send(sendCtx, o.Mgmt, client.StreamIDs(ids), st.header.Payload)
	if err != nil {
		return st.result(j.path, 0, 0), run, err
	}
	var journalErr error
	for ev := range events {
		run = ev.Progress
		if !ev.Final {
			e := outcomeEntry(ev.Result)
			_ = st.apply(e) // the id is the plan's
			if err := j.append(e); err != nil && journalErr == nil {
				// What is not journaled would be sent again by a resume: stop.
				journalErr = err
				stop()
			}
		}
		if progress != nil {
			progress(plus(base, run))
		}
	}
	elapsed := time.Since(start)
	run.NotAttempted = len(ids) - run.Done
	var errs []error
	if journalErr != nil {
		errs = append(errs, fmt.Errorf("send stopped after %d of %d targets: %w", run.Done, len(ids), journalErr))
	}
	if err := ctx.Err(); err != nil {
		now := o.journalTime()
		_ = j.append(sendEntry{Event: "cancelled", Time: &now, NotAttempted: run.NotAttempted}) // a failure shows in sync
		errs = append(errs, fmt.Errorf("send interrupted after %d of %d targets (resume with the journal %s): %w", run.Done, len(ids), j.path, err))
	}
	if err := j.sync(); err != nil && journalErr == nil {
		errs = append(errs, err)
	}
	var pruned *data.DeleteResult
	if err := errors.Join(errs...); err == nil && st.header.PruneGone {
		pruned, err = o.pruneGone(ctx, j, st)
		errs = append(errs, err)
	}
	res := st.result(j.path, run.Done, elapsed)
	res.Pruned = pruned
	return res, run, errors.Join(errs...)
}

// pruneGone deletes the records of the gone targets not pruned yet, and
// journals them as pruned once every delete went through.
func (o *Ops) pruneGone(ctx context.Context, j *journalFile, st *sendState) (*data.DeleteResult, error) {
	ids := st.unprunedGone()
	if len(ids) == 0 {
		return &data.DeleteResult{}, nil
	}
	if o.Registry == nil {
		return nil, errors.New("send: pruning gone targets: no registry")
	}
	res, err := o.Registry.DeleteConnections(ctx, ids)
	switch {
	case err != nil:
		return &res, fmt.Errorf("pruning %d gone targets: %w", len(ids), err)
	case len(res.Failed) > 0:
		return &res, fmt.Errorf("pruning %d gone targets: %d records left unprocessed (resume the journal to retry)", len(ids), len(res.Failed))
	}
	now := o.journalTime()
	e := sendEntry{Event: "pruned", Time: &now, IDs: ids}
	_ = st.apply(e)
	return &res, errors.Join(j.append(e), j.sync())
}

// auditResult is the audit line's result: this run's counts.
func auditResult(run client.Progress, pruned *data.DeleteResult) map[string]int {
	r := map[string]int{
		"delivered": run.Delivered, "gone": run.Gone, "throttled": run.Throttled,
		"failed": run.Failed, "not_attempted": run.NotAttempted,
	}
	if pruned != nil {
		r["pruned"], r["pruned_subscriptions"] = pruned.Connections, pruned.Subscriptions
	}
	return r
}

// checkSend refuses a send that cannot start: no management client, an
// empty payload or one API Gateway would refuse.
func (o *Ops) checkSend(p []byte) error {
	if o.Mgmt == nil {
		return errors.New("send: no management client")
	}
	return checkPayload(p)
}

// checkPayload refuses an empty payload or one API Gateway would refuse.
func checkPayload(p []byte) error {
	switch {
	case len(p) == 0:
		return errors.New("send: the payload is empty")
	case len(p) > client.MaxPayload:
		return fmt.Errorf("send: %w: %d bytes, limit %d", client.ErrPayloadTooLarge, len(p), client.MaxPayload)
	}
	return nil
}

// sendRate resolves a request's rate: nil means no limit.
func (o *Ops) sendRate(rps float64) (*float64, error) {
	rps = cmp.Or(rps, o.RPS, client.DefaultRPS)
	switch {
	case math.IsNaN(rps) || rps < 0:
		return nil, fmt.Errorf("send: rate %v: want a positive number of calls per second", rps)
	case math.IsInf(rps, 1):
		return nil, nil
	}
	return &rps, nil
}

// journalTime is the time journal lines carry, in UTC.
func (o *Ops) journalTime() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}
