package ops

import (
	"fmt"
	"math"
)

// MinRate is the slowest rate an action takes: one call every 1,000 s. A
// slower one (1e-300) would stall a run for ever.
const MinRate = 0.001

// checkRate refuses a rate that is not 0 (the profile's), +Inf (no limit)
// or from MinRate up; unit names what is counted ("calls", "probes").
func checkRate(action string, rps float64, unit string) error {
	if rps == 0 || math.IsInf(rps, 1) || rps >= MinRate {
		return nil
	}
	return fmt.Errorf("%s: rate %v: want %s per second from %v up (0: the profile's)", action, rps, unit, MinRate)
}
