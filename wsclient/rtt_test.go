package wsclient

import (
	"testing"
	"time"
)

func TestRTTPercentiles(t *testing.T) {
	var r RTTs
	for i := 1; i <= 100; i++ {
		r.Add(time.Duration(i) * time.Millisecond)
	}
	s := r.Stats()
	if s.N != 100 || s.P50 != 50*time.Millisecond || s.P99 != 99*time.Millisecond || s.Last != 100*time.Millisecond {
		t.Errorf("stats %+v, want n 100, p50 50ms, p99 99ms, last 100ms", s)
	}
	if (&RTTs{}).Stats() != (RTTStats{}) {
		t.Error("no samples should give zero stats")
	}
}
