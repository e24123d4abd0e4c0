package metrics

import (
	"strconv"
	"strings"
)

// statKind is a CloudWatch statistic.
type statKind uint8

const (
	statSum statKind = iota
	statAverage
	statSampleCount
	statMinimum
	statMaximum
	statPercentile
)

// statistic is a parsed MetricStat.Stat.
type statistic struct {
	kind       statKind
	percentile float64 // 0..100, for statPercentile
}

// parseStatistic reads the statistics a dashboard uses: Sum, Average,
// SampleCount, Minimum, Maximum, and percentiles pNN or pNN.N (p0 to p100).
// Other extended statistics (trimmed means, IQM, …) are not supported.
func parseStatistic(s string) (statistic, bool) {
	switch s {
	case "Sum":
		return statistic{kind: statSum}, true
	case "Average":
		return statistic{kind: statAverage}, true
	case "SampleCount":
		return statistic{kind: statSampleCount}, true
	case "Minimum":
		return statistic{kind: statMinimum}, true
	case "Maximum":
		return statistic{kind: statMaximum}, true
	}
	num, ok := strings.CutPrefix(s, "p")
	if !ok || num == "" || strings.ContainsAny(num, "+-eEinfINFxX_") || strings.HasSuffix(num, ".") || strings.HasPrefix(num, ".") {
		return statistic{}, false
	}
	if whole, frac, dotted := strings.Cut(num, "."); len(whole) > 3 || dotted && len(frac) > 10 {
		return statistic{}, false
	}
	p, err := strconv.ParseFloat(num, 64)
	if err != nil || p < 0 || p > 100 {
		return statistic{}, false
	}
	return statistic{kind: statPercentile, percentile: p}, true
}
