package metrics

import "math/bits"

// The histogram's layout: values in microseconds; below 2^linearBits one
// bucket per microsecond, above it subBuckets buckets per power of two (a
// relative width of 1/subBuckets), up to 2^maxBits µs (about 18 minutes,
// far beyond the 29 s integration timeout); larger values share the last
// bucket (the exact maximum is kept beside the histogram).
const (
	linearBits   = 6
	subBits      = 5
	subBuckets   = 1 << subBits
	maxBits      = 30
	histBuckets  = 1<<linearBits + (maxBits-linearBits)*subBuckets
	maxHistValue = 1<<maxBits - 1
)

// histogram is a snapshot of a fixed-size log-linear histogram of
// latencies (the buckets keep theirs as atomics), mergeable across buckets;
// it answers percentiles within about 3%.
type histogram struct {
	counts [histBuckets]uint32
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] = uint32(min(uint64(h.counts[i])+uint64(c), uint64(^uint32(0))))
	}
}

// at is the value (ms) of the sample of 1-based rank r: the middle of the
// bucket holding it.
func (h *histogram) at(r uint64) float64 {
	var seen uint64
	for i, c := range h.counts {
		seen += uint64(c)
		if seen >= r {
			lo, hi := histBounds(i)
			return float64(lo+hi) / 2 / 1000
		}
	}
	lo, hi := histBounds(histBuckets - 1)
	return float64(lo+hi) / 2 / 1000
}

// histIndex is the bucket of a value in µs (at most maxHistValue).
func histIndex(us uint64) int {
	if us < 1<<linearBits {
		return int(us)
	}
	e := bits.Len64(us) - 1 // 2^e <= us < 2^(e+1), e >= linearBits
	sub := (us >> (e - subBits)) & (subBuckets - 1)
	return 1<<linearBits + (e-linearBits)*subBuckets + int(sub)
}

// histBounds is the range [lo, hi) of values (µs) bucket i holds.
func histBounds(i int) (lo, hi uint64) {
	if i < 1<<linearBits {
		return uint64(i), uint64(i) + 1
	}
	i -= 1 << linearBits
	e := i/subBuckets + linearBits
	width := uint64(1) << (e - subBits)
	lo = uint64(1)<<e + uint64(i%subBuckets)*width
	return lo, lo + width
}
