package mgmt

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"
)

// sim is a run on a fake clock: each tick of growthWindow, the calls
// finished in it are tput(workers) × the window, each taking lat(tick), and
// the dispatcher is busy once.
type sim struct {
	rps  float64
	tput func(workers int) float64 // at most rps: the limiter's doing
	lat  func(tick int) time.Duration
	// queue, when set, replaces lat: a call's latency given the workers in
	// flight (calls queueing for a saturated CPU).
	queue func(workers int) time.Duration
	room  int
}

func (s sim) run(workers, ticks int) int {
	var now time.Time
	var finished float64
	var lat latencyTotals
	g := growth{workers: workers, room: s.room, rps: s.rps, add: func() { workers++ },
		finished: func() int64 { return int64(finished) }, latency: func() latencyTotals { return lat }, now: func() time.Time { return now }}
	for tick := range ticks {
		g.busy()
		now = now.Add(growthWindow)
		n := s.tput(workers) * growthWindow.Seconds()
		finished += n
		var d float64
		if s.queue != nil {
			d = s.queue(workers).Seconds()
		} else {
			d = s.lat(tick).Seconds()
		}
		lat.n += int64(n)
		lat.sum += float64(int64(n)) * d
		lat.sumSq += float64(int64(n)) * d * d
	}
	return workers
}

// Workers grow while each step raises throughput (calls that wait on the
// network) and stop after the first step that does not (calls bound by the
// CPU). At a rate they grow in one step to what the rate needs at the
// latency measured (Little's law), relearn it when the calls get slower,
// and never grow while the rate is held or beyond the room.
func TestGrowthFollowsLatencyAndThroughput(t *testing.T) {
	const ms = time.Millisecond
	fixed := func(d time.Duration) func(int) time.Duration { return func(int) time.Duration { return d } }
	waiting := func(w int) float64 { return float64(w) / 0.020 }             // 20 ms a call: rate ∝ workers
	cpuBound := func(int) float64 { return 5000 }                            // the cores are the limit
	saturating := func(w int) float64 { return float64(min(w, 50)) / 0.020 } // waits until 50 in flight
	atRate := func(rps float64, d time.Duration) func(int) float64 {
		return func(w int) float64 { return min(float64(w)/d.Seconds(), rps) }
	}
	slower := func(tick int) time.Duration { // 50 ms, then 200 ms from tick 40
		if tick < 40 {
			return 50 * ms
		}
		return 200 * ms
	}
	inf := math.Inf(1)
	cases := []struct {
		name string
		s    sim
		want int
	}{
		{"no limit, calls wait: grows to the room", sim{rps: inf, tput: waiting, lat: fixed(20 * ms), room: 96}, 128},
		{"no limit, CPU-bound: one step, then stops", sim{rps: inf, tput: cpuBound, lat: fixed(6 * ms), room: 96}, 40},
		{"no limit: stops at the first step past the knee", sim{rps: inf, tput: saturating, lat: fixed(20 * ms), room: 96}, 62},
		{"2,000/s of 100 ms calls: 200 in flight", sim{rps: 2000, tput: atRate(2000, 100*ms), lat: fixed(100 * ms), room: 2016}, 200},
		{"500/s of 250 ms calls: 125 in flight", sim{rps: 500, tput: atRate(500, 250*ms), lat: fixed(250 * ms), room: 2016}, 125},
		{"at a rate, CPU-bound: one step, then stops", sim{rps: 1e5, tput: cpuBound, lat: fixed(6 * ms), room: 96}, 128},
		{"never beyond the room", sim{rps: 2000, tput: atRate(2000, 100*ms), lat: fixed(100 * ms), room: 68}, 100},
		{"rate held: no growth", sim{rps: 1000, tput: atRate(1000, 20*ms), lat: fixed(20 * ms), room: 96}, 32},
		{"no room", sim{rps: 1e5, tput: waiting, lat: fixed(20 * ms), room: 0}, 32},
		// A saturated machine: 1,000 calls a second whatever the workers,
		// each waiting its turn (latency = workers / 1,000/s). The first
		// window reads 32 ms, so 3,000/s "needs" 96; then the latency grows
		// with the workers and the throughput does not: growth stops there,
		// rather than reading the queue as a slower network and growing to
		// the room (2,048 in flight, as it did).
		{"at a rate, saturated: latency that is queueing stops growth", sim{rps: 3000, tput: func(int) float64 { return 1000 },
			queue: func(w int) time.Duration { return time.Duration(float64(w) / 1000 * float64(time.Second)) }, room: 2016}, 96},
		// A first window read on a loaded machine (500 ms: queueing) would
		// size one step to 1,000 in flight; a step is at most 4× the workers.
		{"one step is at most 4× the workers", sim{rps: 2000, tput: func(int) float64 { return 640 },
			lat: fixed(500 * ms), room: 2016}, 128},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.s.run(32, 100); got != c.want {
				t.Errorf("%d workers, want %d", got, c.want)
			}
		})
	}
	t.Run("calls get slower: relearns", func(t *testing.T) {
		tick := 0
		s := sim{rps: 2000, room: 2016, lat: func(i int) time.Duration { tick = i; return slower(i) }}
		s.tput = func(w int) float64 { return min(float64(w)/slower(tick).Seconds(), 2000) }
		if got := s.run(32, 100); got != 400 {
			t.Errorf("%d workers, want 400 (2,000/s × 200 ms)", got)
		}
	})
}

// The latency's window statistics: the mean and deviation of the calls
// recorded between two readings.
func TestLatencyWindow(t *testing.T) {
	var l latency
	l.add(time.Second) // before the window
	before := l.totals()
	for _, d := range []time.Duration{80, 120, 80, 120} {
		l.add(d * time.Millisecond)
	}
	mean, dev, ok := l.totals().since(before)
	if !ok || math.Abs(mean-0.1) > 1e-9 || math.Abs(dev-0.02) > 1e-9 {
		t.Errorf("mean %v dev %v ok %v, want 0.1 s and 0.02 s", mean, dev, ok)
	}
	if _, _, ok := before.since(before); ok {
		t.Error("an empty window measured something")
	}
}

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
