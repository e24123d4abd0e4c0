package ops

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"wsops/data"
	"wsops/mgmt"
)

// maxOwnCandidates bounds the GetConnection calls FindOwn makes.
const maxOwnCandidates = 64

// ErrOwnNotFound means no registry record belongs to the test client's
// connection: the backend's $connect wrote none, or wrote it elsewhere.
var ErrOwnNotFound = errors.New("no registry record of this connection")

// Own is how the test client is recognised among the registry's records.
type Own struct {
	// User is the user the client connected as ("" when unknown: every
	// record is a candidate).
	User string
	// UserAgent is the client's unique User-Agent, which GetConnection reports.
	UserAgent string
}

// FindOwn finds the registry record of the test client's own connection:
// among the user's records (newest first), the one whose stored user agent is
// the client's, else the one whose live connection GetConnection says has
// it. API Gateway never tells a client its connection id, so this is how the
// console learns it. Reading only; no audit line.
func (o *Ops) FindOwn(ctx context.Context, own Own) (data.Connection, error) {
	reg, mgmt := o.reg, o.gw
	if own.UserAgent == "" {
		return data.Connection{}, errors.New("find own connection: the client has no user agent to recognise it by")
	}
	var cands []data.Connection
	var err error
	if own.User != "" {
		cands, err = reg.ConnectionsOf(ctx, own.User)
	} else {
		cands, err = data.Collect(ctx, reg.Connections(ctx, data.Select{}))
	}
	if err != nil {
		return data.Connection{}, fmt.Errorf("find own connection: %w", err)
	}
	for _, c := range cands {
		if c.UserAgent == own.UserAgent {
			return c, nil
		}
	}
	slices.SortFunc(cands, func(a, b data.Connection) int {
		return cmp.Or(b.ConnectedAt.Compare(a.ConnectedAt), cmp.Compare(a.ID, b.ID))
	})
	for i, c := range cands {
		if i == maxOwnCandidates {
			break
		}
		info, err := mgmt.Get(ctx, c.ID)
		if err == nil && info.UserAgent == own.UserAgent {
			return c, nil
		}
	}
	who := "any user"
	if own.User != "" {
		who = "user " + own.User
	}
	return data.Connection{}, fmt.Errorf("%w: %d records of %s, none with this client's user agent (did $connect write the record, and under this user?)",
		ErrOwnNotFound, len(cands), who)
}

// PostToSelf is the test client's "send me a test broadcast": it posts
// payload to the client's own connection id through the management API. It
// is a send, so a read-only profile refuses it (ErrReadOnly) and it leaves
// an audit line (filter "own test connection ID"); it asks for no
// confirmation, as it reaches nobody but the operator's own test client.
func (o *Ops) PostToSelf(ctx context.Context, self data.Connection, payload []byte) error {
	if err := checkPayload(payload); err != nil {
		return err
	}
	plan := Plan{Action: "send", Filter: "own test connection " + self.ID, Radius: RadiusOf([]Target{targetOf(self)}),
		PayloadSize: len(payload), self: true}
	return o.run(ctx, plan, func(ctx context.Context) (Outcome, error) {
		err := o.gw.Post(ctx, self.ID, payload)
		res := map[string]int{"delivered": 1}
		switch {
		case errors.Is(err, mgmt.ErrGone):
			res = map[string]int{"gone": 1}
		case err != nil:
			res = map[string]int{"failed": 1}
		}
		return Outcome{Result: res, Payload: payload}, err
	})
}
