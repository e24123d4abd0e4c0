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
		return mgmt.FanOut{Workers: mgmt.DefaultWorkers, MaxWorkers: mgmt.MaxInFlight, RPS: rps, Burst: 1, StopAfter: stopAfter, Linger: journaledLinger}
	case callCut:
		// No burst, so cuts are evenly staged; a cut is two calls, a
		// notice and a delete, so far from the region it holds a worker
		// for two round trips: the engine grows them as it measures.
		return mgmt.FanOut{RPS: rps, Burst: 1, Workers: max(1, int(math.Ceil(min(rps, mgmt.DefaultWorkers)))), MaxWorkers: mgmt.MaxInFlight,
			StopAfter: stopAfter, Linger: journaledLinger}
	case callWrite:
		return mgmt.FanOut{RPS: rps, Burst: 1, Workers: writeWorkers, StopAfter: stopAfter, Linger: journaledLinger}
	case callPeek:
		return mgmt.FanOut{RPS: rps, Workers: 4, MaxWorkers: mgmt.MaxInFlight, MaxAttempts: 1, Linger: time.Second}
	}
	return mgmt.FanOut{RPS: rps, MaxWorkers: mgmt.MaxInFlight, StopAfter: stopAfter}
}
