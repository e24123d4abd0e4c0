package client

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
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
	gateway := newFakeGateway(t)
	ids := connectionIDs(0, 10)
	gateway.addLive(ids...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	events, err := starved(3).Send(ctx, gateway.management(), StreamIDs(ids), []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	first := []Event{<-events, <-events, <-events}
	cancel()
	results, progress := drainRun(t, events, first...)

	if len(results) != 3 || progress.Done != 3 || progress.NotAttempted != 7 || progress.Targets() != 10 {
		t.Errorf("%d results, progress %+v; want 3 done, 7 not attempted", len(results), progress)
	}
	if n := len(gateway.answered()); n != 3 {
		t.Errorf("server answered %d requests with 3 tokens, want 3", n)
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
func poster(m *Management) Call {
	return func(ctx context.Context, id string) (ConnectionInfo, error) {
		return ConnectionInfo{}, m.Post(ctx, id, []byte("hi"))
	}
}

func TestRetryWaitsForALimiterToken(t *testing.T) {
	gateway := newFakeGateway(t)
	throttled, live := connectionID(1), connectionID(2)
	gateway.addLive(throttled, live)
	arrivals := make(chan string, 4)
	gateway.set(func(g *fakeGateway) {
		g.throttle[throttled] = 1
		g.hold = func(id string) { arrivals <- id }
	})
	waits := make(chan struct{}, 4)
	limiter := signallingLimiter{Limiter: starved(2).limiter(), waits: waits}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	events, _ := starved(2).withDefaults().start(ctx, limiter, StreamIDs([]string{throttled, live}), poster(gateway.management()))
	// Two first attempts take the two tokens; the retry must then wait for a third.
	for waited, arrived := 0, 0; waited < 3; {
		select {
		case <-waits:
			waited++
		case id := <-arrivals:
			if arrived++; arrived > 2 {
				t.Fatalf("request %d (%s) made without a limiter token", arrived, id)
			}
		}
	}
	cancel()
	results, progress := drainRun(t, events)

	r := results[throttled]
	if r.Outcome != Throttled || r.Attempts != 1 || !errors.Is(r.Err, ErrThrottled) || !errors.Is(r.Err, context.Canceled) {
		t.Errorf("throttled target: %v after %d attempts (%v); want throttled after 1, retry cut by cancel", r.Outcome, r.Attempts, r.Err)
	}
	if results[live].Outcome != Delivered || progress.Done != 2 {
		t.Errorf("live target %v, progress %+v", results[live].Outcome, progress)
	}
	if n := len(gateway.answered()); n != 2 {
		t.Errorf("server answered %d requests with 2 tokens, want 2", n)
	}
}

func TestCancelReportsExactlyTheAttemptedTargets(t *testing.T) {
	gateway := newFakeGateway(t)
	ids := connectionIDs(0, 20)
	gateway.addLive(ids...)
	started, release := make(chan string, len(ids)), make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock)
	gateway.set(func(g *fakeGateway) {
		g.hold = func(id string) { started <- id; <-release }
	})
	f := quick()
	f.Workers = 2
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	events, err := f.Send(ctx, gateway.management(), StreamIDs(ids), []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	inFlight := []string{<-started, <-started}
	cancel()
	unblock()
	results, progress := drainRun(t, events)

	if len(results) != 2 || progress.Done != 2 || progress.Delivered != 2 || progress.NotAttempted != 18 {
		t.Fatalf("got %d results, progress %+v; want the 2 in-flight delivered, 18 not attempted", len(results), progress)
	}
	for _, id := range inFlight {
		if results[id].Outcome != Delivered {
			t.Errorf("in-flight %s: %v (%v), want delivered", id, results[id].Outcome, results[id].Err)
		}
	}
	if n := len(gateway.answered()); n != 2 {
		t.Errorf("server answered %d requests, want 2", n)
	}
}

func TestReaderMayStopReadingAfterCancel(t *testing.T) {
	gateway := newFakeGateway(t)
	ids := connectionIDs(0, 5)
	gateway.addLive(ids...)
	arrivals := make(chan string, len(ids))
	gateway.set(func(g *fakeGateway) { g.hold = func(id string) { arrivals <- id } })
	f := quick()
	f.Linger = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f = f.withDefaults()

	events, stopped := f.start(ctx, f.limiter(), StreamIDs(ids), poster(gateway.management()))
	<-arrivals // a result is now on its way to a reader who never comes
	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("the run did not stop after cancel with nobody reading")
	}
	if _, open := <-events; open {
		t.Error("events delivered after the run was abandoned")
	}
}

func TestAlreadyCancelledRunAttemptsNothing(t *testing.T) {
	gateway := newFakeGateway(t)
	ids := connectionIDs(0, 7)
	gateway.addLive(ids...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	results, progress := drainRun(t, quick().Probe(ctx, gateway.management(), StreamIDs(ids)))

	if len(results) != 0 || progress != (Progress{NotAttempted: 7}) {
		t.Errorf("%d results, progress %+v; want none, 7 not attempted", len(results), progress)
	}
	if n := len(gateway.answered()); n != 0 {
		t.Errorf("server answered %d requests, want none", n)
	}
}
