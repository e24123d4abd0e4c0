package ops

import (
	"math"
	"time"

	"wsops/mgmt"
)

// callKind is what a fan-out's calls are; each kind's engine is configured
// here and nowhere else.
type callKind int

const (
	// callPost is one PostToConnection per target (a send).
	callPost callKind = iota
	// callCut is a logout's notice and DeleteConnection, staged.
	callCut
	// callWrite is conditional registry writes (repair, prune, undo).
	callWrite
	// callGet is GetConnection probes (prune, conns --live).
	callGet
	// callPeek is the console's background probes: light, one attempt.
	callPeek
)

// writeWorkers bounds the registry writes in flight.
const writeWorkers = 16

// stopAfter is how many failures in a row end a run: the endpoint is dead
// or wrong (mgmt.FanOut.StopAfter).
const stopAfter = 16

// journaledLinger is how long a journaled run's engine waits, once
// cancelled, for the runner to take its last events: the runner always
// reads them all, and an outcome dropped would be an intent the journal
// cannot close.
const journaledLinger = time.Hour

// fanOut is the engine of a fan-out of kind at rps calls per second
// (+Inf: no limit).
func fanOut(kind callKind, rps float64) mgmt.FanOut {
	switch kind {
	case callPost:
		// A burst of one token: the run starts at its rate instead of a
		// tenth of a second's worth ahead of it, so short runs hold it too.
		// The engine grows the calls in flight to what the rate needs at
		// the latency it measures (mgmt.MaxInFlight at most).
		return mgmt.FanOut{Workers: startWorkers(rps), MaxWorkers: mgmt.MaxInFlight, RPS: rps, Burst: 1, StopAfter: stopAfter, Linger: journaledLinger}
	case callCut:
		// No burst, so cuts are evenly staged; a cut is two calls, a
		// notice and a delete, so far from the region it holds a worker
		// for two round trips: the engine grows them as it measures.
		return mgmt.FanOut{RPS: rps, Burst: 1, Workers: startWorkers(2 * rps), MaxWorkers: mgmt.MaxInFlight,
			StopAfter: stopAfter, Linger: journaledLinger}
	case callWrite:
		return mgmt.FanOut{RPS: rps, Burst: 1, Workers: writeWorkers, StopAfter: stopAfter, Linger: journaledLinger}
	case callPeek:
		return mgmt.FanOut{RPS: rps, Workers: 4, MaxWorkers: mgmt.MaxInFlight, MaxAttempts: 1, Linger: time.Second}
	}
	return mgmt.FanOut{RPS: rps, Workers: startWorkers(rps), MaxWorkers: mgmt.MaxInFlight, StopAfter: stopAfter}
}

// firstGuess is the round trip a run at a rate starts sized for, before it
// has measured one: an operator's laptop far from the region (50–250 ms).
// Workers beyond what the rate needs wait on the limiter and cost nothing,
// while too few would leave the first round trip at a fraction of the rate.
const firstGuess = 100 * time.Millisecond

// maxStartWorkers caps the first guess: a rate far above what the calls'
// path serves (loopback, a profile's generous management_rps) would
// otherwise start thousands of calls at once, which only contend; the
// engine grows beyond it in one step once it has measured the latency.
const maxStartWorkers = 256

// startWorkers is how many calls a run at rps starts with: what the rate
// needs at firstGuess, at least mgmt.DefaultWorkers and at most
// maxStartWorkers; with no limit, mgmt.DefaultWorkers (the engine grows
// while more pay).
func startWorkers(rps float64) int {
	if math.IsInf(rps, 1) {
		return mgmt.DefaultWorkers
	}
	return int(min(maxStartWorkers, max(mgmt.DefaultWorkers, math.Ceil(rps*firstGuess.Seconds()))))
}
