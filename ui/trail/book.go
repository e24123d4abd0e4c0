package trail

import (
	"slices"

	"wsops/logs"
)

// maxSeen bounds the event ids remembered for de-duplication: past it, only
// the ids of the lines still kept are.
const maxSeen = 40 * MaxRequests

// book is a trail's requests, in the time order of their access lines,
// each with its lines in time order; at most MaxRequests of them.
type book struct {
	reqs []*logs.Request
	// byID: API Gateway request id → request; lambda: a handler's request
	// id → API Gateway's.
	byID     map[string]*logs.Request
	lambda   map[string]string
	seen     map[string]bool
	dropped  int    // requests dropped past MaxRequests
	unjoined string // why handler lines cannot be joined ("": they can)
	rows     []row
	// early are lines that came before their request's access line (a
	// poll emits a round's lines in time order, and the access line is
	// written last), by the key of their request; at most maxEarly.
	early  map[string][]logs.Line
	nEarly int
}

// maxEarly bounds the lines waiting for their request's access line.
const maxEarly = 1000

// row is one row of the trail as shown: a request's head (with its
// status), or a line under it.
type row struct {
	text   string
	head   bool
	status string
}

func newBook() book {
	return book{byID: map[string]*logs.Request{}, lambda: map[string]string{}, seen: map[string]bool{}, early: map[string][]logs.Line{}}
}

// requests are the book's requests, oldest first.
func (b *book) requests() []logs.Request {
	out := make([]logs.Request, len(b.reqs))
	for i, r := range b.reqs {
		out[i] = *r
	}
	return out
}

// addRequest adds a request read whole, and its lines.
func (b *book) addRequest(r logs.Request) {
	b.add(r.Access)
	for _, l := range r.Lines {
		b.add(l)
	}
}

// add files one line: an access line opens its request; an execution or
// handler line joins the request it belongs to, or waits for its access
// line (the follow emits only the connection's lines, but may emit a
// request's lines before its access line). A line seen before is dropped.
func (b *book) add(l logs.Line) {
	if l.EventID != "" {
		if b.seen[l.EventID] {
			return
		}
		b.seen[l.EventID] = true
	}
	if l.Kind == logs.KindAccess {
		b.open(l)
		return
	}
	rid := l.RequestID
	if l.Kind == logs.KindHandler {
		rid = b.lambda[l.RequestID]
	}
	r := b.byID[rid]
	if r == nil {
		b.wait(l)
		return
	}
	b.file(r, l)
}

// earlyKey is the key line l waits under for its access line.
func earlyKey(kind logs.Kind, id string) string {
	if kind == logs.KindExecution {
		return "x" + id
	}
	return "h" + id
}

// wait keeps l until its access line comes; past maxEarly, it is dropped.
func (b *book) wait(l logs.Line) {
	if b.nEarly >= maxEarly || l.RequestID == "" {
		return
	}
	k := earlyKey(l.Kind, l.RequestID)
	b.early[k] = append(b.early[k], l)
	b.nEarly++
}

// file adds l to request r, in time order.
func (b *book) file(r *logs.Request, l logs.Line) {
	i := len(r.Lines)
	for i > 0 && r.Lines[i-1].Time.After(l.Time) {
		i--
	}
	r.Lines = slices.Insert(r.Lines, i, l)
	b.rows = nil
}

// open adds the request of access line l, in time order, dropping the
// oldest past MaxRequests.
func (b *book) open(l logs.Line) {
	if l.RequestID == "" || b.byID[l.RequestID] != nil {
		return
	}
	r := &logs.Request{Access: l}
	b.byID[l.RequestID] = r
	if l.IntegrationRequestID != "" {
		b.lambda[l.IntegrationRequestID] = l.RequestID
	}
	i := len(b.reqs)
	for i > 0 && b.reqs[i-1].Access.Time.After(l.Time) {
		i--
	}
	b.reqs = slices.Insert(b.reqs, i, r)
	for _, k := range []string{earlyKey(logs.KindExecution, l.RequestID), earlyKey(logs.KindHandler, l.IntegrationRequestID)} {
		for _, e := range b.early[k] {
			b.file(r, e)
		}
		b.nEarly -= len(b.early[k])
		delete(b.early, k)
	}
	for len(b.reqs) > MaxRequests {
		old := b.reqs[0]
		b.reqs = b.reqs[1:]
		delete(b.byID, old.Access.RequestID)
		delete(b.lambda, old.Access.IntegrationRequestID)
		b.dropped++
	}
	if len(b.seen) > maxSeen {
		b.forget()
	}
	b.rows = nil
}

// forget keeps only the event ids of the lines the book holds.
func (b *book) forget() {
	b.seen = map[string]bool{}
	for _, r := range b.reqs {
		b.seen[r.Access.EventID] = true
		for _, l := range r.Lines {
			b.seen[l.EventID] = true
		}
	}
}

// lines are the book's rows, as `wsops logs --conn` prints them.
func (b *book) lines() []row {
	if b.rows == nil {
		b.rows = []row{}
		for _, r := range b.reqs {
			for i, text := range logs.RequestRows(*r) {
				b.rows = append(b.rows, row{text: text, head: i == 0, status: r.Access.Status})
			}
		}
	}
	return b.rows
}
