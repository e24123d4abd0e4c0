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
	// spreadHeadroom is how many standard deviations above the mean latency
	// the calls in flight are sized for: the slower calls hold their
	// workers longer than the mean says.
	spreadHeadroom = 2
	// relearn is how much the latency must have risen, at the same number
	// of workers, for the throughput before the last step to stop being the
	// next step's yardstick: a slower network is a new run, not a step that
	// did not pay. Right after a step the latency is not compared: calls
	// that queue for a saturated CPU take longer because there are more of
	// them (Little's law), and that must read as a step that did not pay.
	relearn = 1.5
	// maxStepFactor bounds one step to this many times the workers: a
	// first window measured on a saturated machine (its latency queueing,
	// not the network) would otherwise size one step to the cap.
	maxStepFactor = 4
	// sizingCalls is how many calls a window at a rate needs to size the
	// next step on: enough for a mean and a spread, few enough that a slow
	// network is learnt from the first answers rather than a whole round.
	sizingCalls = 8
	// heldShare is the share of the rate a window's throughput must reach
	// for the rate to count as held: then nothing grows.
	heldShare = 0.95
)

// latency accumulates the durations of the calls the workers make, for
// growth to read the mean and standard deviation of a window. Safe for
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
// rate is not held. It measures in windows (at least growthWindow, in which
// at least as many calls finished as there are workers; at a rate,
// sizingCalls): a window whose
// throughput reached heldShare of the rate holds it, and nothing grows.
// Otherwise a step is taken: at a rate, to rps × (mean + 2 deviations) of
// the window's latencies; with no limit (or when that is not more), a
// quarter more; never more than maxStepFactor times the workers. A step that
// bought less than growthGain ends the growth for the run, unless the calls
// got slower at an unchanged number of workers (relearn). Only the
// dispatcher calls busy.
type growth struct {
	workers  int
	room     int
	rps      float64 // +Inf: no limit
	add      func()
	finished func() int64         // calls finished so far
	latency  func() latencyTotals // the calls' durations so far
	now      func() time.Time

	since     time.Time     // the window being measured; zero before the first
	finishedB int64         // finished at since
	latencyB  latencyTotals // latency at since
	before    float64       // calls per second in the window before the last step; 0: no step yet
	sameMean  float64       // the least mean latency of a held window at the present workers; 0 right after a step
}

func (g *growth) busy() {
	if g.room <= 0 {
		return
	}
	now, finished, lat := g.now(), g.finished(), g.latency()
	if g.since.IsZero() {
		g.since, g.finishedB, g.latencyB = now, finished, lat
		return
	}
	elapsed, calls := now.Sub(g.since), finished-g.finishedB
	enough := int64(g.workers) // a throughput to compare the next step with
	if !math.IsInf(g.rps, 1) {
		enough = int64(min(g.workers, sizingCalls)) // a latency to size the step on
	}
	if elapsed < growthWindow || calls < enough {
		return
	}
	rate := float64(calls) / elapsed.Seconds()
	mean, dev, measured := lat.since(g.latencyB)
	if !math.IsInf(g.rps, 1) && rate >= heldShare*g.rps {
		g.since, g.finishedB, g.latencyB = now, finished, lat // held: the next window
		if measured && (g.sameMean == 0 || mean < g.sameMean) {
			g.sameMean = mean // the fastest the calls went at these workers
		}
		return
	}
	if measured && g.sameMean > 0 && mean > relearn*g.sameMean {
		g.before = 0 // the calls got slower with as many in flight: the old throughput is no yardstick
	}
	if g.before > 0 && rate < g.before*growthGain {
		g.room = 0 // the last step bought (almost) nothing: the calls are bound by something else
		return
	}
	step := max(1, g.workers/4)
	if need := g.inFlightFor(mean, dev, measured); need-g.workers > step {
		step = need - g.workers
	}
	step = min(g.room, step, (maxStepFactor-1)*g.workers)
	for range step {
		g.add()
	}
	g.workers += step
	g.room -= step
	g.before, g.sameMean = rate, 0
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
