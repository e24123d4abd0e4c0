package logsview

import (
	"wsops/logs"
)

// held are the lines that came while the view was paused: the newest of
// them, up to its capacity, in the order they came.
type held struct {
	buf  []logs.Line // allocated on the first pause
	cap  int
	head int
	n    int
	came int // every line that came since the pause
}

func newHeld(capacity int) held { return held{cap: capacity} }

// push holds l, the oldest held line going when full.
func (h *held) push(l logs.Line) {
	if h.buf == nil {
		h.buf = make([]logs.Line, h.cap)
	}
	h.came++
	if h.n == h.cap {
		h.buf[h.head] = l
		h.head = (h.head + 1) % h.cap
		return
	}
	h.buf[(h.head+h.n)%h.cap] = l
	h.n++
}

// drain hands every held line to add, oldest first, and empties the hold.
func (h *held) drain(add func(logs.Line) bool) {
	for i := range h.n {
		j := (h.head + i) % h.cap
		add(h.buf[j])
		h.buf[j] = logs.Line{}
	}
	h.head, h.n, h.came = 0, 0, 0
}
