package logsview

import (
	"slices"

	"wsops/logs"
)

// request is what an access line says of its request: what its execution
// and handler lines take.
type request struct{ conn, route, status string }

func requestOf(a logs.Line) request {
	return request{conn: a.ConnectionID, route: a.Route, status: a.Status}
}

// give gives l the request's connection, route and status.
func (r request) give(l *logs.Line) {
	l.ConnectionID, l.Route, l.Status = r.conn, r.route, r.status
}

// joins are the requests the tail knows from their access lines, by API
// Gateway's request id and by their handler's, and the lines waiting for
// their access line, by the key of the request they wait for. At most max
// requests are remembered, the oldest forgotten first.
type joins struct {
	max     int
	reqs    map[string]request // waitKey → request
	order   []string           // API Gateway request ids, oldest first
	lambda  map[string]string  // API Gateway request id → its handler's
	waiting map[string][]uint64
}

func newJoins(max int) joins {
	return joins{max: max, reqs: map[string]request{}, lambda: map[string]string{}, waiting: map[string][]uint64{}}
}

// waitKey is the key of the request an execution or handler line belongs
// to: API Gateway's request id for the first, the handler's for the other.
func waitKey(l logs.Line) string {
	if l.Kind == logs.KindExecution {
		return "x" + l.RequestID
	}
	return "h" + l.RequestID
}

// learn remembers access line a's request and returns the seqs of the
// lines that waited for it.
func (j *joins) learn(a logs.Line) []uint64 {
	if a.RequestID == "" {
		return nil
	}
	r := requestOf(a)
	keys := []string{"x" + a.RequestID}
	if a.IntegrationRequestID != "" {
		keys = append(keys, "h"+a.IntegrationRequestID)
	}
	if _, known := j.reqs[keys[0]]; !known {
		j.order = append(j.order, a.RequestID)
		j.lambda[a.RequestID] = a.IntegrationRequestID
		for len(j.order) > j.max {
			old := j.order[0]
			j.order = j.order[1:]
			delete(j.reqs, "x"+old)
			delete(j.reqs, "h"+j.lambda[old])
			delete(j.lambda, old)
		}
	}
	var due []uint64
	for _, k := range keys {
		j.reqs[k] = r
		due = append(due, j.waiting[k]...)
		delete(j.waiting, k)
	}
	slices.Sort(due)
	return due
}

// lookup is the request line l belongs to, when known.
func (j *joins) lookup(l logs.Line) (request, bool) {
	r, ok := j.reqs[waitKey(l)]
	return r, ok
}

// wait files line seq under key until its request is known.
func (j *joins) wait(key string, seq uint64) {
	j.waiting[key] = append(j.waiting[key], seq)
}

// unwait forgets line seq (which leaves the tail) waiting under key.
func (j *joins) unwait(key string, seq uint64) {
	list := j.waiting[key]
	if i := slices.Index(list, seq); i >= 0 {
		list = slices.Delete(list, i, i+1)
	}
	if len(list) == 0 {
		delete(j.waiting, key)
		return
	}
	j.waiting[key] = list
}
