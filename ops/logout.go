package ops

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"wsops/mgmt"
)

// DefaultNotice is what a force-logged-out client receives before its
// socket is cut when neither the request nor the profile (Deps.LogoutNotice)
// names a notice.
const DefaultNotice = `{"type":"force_logout","reason":"operator"}`

// DefaultLogoutRate is how many connections a logout cuts per second when
// the request names no rate.
const DefaultLogoutRate = 50

// LogoutRequest is a force logout: tell each target, cut its socket, delete
// its registry records.
type LogoutRequest struct {
	// Targets are connection ids (Conns, marked rows) or a user's connections
	// (Select.User, possibly narrowed by the other Select fields). A logout
	// never reaches a whole app, topic or fleet.
	Targets Targets
	// Notice is posted to each target before the cut: JSON of at most
	// mgmt.MaxPayload bytes; nil means the profile's (Deps.LogoutNotice),
	// else DefaultNotice.
	Notice []byte
	// Rate is connections cut per second, staged (one at a time, no burst) so
	// that a mass logout cannot cause a reconnect storm; 0 means
	// DefaultLogoutRate. Each cut is two management calls (post, delete),
	// so the rate is also held to half the profile's management RPS.
	Rate float64
	// Journal is where the journal goes ("": $XDG_STATE_HOME/wsops/journals/
	// <action>-<time>.jsonl); it must not exist yet.
	Journal string
}

// LogoutResult is what a logout did; its JSON is design.md's logout output.
type LogoutResult struct {
	Targets int `json:"targets"`
	// Notified counts targets that received the notice.
	Notified int `json:"notified"`
	// Disconnected counts sockets this logout closed (close code 1000).
	Disconnected int `json:"disconnected"`
	// Gone counts targets whose connection was already closed (410).
	Gone int `json:"gone"`
	// RecordsDeleted counts registry records deleted: each target's
	// connection record, as read just before its cut, and the subscription
	// records it held once cut (those the backend's $disconnect deleted
	// before the logout read them are not counted).
	RecordsDeleted int `json:"records_deleted"`
	// Failed counts targets a step failed for: the notice or the cut (the
	// socket may still be open and its records are kept), or the deletion of
	// the records of a closed connection (they may remain; prune finds them).
	Failed int `json:"failed"`
	// NotAttempted counts targets a cancelled run did not reach.
	NotAttempted int `json:"not_attempted"`
	// FailedIDs are the failed targets' connection ids.
	FailedIDs []string `json:"-"`
	// Journal is the journal's path; ResumeLogout finishes what it records.
	Journal string `json:"journal,omitempty"`
	// Complete is set when every target is cut and its records are deleted:
	// a resume would do nothing.
	Complete bool `json:"complete"`
	// DurationMS is how long the run acted, from its confirmation to its
	// last answer.
	DurationMS int64 `json:"duration_ms"`
}

// LogoutPlan validates req and resolves its targets into the plan Logout
// would carry out, reading the registry only (--dry-run).
func (o *Ops) LogoutPlan(ctx context.Context, req LogoutRequest) ([]Target, Plan, error) {
	notice, err := o.notice(req)
	if err != nil {
		return nil, Plan{}, err
	}
	if err := checkLogoutTargets(req.Targets); err != nil {
		return nil, Plan{}, err
	}
	if err := checkRate("logout", req.Rate, "disconnects"); err != nil {
		return nil, Plan{}, err
	}
	return o.Plan(ctx, "logout", req.Targets, len(notice))
}

// Logout force-logs-out req's targets, staged at req's rate: for each one it
// posts the notice, then closes the connection (so the client sees the notice
// frame before close 1000), then deletes the connection's registry records
// and its subscriptions (the cuts in flight share the registry's batch
// calls, logout_registry.go). A connection already gone (410 on the post or the
// delete) still gets its records deleted and counts as gone. A target whose
// notice fails otherwise is not cut: it is reported failed.
//
// The notice's intent is journaled before the post and the cut's before
// the cut, so that ResumeLogout can finish an interrupted or partly failed
// run without cutting anyone without a notice. The run is authorized, then
// audited before its first call and after its last. When ctx is cancelled,
// no further target is started, calls in flight finish, and the result
// says what was done; the error then wraps ctx's error.
func (o *Ops) Logout(ctx context.Context, req LogoutRequest, progress func(Progress)) (LogoutResult, error) {
	if err := o.writable(ctx, "logout", req.Targets.String()); err != nil {
		return LogoutResult{}, err
	}
	if err := o.rightEndpoint(ctx, "logout", req.Targets.String()); err != nil {
		return LogoutResult{}, err
	}
	targets, plan, err := o.LogoutPlan(ctx, req)
	if err != nil {
		return LogoutResult{}, err
	}
	notice, _ := o.notice(req) // valid: LogoutPlan checked it
	act := newLogout(o, logoutPlan{Notice: notice, Targets: targets})
	r, err := o.fresh(act, req.Journal, "logout", plan.Filter, o.logoutRate(req.Rate), act.plan)
	if err != nil {
		return LogoutResult{}, err
	}
	r.progress = progress
	err = r.start(ctx, plan, notice)
	return act.result(r), err
}

// ResumeLogout finishes the logout journaled at path, on the profile and at
// the place that started it: it cuts the targets with no outcome or a
// failed one. A target whose cut was intended was notified: it is not
// notified again. A notice whose answer a crash or a failure hid is posted
// again: it may arrive twice, but no client is cut without one. rate, when
// not 0, replaces the journal's (say, slower after a reconnect storm). A
// journal with nothing left returns at once (no confirmation, no audit line).
func (o *Ops) ResumeLogout(ctx context.Context, path string, rate float64, progress func(Progress)) (LogoutResult, error) {
	if err := checkRate("resume", rate, "disconnects"); err != nil {
		return LogoutResult{Journal: path}, err
	}
	if rate != 0 {
		rate = o.logoutRate(rate)
	}
	act := newLogout(o, logoutPlan{})
	r, err := o.resume(ctx, path, []string{"logout"}, rate, func(h header) (action, error) {
		if err := unmarshalPlan(h, &act.plan); err != nil {
			return nil, err
		}
		return act, checkPayload(act.plan.Notice)
	}, progress)
	if r == nil {
		return LogoutResult{Journal: path}, err
	}
	return act.result(r), err
}

// newLogout is a logout run of plan (a resume reads it from its journal).
func newLogout(o *Ops, plan logoutPlan) *logout {
	return &logout{o: o, plan: plan, reg: newLogoutRegistry(o)}
}

// logoutRate is the cuts per second of a logout asked for rate: 0 is
// DefaultLogoutRate; each cut is two management calls, so at most half the
// profile's RPS.
func (o *Ops) logoutRate(rate float64) float64 {
	rate = cmp.Or(rate, DefaultLogoutRate)
	if o.rps > 0 {
		rate = min(rate, o.rps/2)
	}
	return rate
}

// notice is the request's notice, validated: when nil, the profile's,
// else DefaultNotice.
func (o *Ops) notice(req LogoutRequest) ([]byte, error) {
	n := req.Notice
	switch {
	case n != nil:
	case o.logoutNotice != nil:
		n = o.logoutNotice
	default:
		n = []byte(DefaultNotice)
	}
	if len(n) > mgmt.MaxPayload {
		return nil, fmt.Errorf("logout notice: %w: %d bytes, limit %d", mgmt.ErrPayloadTooLarge, len(n), mgmt.MaxPayload)
	}
	if !json.Valid(n) {
		return nil, errors.New("logout notice: not valid JSON")
	}
	return bytes.Clone(n), nil
}

// checkLogoutTargets accepts connection ids or a user: a logout is never
// aimed at a whole app, topic or fleet.
func checkLogoutTargets(t Targets) error {
	if err := t.Validate(); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	if t.All || len(t.Conns) == 0 && t.Select.User == "" && t.Select.ConnectionID == "" {
		return errors.New("logout: name connections (--conn) or a user (--user); a logout never targets a whole app, topic or fleet")
	}
	return nil
}
