package spark

import (
	"math"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		values []float64
		width  int
		want   string
	}{
		{[]float64{0, 1, 2, 4, 8}, 10, "▁▁▂▄█"},
		{[]float64{0, 0, 0}, 10, "▁▁▁"},
		{[]float64{1, nan, 1}, 10, "█ █"},
		{[]float64{1, 8, 1, 1, 1, 8}, 3, "█▁█"},
		{[]float64{0, 0, 0, 0, 8, 0}, 3, "▁▁█"},
		{nil, 5, ""},
		{[]float64{3}, 0, ""},
	} {
		got := Line(c.values, c.width)
		if got != c.want {
			t.Errorf("Line(%v, %d) = %q, want %q", c.values, c.width, got, c.want)
		}
		if n := utf8.RuneCountInString(got); n > c.width {
			t.Errorf("Line(%v, %d) is %d cells wide", c.values, c.width, n)
		}
	}
}
