package mgmt

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"
)

// tokensLimiter is a limiter whose Wait never blocks and that reports a
// fixed number of spare tokens.
type tokensLimiter struct{ spare float64 }

func (tokensLimiter) Wait(context.Context) error { return nil }
func (l tokensLimiter) Tokens() float64          { return l.spare }

// simulated drives a growth on a fake clock: every tick of growthWindow, the
// calls finished in it are rate(workers) × the window, and the dispatcher is
// busy once.
func simulated(limiter tokenBucket, rps float64, workers, room int, rate func(workers int) float64, ticks int) int {
	var now time.Time
	var finished float64
	g := growth{workers: workers, room: room, held: rateHeld(limiter, rps), add: func() { workers++ },
		finished: func() int64 { return int64(finished) }, now: func() time.Time { return now }}
	for range ticks {
		g.busy()
		now = now.Add(growthWindow)
		finished += rate(workers) * growthWindow.Seconds()
	}
	return workers
}

// Workers grow in steps while each step raises throughput (calls that wait
// on the network), stop after the first step that does not (calls bound by
// the CPU), and never while the rate is held or beyond the room.
func TestGrowthFollowsThroughput(t *testing.T) {
	waiting := func(w int) float64 { return float64(w) / 0.020 }             // 20 ms a call: rate ∝ workers
	cpuBound := func(int) float64 { return 5000 }                            // the cores are the limit
	saturating := func(w int) float64 { return float64(min(w, 50)) / 0.020 } // waits until 50 in flight
	inf := math.Inf(1)
	cases := []struct {
		name    string
		limiter tokenBucket
		rps     float64
		rate    func(int) float64
		room    int
		want    int
	}{
		{"calls wait: grows to the room", tokensLimiter{spare: 1}, 1e5, waiting, 96, 128},
		{"CPU-bound: one step, then stops", tokensLimiter{spare: 1}, 1e5, cpuBound, 96, 40},
		{"stops at the first step past the knee", tokensLimiter{spare: 1}, 1e5, saturating, 96, 62},
		{"no limit: grows while it pays", tokensLimiter{spare: 0}, inf, saturating, 96, 62},
		{"rate held: no growth", tokensLimiter{spare: 0.5}, 1e5, waiting, 96, 32},
		{"no room", tokensLimiter{spare: 5}, 1e5, waiting, 0, 32},
		{"limiter without Tokens", waitOnly{}, 1e5, waiting, 96, 32},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := simulated(c.limiter, c.rps, 32, c.room, c.rate, 100); got != c.want {
				t.Errorf("%d workers, want %d", got, c.want)
			}
		})
	}
}

type waitOnly struct{}

func (waitOnly) Wait(context.Context) error { return nil }

// A run whose calls wait (20 ms each, as on a slow network) grows past
// Workers, never beyond MaxWorkers, and still delivers every target exactly
// once. (How far it grows depends on measured throughput: the exact steps
// are TestGrowthFollowsThroughput's.)
func TestRunGrowsWhenCallsWait(t *testing.T) {
	const targets, workers, maxWorkers = 100, 2, 5
	var mu sync.Mutex
	inFlight, most := 0, 0
	call := func(_ context.Context, id string) (ConnectionInfo, error) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond) // the call's round trip, not synchronisation
		mu.Lock()
		inFlight--
		mu.Unlock()
		return ConnectionInfo{}, nil
	}
	ids := make([]string, targets)
	for i := range ids {
		ids[i] = fmt.Sprintf("id-%03d", i)
	}
	f := FanOut{Workers: workers, MaxWorkers: maxWorkers, RPS: 1e6}
	seen := map[string]int{}
	var final Progress
	for ev := range f.Run(context.Background(), StreamIDs(ids), call) {
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
	if most <= workers || most > maxWorkers {
		t.Errorf("at most %d calls in flight, want more than %d and at most %d", most, workers, maxWorkers)
	}
}
