package mgmt

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// A run is four kinds of goroutine: a dispatcher that takes ids from the stream
// and hands them to the workers, the workers that call the API, the collector
// (the run goroutine itself) that totals the workers' reports and emits events,
// and a watchdog that marks the run abandoned Linger after cancellation.

// tokenBucket is the part of *rate.Limiter the engine uses.
type tokenBucket interface {
	Wait(ctx context.Context) error
}

// start launches a run of f (defaults applied) under limiter. It returns the
// events channel and a channel closed once every goroutine of the run has returned.
func (f FanOut) start(ctx context.Context, limiter tokenBucket, ids <-chan string, call Call) (<-chan Event, <-chan struct{}) {
	events := make(chan Event)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		defer close(events)
		f.run(ctx, limiter, ids, call, events)
	}()
	return events, stopped
}

// report is what a worker hands the collector about one target.
type report struct {
	result    Result
	attempted bool
}

func (f FanOut) run(ctx context.Context, limiter tokenBucket, ids <-chan string, call Call, events chan<- Event) {
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	abandoned, stopWatchdog := closeAfterCancel(ctx, f.Linger)
	defer stopWatchdog()

	work := make(chan string)
	reports := make(chan report, f.Workers)
	var workers sync.WaitGroup
	var finished atomic.Int64 // calls finished, for growth
	var lat latency           // the calls' durations, for growth
	addWorker := func() {
		workers.Go(func() {
			for id := range work {
				r := f.attempt(ctx, limiter, id, call, &lat)
				finished.Add(1)
				reports <- r
			}
		})
	}
	for range f.Workers {
		addWorker()
	}
	grow := growth{workers: f.Workers, room: f.MaxWorkers - f.Workers, rps: f.RPS, add: addWorker,
		finished: finished.Load, latency: lat.totals, now: time.Now}
	var neverDispatched int // written before reports is closed, read after
	var dispatcher sync.WaitGroup
	dispatcher.Go(func() {
		neverDispatched = dispatch(ctx, ids, work, abandoned, grow.busy)
		close(work)
		workers.Wait()
		close(reports)
	})

	collector := collector{events: events, abandoned: abandoned, stopAfter: f.StopAfter, stop: stop}
	for r := range reports {
		collector.add(r)
	}
	dispatcher.Wait()
	collector.finish(neverDispatched)
}

// dispatch hands ids to the workers until ids is closed or ctx is cancelled,
// calling busy whenever no worker is free to take the next id. After
// cancellation it drains ids until it is closed (or the run is abandoned) and
// returns how many ids it took but never handed out.
func dispatch(ctx context.Context, ids <-chan string, work chan<- string, abandoned <-chan struct{}, busy func()) int {
	for {
		if ctx.Err() != nil {
			return drain(ids, abandoned)
		}
		select {
		case <-ctx.Done():
			return drain(ids, abandoned)
		case id, ok := <-ids:
			if !ok {
				return 0
			}
			select {
			case work <- id:
				continue
			default:
				busy()
			}
			select {
			case work <- id:
			case <-ctx.Done():
				return 1 + drain(ids, abandoned)
			}
		}
	}
}

func drain(ids <-chan string, abandoned <-chan struct{}) int {
	n := 0
	for {
		select {
		case _, ok := <-ids:
			if !ok {
				return n
			}
			n++
		case <-abandoned:
			return n
		}
	}
}

// attempt calls call for id until it is not throttled or MaxAttempts is reached,
// taking a limiter token before every call, and records each call's
// duration in lat. The call itself does not see ctx's cancellation, so an
// outcome is always known once a call was made.
func (f FanOut) attempt(ctx context.Context, limiter tokenBucket, id string, call Call, lat *latency) report {
	result := Result{ID: id}
	callCtx := context.WithoutCancel(ctx)
	for {
		if err := limiter.Wait(ctx); err != nil {
			if result.Attempts == 0 {
				return report{result: result}
			}
			return report{result: stoppedRetrying(result, err), attempted: true}
		}
		result.Attempts++
		began := time.Now()
		result.Info, result.Err = call(callCtx, id)
		lat.add(time.Since(began))
		result.Outcome = outcomeOf(result.Err)
		if result.Outcome != Throttled || result.Attempts >= f.MaxAttempts {
			return report{result: result, attempted: true}
		}
		if err := sleep(ctx, f.backoff(result.Attempts)); err != nil {
			return report{result: stoppedRetrying(result, err), attempted: true}
		}
	}
}

func outcomeOf(err error) Outcome {
	switch {
	case err == nil:
		return Delivered
	case errors.Is(err, ErrGone):
		return Gone
	case errors.Is(err, ErrThrottled):
		return Throttled
	default:
		return Failed
	}
}

func stoppedRetrying(result Result, cause error) Result {
	result.Err = fmt.Errorf("%w (stopped retrying: %w)", result.Err, cause)
	return result
}

// backoff is the delay before retry number retry (1 for the first): BaseBackoff
// doubled per earlier retry, capped at MaxBackoff, then jittered down by up to half.
func (f FanOut) backoff(retry int) time.Duration {
	d := f.BaseBackoff
	for i := 1; i < retry && d < f.MaxBackoff; i++ {
		if d > f.MaxBackoff/2 {
			d = f.MaxBackoff
			break
		}
		d *= 2
	}
	d = min(d, f.MaxBackoff)
	half := d / 2
	return half + rand.N(d-half+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// closeAfterCancel returns a channel closed linger after ctx is cancelled, and a
// stop function that ends the watchdog goroutine and waits for it.
func closeAfterCancel(ctx context.Context, linger time.Duration) (<-chan struct{}, func()) {
	expired := make(chan struct{})
	finished := make(chan struct{})
	var watchdog sync.WaitGroup
	watchdog.Go(func() {
		select {
		case <-finished:
			return
		case <-ctx.Done():
		}
		timer := time.NewTimer(linger)
		defer timer.Stop()
		select {
		case <-finished:
		case <-timer.C:
			close(expired)
		}
	})
	return expired, func() { close(finished); watchdog.Wait() }
}

// collector totals the workers' reports and emits them as events.
type collector struct {
	events    chan<- Event
	abandoned <-chan struct{}
	progress  Progress
	dropping  bool
	// stopAfter failures in a row (failing) stop the run through stop.
	stopAfter, failing int
	stop               context.CancelCauseFunc
	stopped            error
}

func (c *collector) add(r report) {
	if !r.attempted {
		c.progress.NotAttempted++
		return
	}
	c.progress.Done++
	c.failing++
	if r.result.Outcome != Failed {
		c.failing = 0
	}
	if c.stopAfter > 0 && c.failing == c.stopAfter && c.stopped == nil {
		c.stopped = fmt.Errorf("%w: %d calls in a row, the last: %w", ErrStoppedFailing, c.failing, r.result.Err)
		c.stop(c.stopped)
	}
	switch r.result.Outcome {
	case Delivered:
		c.progress.Delivered++
	case Gone:
		c.progress.Gone++
	case Throttled:
		c.progress.Throttled++
	default:
		c.progress.Failed++
	}
	c.emit(Event{Result: r.result, Progress: c.progress})
}

func (c *collector) finish(neverDispatched int) {
	c.progress.NotAttempted += neverDispatched
	c.emit(Event{Progress: c.progress, Final: true, Stopped: c.stopped})
}

// emit waits for the reader until the run is abandoned; from then on it drops events.
func (c *collector) emit(event Event) {
	if c.dropping {
		return
	}
	select {
	case c.events <- event:
	case <-c.abandoned:
		c.dropping = true
	}
}
