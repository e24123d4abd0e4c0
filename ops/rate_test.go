package ops

import (
	"math"
	"testing"
)

func TestRatesHaveASaneRange(t *testing.T) {
	for _, c := range []struct {
		rps float64
		ok  bool
	}{
		{0, true}, {MinRate, true}, {1, true}, {5000, true}, {math.Inf(1), true},
		{1e-300, false}, {0.0001, false}, {-1, false}, {math.NaN(), false}, {math.Inf(-1), false},
	} {
		if err := checkRate("send", c.rps, "calls"); (err == nil) != c.ok {
			t.Errorf("rate %v: %v, want ok %v", c.rps, err, c.ok)
		}
	}
}
