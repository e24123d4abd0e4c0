package mgmt

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"wsops/internal/testrig"
)

// Tests of the engine's limits: the rate limiter, cancellation, abandonment.
func TestFanOutDefaultsAndLimiterConfiguration(t *testing.T) {
	cases := []struct {
		name       string
		given      FanOut
		wantLimit  rate.Limit
		wantBurst  int
		wantMaxOff time.Duration
	}{
		{"zero value", FanOut{}, DefaultRPS, DefaultRPS / 10, DefaultMaxBackoff},
		{"rps and burst", FanOut{RPS: 2500, Burst: 40}, 2500, 40, DefaultMaxBackoff},
		{"burst from rps", FanOut{RPS: 2500}, 2500, 250, DefaultMaxBackoff},
		{"slow", FanOut{RPS: 0.5}, 0.5, 1, DefaultMaxBackoff},
		{"unlimited", FanOut{RPS: math.Inf(1)}, rate.Inf, math.MaxInt32, DefaultMaxBackoff},
		{"cap below base", FanOut{BaseBackoff: 3 * time.Second}, DefaultRPS, DefaultRPS / 10, 3 * time.Second},
	}
	for _, c := range cases {
		f := c.given.withDefaults()
		limiter := f.limiter()
		if limiter.Limit() != c.wantLimit || limiter.Burst() != c.wantBurst || f.MaxBackoff != c.wantMaxOff {
			t.Errorf("%s: limit %v burst %d max backoff %v, want %v %d %v",
				c.name, limiter.Limit(), limiter.Burst(), f.MaxBackoff, c.wantLimit, c.wantBurst, c.wantMaxOff)
		}
		if f.Workers < 1 || f.MaxAttempts < 1 || f.BaseBackoff <= 0 || f.Linger <= 0 {
			t.Errorf("%s: defaults left a zero field: %+v", c.name, f)
		}
	}
}

// starved is a FanOut whose limiter holds burst tokens and, for the length of a
// test, never refills.
func starved(burst int) FanOut {
	return FanOut{Workers: 4, RPS: 1e-6, Burst: burst, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
}

func TestEveryCallTakesALimiterToken(t *testing.T) {
	w, m := startWorld(t, testrig.WorldOptions{Clients: 10})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	events, err := starved(3).Send(ctx, m, StreamIDs(w.IDs), []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	first := []Event{within(t, events, "event"), within(t, events, "event"), within(t, events, "event")}
	cancel()
	results, progress := drainRun(t, events, first...)

	if len(results) != 3 || progress.Done != 3 || progress.Delivered != 3 || progress.NotAttempted != 7 || progress.Targets() != 10 {
		t.Errorf("%d results, progress %+v; want 3 delivered, 7 not attempted", len(results), progress)
	}
	if n := len(w.Requests()); n != 3 {
		t.Errorf("the SDK client sent %d requests with 3 tokens, want 3", n)
	}
	w.Settle()
	for _, id := range w.IDs {
		if _, attempted := results[id]; attempted {
			assertReceived(t, w, []string{id}, []byte("hi"))
		} else {
			assertReceived(t, w, []string{id})
		}
	}
}

// signallingLimiter reports each Wait on waits before waiting for a token.
type signallingLimiter struct {
	*rate.Limiter
	waits chan<- struct{}
}

func (l signallingLimiter) Wait(ctx context.Context) error {
	l.waits <- struct{}{}
	return l.Limiter.Wait(ctx)
}

// poster is the Call that Send runs, for tests that start a run directly.
func poster(m *Client) Call {
	return func(ctx context.Context, id string) (ConnectionInfo, error) {
		return ConnectionInfo{}, m.Post(ctx, id, []byte("hi"))
	}
}

func TestRetryWaitsForALimiterToken(t *testing.T) {
	// The sandbox allows one call: of the two targets' first attempts, one is
	// delivered and the other throttled.
	w, m := startWorld(t, testrig.WorldOptions{Clients: 2, ManagementRPS: starvedRPS})
	arrivals := make(chan string, 4)
	w.OnRequest(func(r testrig.Request) { arrivals <- r.ID })
	waits := make(chan struct{}, 4)
	limiter := signallingLimiter{Limiter: starved(2).limiter(), waits: waits}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	events, _ := starved(2).withDefaults().start(ctx, limiter, StreamIDs(w.IDs), poster(m))
	// Two first attempts take the two tokens; the retry must then wait for a third.
	deadline := time.NewTimer(hangDeadline)
	defer deadline.Stop()
	for waited, arrived := 0, 0; waited < 3; {
		select {
		case <-waits:
			waited++
		case id := <-arrivals:
			if arrived++; arrived > 2 {
				t.Fatalf("request %d (%s) made without a limiter token", arrived, id)
			}
		case <-deadline.C:
			t.Fatalf("%d limiter waits and %d requests within %v; want 3 waits (the third for a retry)", waited, arrived, hangDeadline)
		}
	}
	cancel()
	results, progress := drainRun(t, events)

	if progress != (Progress{Done: 2, Delivered: 1, Throttled: 1}) {
		t.Fatalf("progress %+v, want one delivered and one throttled", progress)
	}
	w.Settle()
	for id, r := range results {
		switch r.Outcome {
		case Delivered:
			assertReceived(t, w, []string{id}, []byte("hi"))
		case Throttled:
			if r.Attempts != 1 || !errors.Is(r.Err, ErrThrottled) || !errors.Is(r.Err, context.Canceled) {
				t.Errorf("throttled target: %v after %d attempts (%v); want throttled after 1, retry cut by cancel", r.Outcome, r.Attempts, r.Err)
			}
			assertReceived(t, w, []string{id})
		}
	}
	if n := len(w.Requests()); n != 2 {
		t.Errorf("the SDK client sent %d requests with 2 tokens, want 2", n)
	}
}

func TestCancelReportsExactlyTheAttemptedTargets(t *testing.T) {
	w, m := startWorld(t, testrig.WorldOptions{Clients: 8})
	// The hook holds every request in the SDK client's transport, before it
	// reaches the sandbox, so calls stay in flight while the test cancels.
	started, release := make(chan string, len(w.IDs)), make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock)
	w.OnRequest(func(r testrig.Request) { started <- r.ID; <-release })
	f := quick()
	f.Workers = 2
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	events, err := f.Send(ctx, m, StreamIDs(w.IDs), []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	inFlight := []string{within(t, started, "request"), within(t, started, "request")}
	cancel()
	unblock()
	results, progress := drainRun(t, events)

	if len(results) != 2 || progress.Done != 2 || progress.Delivered != 2 || progress.NotAttempted != 6 {
		t.Fatalf("got %d results, progress %+v; want the 2 in-flight delivered, 6 not attempted", len(results), progress)
	}
	for _, id := range inFlight {
		if results[id].Outcome != Delivered {
			t.Errorf("in-flight %s: %v (%v), want delivered", id, results[id].Outcome, results[id].Err)
		}
	}
	if n := len(w.Requests()); n != 2 {
		t.Errorf("the SDK client sent %d requests, want 2", n)
	}
	w.Settle()
	for _, id := range w.IDs {
		if slices.Contains(inFlight, id) {
			assertReceived(t, w, []string{id}, []byte("hi"))
		} else {
			assertReceived(t, w, []string{id})
		}
	}
}

func TestReaderMayStopReadingAfterCancel(t *testing.T) {
	w, m := startWorld(t, testrig.WorldOptions{Clients: 5})
	arrivals := make(chan string, len(w.IDs))
	w.OnRequest(func(r testrig.Request) { arrivals <- r.ID })
	f := quick()
	f.Linger = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f = f.withDefaults()

	events, stopped := f.start(ctx, f.limiter(), StreamIDs(w.IDs), poster(m))
	within(t, arrivals, "request") // a result is now on its way to a reader who never comes
	cancel()
	select {
	case <-stopped:
	case <-time.After(hangDeadline):
		t.Fatal("the run did not stop after cancel with nobody reading")
	}
	if _, open := <-events; open {
		t.Error("events delivered after the run was abandoned")
	}
}

func TestAlreadyCancelledRunAttemptsNothing(t *testing.T) {
	w, m := startWorld(t, testrig.WorldOptions{Clients: 3})
	ids := slices.Concat(w.IDs, connectionIDs(0, 4))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	events, err := quick().Send(ctx, m, StreamIDs(ids), []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	results, progress := drainRun(t, events)

	if len(results) != 0 || progress != (Progress{NotAttempted: 7}) {
		t.Errorf("%d results, progress %+v; want none, 7 not attempted", len(results), progress)
	}
	if n := len(w.Requests()); n != 0 {
		t.Errorf("the SDK client sent %d requests, want none", n)
	}
	w.Settle()
	assertReceived(t, w, w.IDs)
}

func TestRunStopsAfterFailuresInARow(t *testing.T) {
	ids := make([]string, 40)
	for i := range ids {
		ids[i] = string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	var mu sync.Mutex
	var called []string
	dead := errors.New("dial tcp: i/o timeout")
	// The third call succeeds: the streak starts again after it.
	call := func(_ context.Context, id string) (ConnectionInfo, error) {
		mu.Lock()
		defer mu.Unlock()
		called = append(called, id)
		if len(called) == 3 {
			return ConnectionInfo{}, nil
		}
		return ConnectionInfo{}, dead
	}
	var final Event
	for ev := range (FanOut{Workers: 1, RPS: math.Inf(1), StopAfter: 5}).Run(context.Background(), StreamIDs(ids), call) {
		if ev.Final {
			final = ev
		}
	}
	// 2 failures, 1 success, then 5 failures in a row stop the run; the one
	// worker may have made up to three more calls (one in the report buffer,
	// one waiting to report, one started) before the stop reached it.
	if n := len(called); n < 8 || n > 11 {
		t.Fatalf("%d calls, want 8 (at most 11): the run did not stop after 5 failures in a row", n)
	}
	if !final.Final || !errors.Is(final.Stopped, ErrStoppedFailing) || !errors.Is(final.Stopped, dead) {
		t.Fatalf("final event %+v: want Stopped wrapping ErrStoppedFailing and the last failure", final)
	}
	if p := final.Progress; p.Done != len(called) || p.Delivered != 1 || p.Failed != len(called)-1 || p.NotAttempted != len(ids)-len(called) {
		t.Errorf("final progress %+v after %d calls: every id accounted for once", p, len(called))
	}
}
