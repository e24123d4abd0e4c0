package metrics

import (
	"math"
	"strconv"
)

// How a report's figures are shown, the same in `wsops metrics` and the
// console.

// errorIDs are the series that count errors.
var errorIDs = []string{"client_errors", "integration_errors", "execution_errors"}

// Sum reports whether the series sums a count per period (connects,
// messages, errors), rather than a statistic of samples (latency).
func (s Series) Sum() bool { return s.Stat == "Sum" }

// Values are the series' values, oldest first, NaN for a period with no
// data (for a sparkline).
func (s Series) Values() []float64 {
	values := make([]float64, len(s.Points))
	for i, p := range s.Points {
		values[i] = p.Value
		if p.Missing {
			values[i] = math.NaN()
		}
	}
	return values
}

// TotalText is the series' total as shown; "" for a statistic of samples,
// whose sum means nothing.
func (s Series) TotalText() string {
	if !s.Sum() {
		return ""
	}
	return Number(s.Total())
}

// LastText is the newest value as shown: latency in ms, "-" when no period
// has a value.
func (s Series) LastText() string {
	p, ok := s.Last()
	switch {
	case !ok:
		return "-"
	case !s.Sum():
		return Number(p.Value) + " ms"
	}
	return Number(p.Value)
}

// Errors is the sum of the error series' newest periods: client,
// integration and execution errors.
func (r *Report) Errors() float64 {
	var n float64
	for _, id := range errorIDs {
		if s, ok := r.Get(id); ok {
			if p, ok := s.Last(); ok {
				n += p.Value
			}
		}
	}
	return n
}

// Number is a figure as shown: whole numbers without decimals, others with
// one.
func Number(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
