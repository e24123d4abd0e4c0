package mgmt

import (
	"math"
	"sync"
	"time"
)

// Growth of a run's workers. A run at a rate needs as many calls in flight
// as the rate times the time a call takes (Little's law): 2,000 calls a
// second that each take 100 ms need 200 in flight, whatever the first guess
// was. The engine measures the calls' latency as it runs and grows towards
// that, with headroom for the latency's spread. More calls in flight help
// only when calls wait (on the network, on API Gateway); when they are bound
// by the CPU (wsops shares its cores with what it calls, as on loopback),
// more workers only add contention. So every step must raise throughput,
// and growth stops for the run after a step that did not.
const (
	// growthWindow is the shortest span a throughput is measured over.
	growthWindow = 50 * time.Millisecond
	// growthGain is the throughput a step must reach, relative to the one
	// before it, for the next step to be taken.
	growthGain = 1.1
	// spreadHeadroom is how many mean deviations above the mean latency
	// the calls in flight are sized for: the slower calls hold their
	// workers longer than the mean says.
	spreadHeadroom = 2
	// relearn is how much the latency must have risen since the last step
	// for the throughput before it to stop being the step's yardstick: a
	// slower network is a new run, not a step that did not pay.
	relearn = 1.5
)

// latency accumulates the durations of the calls the workers make, for
// growth to read the mean and mean deviation of a window. Safe for
// concurrent use.
type latency struct {
	mu         sync.Mutex
	n          int64
	sum, sumSq float64 // seconds, seconds²
}

// add records one call's duration.
func (l *latency) add(d time.Duration) {
	s := d.Seconds()
	l.mu.Lock()
	l.n++
	l.sum += s
	l.sumSq += s * s
	l.mu.Unlock()
}

// totals are the calls and sums recorded so far.
func (l *latency) totals() latencyTotals {
	l.mu.Lock()
	defer l.mu.Unlock()
	return latencyTotals{n: l.n, sum: l.sum, sumSq: l.sumSq}
}

// latencyTotals are a latency's running sums at one moment.
type latencyTotals struct {
	n          int64
	sum, sumSq float64
}

// since is the mean and the standard deviation of the calls recorded
// between before and t, in seconds; ok is false when none were.
func (t latencyTotals) since(before latencyTotals) (mean, dev float64, ok bool) {
	n := float64(t.n - before.n)
	if n <= 0 {
		return 0, 0, false
	}
	mean = (t.sum - before.sum) / n
	variance := (t.sumSq-before.sumSq)/n - mean*mean
	return mean, math.Sqrt(max(0, variance)), true
}

// growth adds workers, up to room more, while every worker is busy and the
// rate is not held (there is no limit, or the limiter holds a token nobody
// is waiting for: the calls take longer than workers / RPS, so more must be
// in flight to hold it). Each step is taken after a measurement window (at
// least growthWindow, in which at least as many calls finished as there are
// workers): at a rate, to rps × (mean + 2 deviations) of the window's
// latencies; with no limit (or when that is not more), a quarter more. A
// step that bought less than growthGain ends the growth for the run. Only
// the dispatcher calls busy.
type growth struct {
	workers int
	room    int
	rps     float64 // +Inf: no limit
	// held reports that the rate is held: the limiter has no token to spare.
	held     func() bool
	add      func()
	finished func() int64         // calls finished so far
	latency  func() latencyTotals // the calls' durations so far
	now      func() time.Time

	since     time.Time     // the window being measured; zero before the first
	finishedB int64         // finished at since
	latencyB  latencyTotals // latency at since
	before    float64       // calls per second in the window before the last step; 0: no step yet
	stepMean  float64       // the mean latency the last step was sized on
}

func (g *growth) busy() {
	if g.room <= 0 || g.held() {
		return
	}
	now, finished, lat := g.now(), g.finished(), g.latency()
	if g.since.IsZero() {
		g.since, g.finishedB, g.latencyB = now, finished, lat
		return
	}
	elapsed, calls := now.Sub(g.since), finished-g.finishedB
	if elapsed < growthWindow || calls < int64(g.workers) {
		return
	}
	rate := float64(calls) / elapsed.Seconds()
	mean, dev, measured := lat.since(g.latencyB)
	if measured && g.stepMean > 0 && mean > relearn*g.stepMean {
		g.before = 0 // the calls got slower: the old throughput is no yardstick
	}
	if g.before > 0 && rate < g.before*growthGain {
		g.room = 0 // the last step bought (almost) nothing: the calls are bound by something else
		return
	}
	step := max(1, g.workers/4)
	if need := g.inFlightFor(mean, dev, measured); need-g.workers > step {
		step = need - g.workers
	}
	step = min(g.room, step)
	for range step {
		g.add()
	}
	g.workers += step
	g.room -= step
	g.before, g.stepMean = rate, mean
	g.since, g.finishedB, g.latencyB = now, finished, lat
}

// inFlightFor is the number of calls that must be in flight to hold the
// rate when calls take mean seconds, deviating by dev (Little's law, with
// headroom for the spread); 0 with no limit or no measurement.
func (g *growth) inFlightFor(mean, dev float64, measured bool) int {
	if !measured || math.IsInf(g.rps, 1) || g.rps <= 0 {
		return 0
	}
	need := g.rps * (mean + spreadHeadroom*dev)
	if need > float64(math.MaxInt32) {
		return math.MaxInt32
	}
	return int(math.Ceil(need - 1e-9)) // 2,000 × 0.1 s is 200, not 200.00000000000003
}

// rateHeld is growth's held for a run at rps under limiter: never with no
// limit; else when the limiter has no whole token to spare (always, for a
// limiter that cannot say).
func rateHeld(limiter tokenBucket, rps float64) func() bool {
	if math.IsInf(rps, 1) {
		return func() bool { return false }
	}
	spare, ok := limiter.(interface{ Tokens() float64 })
	if !ok {
		return func() bool { return true }
	}
	return func() bool { return spare.Tokens() < 1 }
}
