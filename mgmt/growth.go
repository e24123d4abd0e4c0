package mgmt

import (
	"math"
	"time"
)

// Growth of a run's workers. More calls in flight help only when calls wait
// (on the network, on API Gateway): then throughput rises with the workers.
// When the calls are bound by the CPU (wsops shares its cores with what it
// calls, as on loopback), more workers only add contention. So the engine
// grows in steps and keeps growing only while each step paid off.
const (
	// growthWindow is the shortest span a throughput is measured over.
	growthWindow = 50 * time.Millisecond
	// growthGain is the throughput a step must reach, relative to the one
	// before it, for the next step to be taken.
	growthGain = 1.1
)

// growth adds workers, up to room more, while every worker is busy, the
// rate is not held (there is no limit, or the limiter holds a token nobody
// is waiting for: the calls take longer than workers / RPS, so more must be
// in flight to hold it), and the last step raised throughput by growthGain.
// Each step adds a quarter of the workers (at least one) after a
// measurement window: at least growthWindow, during which at least as many
// calls finished as there are workers. A step that bought less than
// growthGain ends the growth for the run. Only the dispatcher calls busy.
type growth struct {
	workers int
	room    int
	// held reports that the rate is held: the limiter has no token to spare.
	held     func() bool
	add      func()
	finished func() int64 // calls finished so far
	now      func() time.Time

	since     time.Time // the window being measured; zero before the first
	finishedB int64     // finished at since
	before    float64   // calls per second in the window before the last step; 0: no step yet
}

func (g *growth) busy() {
	if g.room <= 0 || g.held() {
		return
	}
	now, finished := g.now(), g.finished()
	if g.since.IsZero() {
		g.since, g.finishedB = now, finished
		return
	}
	elapsed, calls := now.Sub(g.since), finished-g.finishedB
	if elapsed < growthWindow || calls < int64(g.workers) {
		return
	}
	rate := float64(calls) / elapsed.Seconds()
	if g.before > 0 && rate < g.before*growthGain {
		g.room = 0 // the last step bought (almost) nothing: the calls are bound by something else
		return
	}
	step := min(g.room, max(1, g.workers/4))
	for range step {
		g.add()
	}
	g.workers += step
	g.room -= step
	g.before = rate
	g.since, g.finishedB = now, finished
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
