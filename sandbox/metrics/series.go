package metrics

import "math"

// metric indexes a Recorder's metrics.
type metric uint8

const (
	mConnectCount metric = iota
	mMessageCount
	mClientError
	mIntegrationError
	mExecutionError
	mIntegrationLatency
	numMetrics
)

// metricNames are the CloudWatch names, by metric.
var metricNames = [numMetrics]string{
	ConnectCount, MessageCount, ClientError, IntegrationError, ExecutionError, IntegrationLatency,
}

// metricUnits are the units CloudWatch reports each metric in.
var metricUnits = [numMetrics]string{"Count", "Count", "Count", "Count", "Count", "Milliseconds"}

// metricByName finds a metric by its CloudWatch name.
func metricByName(name string) (metric, bool) {
	for i, n := range metricNames {
		if n == name {
			return metric(i), true
		}
	}
	return 0, false
}

// counter holds a count metric's samples, each 0 or 1.
type counter struct {
	n    uint64 // samples
	ones uint64 // samples of value 1
}

// latency holds IntegrationLatency's samples, in milliseconds.
type latency struct {
	n        uint64
	sum      float64
	min, max float64
	hist     *histogram // nil unless a percentile is asked for
}

// series is a snapshot of buckets' data, aggregated for one period.
type series struct {
	counts  [mIntegrationLatency]counter
	latency latency
}

// merge adds o's data of metric m to s (with its histogram when withHist).
func (s *series) merge(o *series, m metric, withHist bool) {
	if m != mIntegrationLatency {
		s.counts[m].n += o.counts[m].n
		s.counts[m].ones += o.counts[m].ones
		return
	}
	a, b := &s.latency, &o.latency
	if b.n == 0 {
		return
	}
	if a.n == 0 || b.min < a.min {
		a.min = b.min
	}
	if a.n == 0 || b.max > a.max {
		a.max = b.max
	}
	a.n += b.n
	a.sum += b.sum
	if withHist && b.hist != nil {
		if a.hist == nil {
			a.hist = new(histogram)
		}
		a.hist.merge(b.hist)
	}
}

// value is statistic st of metric m over s; false when s holds no sample
// of m (CloudWatch then has no datapoint).
func (s *series) value(m metric, st statistic) (float64, bool) {
	if m == mIntegrationLatency {
		return s.latency.value(st)
	}
	c := s.counts[m]
	if c.n == 0 {
		return 0, false
	}
	n, ones := float64(c.n), float64(c.ones)
	switch st.kind {
	case statSum:
		return ones, true
	case statAverage:
		return ones / n, true
	case statSampleCount:
		return n, true
	case statMinimum:
		return b2f(c.ones == c.n), true
	case statMaximum:
		return b2f(c.ones > 0), true
	}
	// The samples sorted are n-ones zeros, then ones ones.
	return b2f(rank(st.percentile, c.n) > c.n-c.ones), true
}

func (l *latency) value(st statistic) (float64, bool) {
	if l.n == 0 {
		return 0, false
	}
	switch st.kind {
	case statSum:
		return l.sum, true
	case statAverage:
		return l.sum / float64(l.n), true
	case statSampleCount:
		return float64(l.n), true
	case statMinimum:
		return l.min, true
	case statMaximum:
		return l.max, true
	}
	if l.hist == nil {
		return 0, false
	}
	return min(max(l.hist.at(rank(st.percentile, l.n)), l.min), l.max), true
}

// rank is the 1-based rank of percentile p (0..100) among n sorted samples.
func rank(p float64, n uint64) uint64 {
	r := uint64(math.Ceil(p / 100 * float64(n)))
	return min(max(r, 1), n)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
