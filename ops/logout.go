package ops

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"wsops/client"
)

// DefaultNotice is what a force-logged-out client receives before its socket is cut.
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
	// client.MaxPayload bytes; nil means DefaultNotice.
	Notice []byte
	// Rate is connections cut per second, staged (one at a time, no burst) so
	// that a mass logout cannot cause a reconnect storm; 0 means
	// DefaultLogoutRate. Each cut is two management calls (post, delete),
	// so the rate is also held to half the profile's management RPS.
	Rate float64
	// Journal is the path of the journal to write (DefaultJournalPath is one
	// place); it must not exist yet.
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
	// RecordsDeleted counts registry records deleted: connection records and
	// subscription records.
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
	Complete bool `json:"-"`
}

// counts is the result for the audit line, keyed as the JSON output.
func (r LogoutResult) counts() map[string]int {
	return map[string]int{"targets": r.Targets, "notified": r.Notified, "disconnected": r.Disconnected,
		"gone": r.Gone, "records_deleted": r.RecordsDeleted, "failed": r.Failed, "not_attempted": r.NotAttempted}
}

// LogoutPlan validates req and resolves its targets into the plan Logout
// would carry out, without any call to the management API (--dry-run). On a
// read-only profile it refuses, audited, as Plan does.
func (o *Ops) LogoutPlan(ctx context.Context, req LogoutRequest) ([]Target, Plan, error) {
	notice, err := req.notice()
	if err != nil {
		return nil, Plan{}, err
	}
	if err := checkLogoutTargets(req.Targets); err != nil {
		return nil, Plan{}, err
	}
	if req.Rate < 0 || math.IsNaN(req.Rate) {
		return nil, Plan{}, fmt.Errorf("logout: rate %v: want a positive number of disconnects per second", req.Rate)
	}
	if o.Registry == nil && !o.Policy.ReadOnly {
		return nil, Plan{}, errors.New("logout: no registry")
	}
	targets, plan, err := o.Plan(ctx, "logout", req.Targets, len(notice))
	if err != nil && !Refused(err) { // a refusal (audited by Plan) names the action already
		err = fmt.Errorf("logout: %w", err)
	}
	if err != nil {
		return nil, Plan{}, err
	}
	return targets, plan, nil
}

// Logout force-logs-out req's targets, staged at req's rate: for each one it
// posts the notice, then closes the connection (so the client sees the notice
// frame before close 1000), then deletes the connection's registry records
// and its subscriptions, in batches. A connection already gone (410 on the
// post or the delete) still gets its records deleted and counts as gone. A
// target whose notice fails otherwise is not cut: it is reported failed.
//
// The plan and every step are journaled at req.Journal as they happen, so
// that ResumeLogout can finish an interrupted or partly failed run without
// posting any notice twice. The run is authorized, then audited with its
// counts, whatever happens. When ctx is cancelled, no further target is
// started, calls in flight finish, the records of every connection already
// closed are still deleted, and the result says what was done; the error
// then wraps ctx's error. An error with a non-zero result reports a partial
// run; Refused(err) reports a refusal. progress, when set, is called after
// each finished target.
func (o *Ops) Logout(ctx context.Context, req LogoutRequest, progress func(done, total int)) (LogoutResult, error) {
	if req.Journal == "" {
		return LogoutResult{}, errors.New("logout: no journal path")
	}
	targets, plan, err := o.LogoutPlan(ctx, req)
	if err != nil {
		return LogoutResult{}, err
	}
	notice, _ := req.notice() // valid: LogoutPlan checked it
	h := logoutHeader{
		Format: logoutJournalFormat, Action: plan.Action, Profile: o.Policy.Profile, Time: o.journalTime(),
		Filter: plan.Filter, Notice: notice, Rate: cmp.Or(req.Rate, DefaultLogoutRate), Targets: journalTargets(targets),
	}
	// res stays zero when the run is refused.
	var res LogoutResult
	err = o.run(ctx, plan, func(ctx context.Context) (Outcome, error) {
		out := Outcome{Payload: notice}
		j, err := createJournal(req.Journal)
		if err != nil {
			return out, fmt.Errorf("logout: %w", err)
		}
		out.Journal = req.Journal
		if err := errors.Join(j.append(h), j.sync()); err != nil {
			return out, errors.Join(err, j.close())
		}
		st := newLogoutState(h)
		run, err := o.logout(ctx, j, st, h.Rate, progress)
		res, out.Result = st.result(req.Journal), run.counts()
		return out, errors.Join(err, j.close())
	})
	return res, err
}

// ResumeLogout finishes the logout journaled at path, on the profile that
// started it: it cuts the targets of its plan that have no outcome yet or
// whose cut failed, never posting the notice again to one the journal says
// was notified, and deletes the records of closed connections not deleted
// yet. A notice whose post failed is posted again: its answer was lost, so
// it may arrive twice, but no client is cut without one. Steps are appended
// to the same journal. The resume is authorized and audited as a logout
// (filter "resume <path>"). A complete journal makes ResumeLogout return at
// once with Complete set (no confirmation, no audit line). rate, when not 0,
// replaces the journal's rate (say, slower after a reconnect storm).
func (o *Ops) ResumeLogout(ctx context.Context, path string, rate float64, progress func(done, total int)) (res LogoutResult, err error) {
	res.Journal = path
	if rate < 0 || math.IsNaN(rate) {
		return res, fmt.Errorf("resume: rate %v: want a positive number of disconnects per second", rate)
	}
	j, st, err := resumeJournal(path, o.Policy.Profile, replayLogout, (*logoutState).profile)
	if err != nil {
		return res, fmt.Errorf("resume: %w", err)
	}
	defer func() { err = errors.Join(err, j.close()) }()
	h := st.header
	if err := checkPayload(h.Notice); err != nil {
		return res, fmt.Errorf("resume %s: notice: %w", path, err)
	}
	left := append(st.todo(), st.unswept()...)
	if len(left) == 0 {
		return st.result(path), nil
	}
	plan := Plan{Action: "logout", Filter: "resume " + path, Radius: RadiusOf(left), PayloadSize: len(h.Notice)}
	err = o.run(ctx, plan, func(ctx context.Context) (Outcome, error) {
		out := Outcome{Payload: h.Notice, Journal: path}
		now := o.journalTime()
		if err := j.append(logoutEntry{Event: "resume", Time: &now}); err != nil {
			return out, err
		}
		run, err := o.logout(ctx, j, st, cmp.Or(rate, h.Rate), progress)
		res, out.Result = st.result(path), run.counts()
		return out, err
	})
	return res, err
}

// notice is the request's notice, validated: DefaultNotice when nil.
func (req LogoutRequest) notice() ([]byte, error) {
	if req.Notice == nil {
		return []byte(DefaultNotice), nil
	}
	if len(req.Notice) > client.MaxPayload {
		return nil, fmt.Errorf("logout notice: %w: %d bytes, limit %d", client.ErrPayloadTooLarge, len(req.Notice), client.MaxPayload)
	}
	if !json.Valid(req.Notice) {
		return nil, errors.New("logout notice: not valid JSON")
	}
	return bytes.Clone(req.Notice), nil
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
