package logs

import (
	"time"
)

// joinerHold is how long a line whose request is not known yet waits for
// its access line (API Gateway writes the access line when the request
// ends, after the execution and handler lines it caused).
const joinerHold = time.Minute

// joinerMax bounds the lines held waiting, and the requests remembered.
const joinerMax = 10_000

// Joiner follows connections through lines that arrive in any order (a
// live tail, a poll): access lines of the connections name their
// requests; execution and handler lines of those requests follow them,
// or wait (bounded, for joinerHold) for them. Memory stays bounded.
type Joiner struct {
	want map[string]bool
	// requests: API Gateway request id → seen; lambda: Lambda request id →
	// API Gateway request id; both forgotten oldest first past joinerMax.
	requests map[string]Line
	lambda   map[string]string
	integ    map[string]string // API Gateway request id → Lambda request id
	order    []string
	held     []Line
	seen     map[string]time.Time // event ids emitted, for de-duplication
}

// NewJoiner follows the connections ids; with none it passes every line.
func NewJoiner(ids []string) *Joiner {
	j := &Joiner{want: map[string]bool{}, requests: map[string]Line{}, lambda: map[string]string{}, integ: map[string]string{}, seen: map[string]time.Time{}}
	for _, id := range ids {
		j.want[id] = true
	}
	return j
}

// Add takes one line and returns the lines now due, in the order they
// became due: the line itself when it belongs to a followed connection,
// and, after an access line, the held lines of its request.
func (j *Joiner) Add(l Line) []Line {
	if l.EventID != "" {
		if _, dup := j.seen[l.EventID]; dup {
			return nil
		}
		j.seen[l.EventID] = l.Time
		j.forgetSeen(l.Time)
	}
	if len(j.want) == 0 {
		return []Line{l}
	}
	switch l.Kind {
	case KindAccess:
		if !j.want[l.ConnectionID] || l.RequestID == "" {
			return nil
		}
		j.remember(l)
		out := []Line{l}
		kept := j.held[:0]
		for _, h := range j.held {
			if j.owns(&h) {
				out = append(out, h)
			} else if l.Time.Sub(h.Time) < joinerHold {
				kept = append(kept, h)
			}
		}
		j.held = kept
		return out
	default:
		if j.owns(&l) {
			return []Line{l}
		}
		if len(j.held) < joinerMax {
			j.held = append(j.held, l)
		}
		return nil
	}
}

// Learn remembers the request of l when it is an access line of a
// followed connection, without emitting anything: a poll learns the
// requests of a round before it asks the other groups for their lines.
func (j *Joiner) Learn(l Line) {
	if l.Kind == KindAccess && j.want[l.ConnectionID] && l.RequestID != "" {
		j.remember(l)
	}
}

// owns reports whether l belongs to a known request, and gives it that
// request's connection, route and status.
func (j *Joiner) owns(l *Line) bool {
	rid := l.RequestID
	if l.Kind != KindExecution {
		rid = j.lambda[l.RequestID]
	}
	a, ok := j.requests[rid]
	if ok {
		l.joinTo(a)
	}
	return ok
}

func (j *Joiner) remember(l Line) {
	if _, known := j.requests[l.RequestID]; known {
		return
	}
	j.requests[l.RequestID] = l
	if l.IntegrationRequestID != "" {
		j.lambda[l.IntegrationRequestID] = l.RequestID
		j.integ[l.RequestID] = l.IntegrationRequestID
	}
	j.order = append(j.order, l.RequestID)
	for len(j.order) > joinerMax {
		old := j.order[0]
		j.order = j.order[1:]
		delete(j.requests, old)
		delete(j.lambda, j.integ[old])
		delete(j.integ, old)
	}
}

// forgetSeen drops event ids older than joinerHold before now once there
// are too many.
func (j *Joiner) forgetSeen(now time.Time) {
	if len(j.seen) <= joinerMax {
		return
	}
	for id, t := range j.seen {
		if now.Sub(t) > joinerHold {
			delete(j.seen, id)
		}
	}
}

// Recent are the request ids (API Gateway's and the Lambdas') of the
// followed connections' requests seen since after: what a poll asks the
// execution and handler groups for.
func (j *Joiner) Recent(after time.Time) (requests, lambdas []string) {
	for id, a := range j.requests {
		if a.Time.After(after) {
			requests = append(requests, id)
			if l := j.integ[id]; l != "" {
				lambdas = append(lambdas, l)
			}
		}
	}
	return requests, lambdas
}
