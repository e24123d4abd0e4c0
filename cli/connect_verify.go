package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"wsops/data"
	"wsops/ops"
	"wsops/sanitize"
)

// verifier checks the round trip of `wsops connect --verify`: the client's
// own registry record (found, no problems, the identity it connected as)
// and a test broadcast to itself through the management API.
type verifier struct {
	ops   *ops.Ops
	user  string // the user connected as ("" unknown)
	agent string // the client's User-Agent
	want  string // the entity type connected as ("" unknown)

	nonce    string
	sentAt   time.Time
	problems bool // the record has problems: the verification fails
	done     bool // verification finished (passed, or failed with err)
}

// start finds the own record and posts the test broadcast. A failure is
// reported and returned; a read-only profile checks the record only.
func (v *verifier) start(ctx context.Context, g *globals) error {
	stderr := g.streams.Err
	findCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	own, err := v.ops.FindOwn(findCtx, ops.Own{User: v.user, UserAgent: v.agent})
	cancel()
	if err != nil {
		v.done = true
		return failed(fmt.Errorf("verify: %w", err))
	}
	fmt.Fprintf(stderr, "registry: record %s  user %s  app %s  entity %s  platform %s\n",
		sanitize.Text(own.ID), sanitize.Text(own.User), sanitize.Text(own.App), sanitize.Text(own.EntityType), sanitize.Text(own.Platform))
	problems := ownProblems(own, v.ops.Schema().Connections.Attrs.EntityType, v.user, v.want)
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "registry: problems: %s\n", sanitize.Text(strings.Join(problems, "; ")))
	} else {
		fmt.Fprintln(stderr, "registry: problems: none")
	}
	if v.ops.Policy().ReadOnly {
		fmt.Fprintln(stderr, "test broadcast: skipped, the profile is read-only")
		v.done = true
		return problemsError(problems)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	v.nonce, v.sentAt = hex.EncodeToString(b[:]), time.Now()
	payload := fmt.Appendf(nil, `{"type":"wsops_test_broadcast","nonce":%q}`, v.nonce)
	if err := v.ops.PostToSelf(ctx, own, payload); err != nil {
		v.done = true
		if ops.Refused(err) {
			return refused(fmt.Errorf("verify: test broadcast: %w", err))
		}
		return failed(fmt.Errorf("verify: test broadcast: %w", err))
	}
	// The broadcast runs even when the record has problems, so that its
	// latency is known; the problems fail the verification when it arrives.
	v.problems = len(problems) > 0
	return nil
}

// arrived reports whether frame is the test broadcast, and then prints its latency.
func (v *verifier) arrived(g *globals, frame []byte, at time.Time) (bool, error) {
	if v.nonce == "" || v.done || !strings.Contains(string(frame), v.nonce) {
		return false, nil
	}
	v.done = true
	fmt.Fprintf(g.streams.Err, "test broadcast: arrived %v after the post\n", roundDur(at.Sub(v.sentAt)))
	if v.problems {
		return true, problemsError([]string{"problems"})
	}
	return true, nil
}

// ownProblems are the record's problems and its disagreements with the identity.
func ownProblems(c data.Connection, entityAttr, user, entity string) []string {
	ps := append([]string(nil), c.Problems...)
	if entity != "" && c.EntityType != entity {
		ps = append(ps, fmt.Sprintf("registry says %s %q, the token says %q", entityAttr, c.EntityType, entity))
	}
	if user != "" && c.User != user {
		ps = append(ps, fmt.Sprintf("registry says user %q, the token says %q", c.User, user))
	}
	return ps
}

func problemsError(ps []string) error {
	if len(ps) == 0 {
		return nil
	}
	return failed(errors.New("verify: the connection's registry record has problems"))
}
