package wsclient

import (
	"slices"
	"time"
)

// maxRTTSamples bounds the samples kept for percentiles (a ping a second for
// over two hours, API Gateway's maximum connection duration).
const maxRTTSamples = 8192

// RTTs collects round-trip samples over a session.
type RTTs struct {
	samples []time.Duration
	next    int
	count   int
}

// Add records one round trip, keeping the latest maxRTTSamples.
func (r *RTTs) Add(d time.Duration) {
	r.count++
	if len(r.samples) < maxRTTSamples {
		r.samples = append(r.samples, d)
		return
	}
	r.samples[r.next] = d
	r.next = (r.next + 1) % maxRTTSamples
}

// RTTStats summarises round trips.
type RTTStats struct {
	N        int // samples taken
	P50, P99 time.Duration
	Last     time.Duration
}

// Stats returns the count, the median and the 99th percentile (nearest rank).
func (r *RTTs) Stats() RTTStats {
	if len(r.samples) == 0 {
		return RTTStats{}
	}
	last := r.samples[len(r.samples)-1]
	if r.count > len(r.samples) {
		last = r.samples[(r.next+len(r.samples)-1)%len(r.samples)]
	}
	sorted := slices.Clone(r.samples)
	slices.Sort(sorted)
	return RTTStats{N: r.count, P50: rank(sorted, 50), P99: rank(sorted, 99), Last: last}
}

// rank is the nearest-rank percentile p of sorted samples.
func rank(sorted []time.Duration, p int) time.Duration {
	i := (p*len(sorted) + 99) / 100 // ceil(p/100 · n)
	return sorted[max(0, i-1)]
}
