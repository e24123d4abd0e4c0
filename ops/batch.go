package ops

import (
	"context"
	"sync"
)

// batcher gathers the registry requests of a run's concurrent steps into
// shared calls, as the journal gathers their intents into one fsync: a
// request that finds a lane free goes out at once, alone; requests that
// arrive while every lane is busy wait, and the next lane to finish takes
// them together, up to limit units a call. So a run that cuts one
// connection at a time makes one call a request, as before, and a run with
// many steps in flight makes a call for many. A step waits for its own
// request's answer: whatever it journals afterwards still follows the
// effect.
type batcher[Req, Res any] struct {
	// limit is the units one call carries at most (a request of more goes
	// alone); lanes the calls in flight at most.
	limit, lanes int
	// units is a request's size in the call (keys, say).
	units func(Req) int
	// call makes one call for reqs and returns one answer each, in order;
	// its error fails every request it carried.
	call func(ctx context.Context, reqs []Req) ([]Res, error)
	// queued, when set, is told the number of requests waiting after each
	// one joins them (tests synchronise on it).
	queued func(n int)

	mu    sync.Mutex
	queue []*request[Req, Res]
	busy  int // lanes making a call
}

// request is one step's request and, once done is closed, its answer.
type request[Req, Res any] struct {
	req  Req
	res  Res
	err  error
	done chan struct{}
}

// do makes req in the next call a lane makes and returns its answer. The
// call is made under ctx without its cancellation (a call in flight
// finishes, as the fan-out's do), and do waits for it.
func (b *batcher[Req, Res]) do(ctx context.Context, req Req) (Res, error) {
	r := &request[Req, Res]{req: req, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, r)
	start := b.busy < b.lanes
	if start {
		b.busy++
	}
	if b.queued != nil {
		b.queued(len(b.queue))
	}
	b.mu.Unlock()
	if start {
		go b.lane(context.WithoutCancel(ctx))
	}
	<-r.done
	return r.res, r.err
}

// lane makes calls for the waiting requests until none is left.
func (b *batcher[Req, Res]) lane(ctx context.Context) {
	for {
		batch := b.take()
		if batch == nil {
			return
		}
		reqs := make([]Req, len(batch))
		for i, r := range batch {
			reqs[i] = r.req
		}
		res, err := b.call(ctx, reqs)
		for i, r := range batch {
			if err == nil {
				r.res = res[i]
			}
			r.err = err
			close(r.done)
		}
	}
}

// take removes the next call's requests from the queue, in arrival order,
// at least one and at most limit units; nil (and the lane freed) when none
// is waiting.
func (b *batcher[Req, Res]) take() []*request[Req, Res] {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 0 {
		b.busy--
		return nil
	}
	n, units := 0, 0
	for ; n < len(b.queue); n++ {
		u := b.units(b.queue[n].req)
		if n > 0 && units+u > b.limit {
			break
		}
		units += u
	}
	batch := make([]*request[Req, Res], n)
	copy(batch, b.queue)
	b.queue = append(b.queue[:0], b.queue[n:]...)
	return batch
}
