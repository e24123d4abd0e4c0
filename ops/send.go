package ops

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"

	"wsops/mgmt"
)

// SendRequest is a send (one connection, a user) or test broadcast (a topic,
// an app × entity group, everyone): one payload to every target.
type SendRequest struct {
	Targets Targets
	// Payload is the message, 1 byte to mgmt.MaxPayload (128 KB).
	Payload []byte
	// RPS is the rate of management calls; 0 takes the profile's, and when
	// that is 0 too, mgmt.DefaultRPS. math.Inf(1) sends unthrottled.
	RPS float64
	// Journal is where the journal goes ("": $XDG_STATE_HOME/wsops/journals/
	// <action>-<time>.jsonl); it must not exist yet.
	Journal string
}

// SendResult is how a send or its resume went, over the whole journal: a
// resume reports every target of the original plan by its latest outcome.
// Its JSON is the `send` output.
type SendResult struct {
	Targets   int `json:"targets"`
	Delivered int `json:"delivered"`
	Gone      int `json:"gone"`
	// Throttled and Failed count targets whose message was certainly not
	// delivered (throttled on every attempt, forbidden, refused): a resume
	// sends to them again.
	Throttled int `json:"throttled"`
	Failed    int `json:"failed"`
	// Unknown counts targets whose message may or may not have arrived: a
	// timeout or a 5xx, or a crash between the post and its outcome. A
	// resume leaves them alone unless told to resend them.
	Unknown int `json:"unknown"`
	// NotAttempted counts targets never sent to (the run stopped first).
	NotAttempted int    `json:"not_attempted"`
	DurationMS   int64  `json:"duration_ms"`
	Journal      string `json:"journal,omitempty"`
	// GoneIDs, FailedIDs and UnknownIDs list those targets (failed includes throttled).
	GoneIDs, FailedIDs, UnknownIDs []string `json:"-"`
	// Attempted counts the targets this call sent to: 0 when the journal
	// had nothing left.
	Attempted int `json:"-"`
	// Complete: a resume would send nothing (unknown targets aside).
	Complete bool `json:"complete"`
}

// The steps of a send target.
const (
	sendDelivered = "delivered"
	sendGone      = "gone"
	sendThrottled = "throttled"
	sendFailed    = stepFailed
	sendUnknown   = "unknown"
)

// sendPlan is a send journal's plan: the payload and the targets.
type sendPlan struct {
	Payload []byte   `json:"payload"` // base64 in JSON
	Targets []Target `json:"targets"`
}

// send is the journaled send action.
type send struct {
	gw   Gateway
	plan sendPlan
	// resendUnknown sends again to targets whose fate is unknown.
	resendUnknown bool
}

func (a *send) keys() []string         { return IDs(a.plan.Targets) }
func (a *send) kind() callKind         { return callPost }
func (a *send) message() []byte        { return a.plan.Payload }
func (a *send) radius(ts []int) Radius { return RadiusOf(pick(a.plan.Targets, ts)) }
func (a *send) intents() []string      { return []string{"post"} }
func (a *send) data() any              { return nil }
func (a *send) outcomes() []string {
	return []string{sendDelivered, sendGone, sendThrottled, sendFailed, sendUnknown}
}

// pending: never sent, or certainly not delivered; an unknown fate only
// when asked.
func (a *send) pending(l *ledger, t int) bool {
	if l.open[t] != "" {
		return a.resendUnknown
	}
	switch l.last[t].Step {
	case "", sendThrottled, sendFailed:
		return true
	case sendUnknown:
		return a.resendUnknown
	}
	return false
}

func (a *send) step(ctx context.Context, t int, _ *ledger, w intents) (entry, error) {
	if err := w.intent("post"); err != nil {
		return entry{}, err
	}
	err := a.gw.Post(ctx, a.plan.Targets[t].ID, a.plan.Payload)
	return outcome(postOutcome(err), err), err
}

// postOutcome names a post's outcome. Only a refusal before delivery (429,
// 403, a connection never made) is certainly not delivered; any other
// failure (a timeout, a 5xx, a connection broken) may hide a delivery.
func postOutcome(err error) string {
	var op *net.OpError
	switch {
	case err == nil:
		return sendDelivered
	case errors.Is(err, mgmt.ErrGone):
		return sendGone
	case errors.Is(err, mgmt.ErrThrottled):
		return sendThrottled
	case errors.Is(err, mgmt.ErrForbidden), errors.Is(err, mgmt.ErrPayloadTooLarge), errors.As(err, &op) && op.Op == "dial":
		return sendFailed
	}
	return sendUnknown
}

// Send sends req.Payload to every target of req.Targets, resolved once from
// the registry, after the safety checks and between its two audit lines.
// Every target's intent is journaled before its post and its outcome after,
// so that Resume can finish an interrupted send without posting twice.
// progress, when set, gets the account after every outcome.
//
// Cancelling ctx stops the send: calls in flight finish and are journaled,
// and the partial result comes back with an error wrapping ctx's.
func (o *Ops) Send(ctx context.Context, req SendRequest, progress func(Progress)) (SendResult, error) {
	if err := checkPayload(req.Payload); err != nil {
		return SendResult{}, err
	}
	rps, err := o.sendRate(req.RPS)
	if err != nil {
		return SendResult{}, err
	}
	if err := o.writable(ctx, "send", req.Targets.String()); err != nil {
		return SendResult{}, err
	}
	if err := o.rightEndpoint(ctx, "send", req.Targets.String()); err != nil {
		return SendResult{}, err
	}
	targets, plan, err := o.Plan(ctx, "send", req.Targets, len(req.Payload))
	if err != nil {
		return SendResult{}, err
	}
	act := &send{gw: o.gw, plan: sendPlan{Payload: req.Payload, Targets: targets}}
	r, err := o.fresh(act, req.Journal, "send", plan.Filter, rps, act.plan)
	if err != nil {
		return SendResult{}, err
	}
	r.progress = progress
	err = r.start(ctx, plan, req.Payload)
	return act.result(r), err
}

// Resume finishes the send journaled at path, on the profile and at the
// place that started it: it sends the journal's payload at its rate to the
// targets with no outcome and to those whose message was certainly not
// delivered; with resendUnknown also to those whose fate is unknown.
// Delivered and gone targets are never sent to again. A journal with
// nothing left returns at once (no confirmation, no audit line).
func (o *Ops) Resume(ctx context.Context, path string, resendUnknown bool, progress func(Progress)) (SendResult, error) {
	var act *send
	r, err := o.resume(ctx, path, []string{"send"}, 0, func(h header) (action, error) {
		act = &send{gw: o.gw, resendUnknown: resendUnknown}
		if err := unmarshalPlan(h, &act.plan); err != nil {
			return nil, err
		}
		return act, checkPayload(act.plan.Payload)
	}, progress)
	if r == nil {
		return SendResult{Journal: path}, err
	}
	return act.result(r), err
}

// result is the journal's account.
func (a *send) result(r *journaled) SendResult {
	l := r.l
	res := SendResult{Targets: len(l.targets()), Delivered: l.counts[sendDelivered], Gone: l.counts[sendGone],
		Throttled: l.counts[sendThrottled], Failed: l.counts[sendFailed], Journal: r.path,
		DurationMS: r.took().Milliseconds(), Attempted: r.attempted}
	for _, t := range l.targets() {
		id := a.plan.Targets[t].ID
		switch step := l.last[t].Step; {
		case l.open[t] != "" || step == sendUnknown:
			res.Unknown++
			res.UnknownIDs = append(res.UnknownIDs, id)
		case step == "":
			res.NotAttempted++
		case step == sendGone:
			res.GoneIDs = append(res.GoneIDs, id)
		case step == sendThrottled || step == sendFailed:
			res.FailedIDs = append(res.FailedIDs, id)
		}
	}
	res.Complete = len(r.todo()) == 0
	return res
}

// checkPayload refuses an empty payload or one API Gateway would refuse.
func checkPayload(p []byte) error {
	switch {
	case len(p) == 0:
		return errors.New("send: the payload is empty")
	case len(p) > mgmt.MaxPayload:
		return fmt.Errorf("send: %w: %d bytes, limit %d", mgmt.ErrPayloadTooLarge, len(p), mgmt.MaxPayload)
	}
	return nil
}

// sendRate resolves a request's rate: +Inf is no limit.
func (o *Ops) sendRate(rps float64) (float64, error) {
	rps = cmp.Or(rps, o.rps, mgmt.DefaultRPS)
	return rps, checkRate("send", rps, "calls")
}

// marshalPlan is an action's plan as its journal's header holds it.
func marshalPlan(plan any) (json.RawMessage, error) { return json.Marshal(plan) }

// unmarshalPlan reads a journal header's plan into plan.
func unmarshalPlan(h header, plan any) error {
	if err := json.Unmarshal(h.Plan, plan); err != nil {
		return fmt.Errorf("the %s plan: %w", h.Action, err)
	}
	return nil
}

// pick is the elements of s at positions idx.
func pick[T any](s []T, idx []int) []T {
	out := make([]T, len(idx))
	for n, i := range idx {
		out[n] = s[i]
	}
	return out
}
