package wsclient

import "sync"

// queue hands events to the Events channel in order without ever blocking
// the goroutine that emits them: the reader and Send append, a pump
// forwards. A slow consumer costs memory, never a stalled connection (or a
// deadlock between Send and a reader waiting for room on the channel).
type queue struct {
	mu     sync.Mutex
	items  []Event
	closed bool
	signal chan struct{} // capacity 1: "there is something new"
}

func newQueue() *queue { return &queue{signal: make(chan struct{}, 1)} }

// push appends e; it never blocks.
func (q *queue) push(e Event) {
	q.mu.Lock()
	q.items = append(q.items, e)
	q.mu.Unlock()
	q.wake()
}

// close marks the end: the pump forwards what is queued, then closes out.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.wake()
}

func (q *queue) wake() {
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// pump forwards queued events to out in order, and closes out (then done)
// after close.
func (q *queue) pump(out chan<- Event, done chan<- struct{}) {
	defer close(done)
	defer close(out)
	for {
		q.mu.Lock()
		items, closed := q.items, q.closed
		q.items = nil
		q.mu.Unlock()
		for _, e := range items {
			out <- e
		}
		if closed && len(items) == 0 {
			return
		}
		if len(items) == 0 {
			<-q.signal
		}
	}
}
