package logsview

import (
	"slices"

	"wsops/logs"
)

// ring is the tail's bounded memory: the last cap lines in the order they
// came, numbered (seq) as they came, each marked with whether the filter
// keeps it. An execution or handler line takes its request's connection,
// route and status when the request's access line is known, or when it
// comes (API Gateway writes it when the request ends, after the lines the
// request caused). Everything it indexes is bounded by cap.
type ring struct {
	buf  []entry
	head int    // index of the oldest line
	n    int    // lines held
	next uint64 // seq of the next line
	// shown are the seqs of the lines the filter keeps, ascending.
	shown []uint64
	match matcher
	seen  map[string]uint64 // event id → seq, for de-duplication
	join  joins
}

type entry struct {
	seq  uint64
	line logs.Line
	keep bool
	wait string // the key the line waits under for its access line
}

func newRing(capacity int) *ring {
	return &ring{buf: make([]entry, capacity), seen: map[string]uint64{}, join: newJoins(capacity)}
}

// len is the number of lines held.
func (r *ring) len() int { return r.n }

// at is line seq, or nil when it is not held.
func (r *ring) at(seq uint64) *entry {
	first := r.next - uint64(r.n)
	if seq < first || seq >= r.next {
		return nil
	}
	return &r.buf[(r.head+int(seq-first))%len(r.buf)]
}

// push adds l, the oldest line going when the ring is full; a line seen
// before (by event id) is dropped: added is false.
func (r *ring) push(l logs.Line) (added bool) {
	if l.EventID != "" {
		if _, dup := r.seen[l.EventID]; dup {
			return false
		}
	}
	if r.n == len(r.buf) {
		r.evict()
	}
	e := entry{seq: r.next, line: l}
	switch {
	case l.Kind == logs.KindAccess:
		for _, seq := range r.join.learn(l) {
			r.joined(seq, l)
		}
	case l.RequestID != "":
		if a, ok := r.join.lookup(l); ok {
			a.give(&e.line)
		} else {
			e.wait = waitKey(l)
			r.join.wait(e.wait, e.seq)
		}
	}
	e.keep = r.match.keeps(&e.line)
	if e.keep {
		r.shown = append(r.shown, e.seq)
	}
	if l.EventID != "" {
		r.seen[l.EventID] = e.seq
	}
	r.buf[(r.head+r.n)%len(r.buf)] = e
	r.n++
	r.next++
	return true
}

// evict drops the oldest line and what indexes it.
func (r *ring) evict() {
	e := &r.buf[r.head]
	if len(r.shown) > 0 && r.shown[0] == e.seq {
		r.shown = r.shown[1:]
	}
	if id := e.line.EventID; id != "" && r.seen[id] == e.seq {
		delete(r.seen, id)
	}
	if e.wait != "" {
		r.join.unwait(e.wait, e.seq)
	}
	*e = entry{}
	r.head = (r.head + 1) % len(r.buf)
	r.n--
}

// joined gives line seq, which waited for it, access line a's request;
// the filter may now keep it.
func (r *ring) joined(seq uint64, a logs.Line) {
	e := r.at(seq)
	if e == nil {
		return
	}
	requestOf(a).give(&e.line)
	e.wait = ""
	if keep := r.match.keeps(&e.line); keep != e.keep {
		e.keep = keep
		i, _ := slices.BinarySearch(r.shown, seq)
		if keep {
			r.shown = slices.Insert(r.shown, i, seq)
		} else {
			r.shown = slices.Delete(r.shown, i, i+1)
		}
	}
}

// filter sets the matcher and marks every line again.
func (r *ring) filter(m matcher) {
	r.match = m
	r.shown = r.shown[:0]
	for i := range r.n {
		e := &r.buf[(r.head+i)%len(r.buf)]
		e.keep = m.keeps(&e.line)
		if e.keep {
			r.shown = append(r.shown, e.seq)
		}
	}
}

// index is the place in shown of seq, or of the first shown line after it.
func (r *ring) index(seq uint64) int {
	i, _ := slices.BinarySearch(r.shown, seq)
	return i
}
