package metrics

import (
	"math"
	"testing"
	"time"
)

func TestShownFigures(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	pts := func(vs ...float64) []Point {
		out := make([]Point, len(vs))
		for i, v := range vs {
			out[i] = Point{Time: t0.Add(time.Duration(i) * time.Minute), Value: v, Missing: math.IsNaN(v)}
			if out[i].Missing {
				out[i].Value = 0
			}
		}
		return out
	}
	nan := math.NaN()
	// The last point of each series is the current period, still filling:
	// "last" is the newest finished one.
	msgs := Series{ID: "messages", Stat: "Sum", Points: pts(1, 3.5, 2)}
	p99 := Series{ID: "latency_p99", Stat: "p99", Points: pts(120, nan, 7)}
	empty := Series{ID: "latency_p50", Stat: "p50", Points: pts(nan, nan)}
	for _, c := range []struct {
		s           Series
		total, last string
	}{
		{msgs, "6.5", "3.5"},
		{p99, "", "120 ms"},
		{empty, "", "-"},
	} {
		if got := c.s.TotalText(); got != c.total {
			t.Errorf("%s: total %q, want %q", c.s.ID, got, c.total)
		}
		if got := c.s.LastText(); got != c.last {
			t.Errorf("%s: last %q, want %q", c.s.ID, got, c.last)
		}
	}
	if v := p99.Values(); len(v) != 3 || v[0] != 120 || !math.IsNaN(v[1]) {
		t.Errorf("values %v, want [120 NaN 7]", v)
	}
	r := &Report{Series: []Series{msgs,
		{ID: "client_errors", Stat: "Sum", Points: pts(5, 2, 8)},
		{ID: "integration_errors", Stat: "Sum", Points: pts(0, 1, 8)},
		{ID: "execution_errors", Stat: "Sum", Points: pts(9, 0, 8)},
	}}
	if got := r.Errors(); got != 3 {
		t.Errorf("errors in the newest finished period: %v, want 3 (2 client + 1 integration + 0 execution)", got)
	}
}
