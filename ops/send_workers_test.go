package ops

import (
	"math"
	"testing"

	"wsops/client"
)

// A send keeps rate × 25 ms calls in flight, between the engine's default
// and maxSendWorkers, so that a rate holds while calls take up to 25 ms.
func TestSendWorkersFollowTheRate(t *testing.T) {
	cases := []struct {
		rps  float64
		want int
	}{
		{100, client.DefaultWorkers},
		{500, client.DefaultWorkers},  // the default management_rps: 12.5 needed
		{2000, 50},                    // 2,000/s at 25 ms
		{5000, 125},                   // half the account throttle
		{10000, 250},                  // the whole account throttle
		{1e6, maxSendWorkers},         // capped
		{math.Inf(1), maxSendWorkers}, // no rate: as many as pay
	}
	for _, c := range cases {
		got := sendWorkers(c.rps)
		if got != c.want {
			t.Errorf("sendWorkers(%v) = %d, want %d", c.rps, got, c.want)
		}
		if !math.IsInf(c.rps, 1) && float64(got) < min(c.rps*sendLatencyBudget.Seconds(), maxSendWorkers) {
			t.Errorf("sendWorkers(%v) = %d cannot hold the rate at %v per call", c.rps, got, sendLatencyBudget)
		}
	}
}
