package client

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// tokensLimiter is a limiter whose Wait never blocks and that reports a
// fixed number of spare tokens.
type tokensLimiter struct{ spare float64 }

func (tokensLimiter) Wait(context.Context) error { return nil }
func (l tokensLimiter) Tokens() float64          { return l.spare }

// A busy dispatcher adds a worker only when the limiter holds a spare token,
// and never more than room.
func TestGrowthAddsWorkersOnlyWhileTheRateIsNotHeld(t *testing.T) {
	cases := []struct {
		name    string
		limiter tokenBucket
		room    int
		want    int
	}{
		{"spare tokens", tokensLimiter{spare: 1}, 3, 3},
		{"rate held", tokensLimiter{spare: 0.5}, 3, 0},
		{"no room", tokensLimiter{spare: 5}, 0, 0},
		{"limiter without Tokens", waitOnly{}, 3, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			added := 0
			g := growth{room: c.room, limiter: c.limiter, add: func() { added++ }}
			for range 10 {
				g.busy()
			}
			if added != c.want {
				t.Errorf("added %d workers, want %d", added, c.want)
			}
		})
	}
}

type waitOnly struct{}

func (waitOnly) Wait(context.Context) error { return nil }

// A run whose calls are slow grows from Workers to MaxWorkers calls in
// flight, not beyond, and still delivers every target exactly once.
func TestRunGrowsToMaxWorkersWhenCallsAreSlow(t *testing.T) {
	const targets, workers, maxWorkers = 12, 2, 5
	started := make(chan string, targets)
	release := make(chan struct{})
	var mu sync.Mutex
	inFlight, most := 0, 0
	call := func(_ context.Context, id string) (ConnectionInfo, error) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		started <- id
		<-release
		mu.Lock()
		inFlight--
		mu.Unlock()
		return ConnectionInfo{}, nil
	}
	ids := make([]string, targets)
	for i := range ids {
		ids[i] = fmt.Sprintf("id-%02d", i)
	}
	f := FanOut{Workers: workers, MaxWorkers: maxWorkers, RPS: 1e6}
	events := f.Run(context.Background(), StreamIDs(ids), call)
	deadline := time.NewTimer(hangDeadline)
	defer deadline.Stop()
	for range maxWorkers { // MaxWorkers calls start while none has returned
		select {
		case <-started:
		case <-deadline.C:
			t.Fatalf("fewer than %d calls in flight", maxWorkers)
		}
	}
	close(release)
	seen := map[string]int{}
	var final Progress
	for ev := range events {
		if ev.Final {
			final = ev.Progress
			continue
		}
		seen[ev.Result.ID]++
	}
	if final.Delivered != targets || len(seen) != targets {
		t.Fatalf("delivered %d, %d distinct ids; want %d", final.Delivered, len(seen), targets)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s reported %d times", id, n)
		}
	}
	if most != maxWorkers {
		t.Errorf("at most %d calls in flight, want %d", most, maxWorkers)
	}
}
