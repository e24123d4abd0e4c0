package spark

import (
	"fmt"
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

func TestRange(t *testing.T) {
	for _, tc := range []struct {
		samples []int
		width   int
		want    string
	}{
		{nil, 10, ""},
		{[]int{1, 2}, 0, ""},
		{[]int{5, 5, 5}, 10, "▄▄▄"},
		{[]int{0, 1, 2, 3, 4, 5, 6, 7}, 8, "▁▂▃▄▅▆▇█"},
		{[]int{0, 1, 2, 3, 4, 5, 6, 7}, 3, "▁▄█"}, // the last three, rescaled
		{[]int{1000, 0, 7}, 2, "▁█"},
		{[]int{-10, 0, 10}, 5, "▁▄█"},
		{[]int{42}, 1, "▄"},
		{[]int{math.MinInt, math.MaxInt}, 2, "▁█"},
	} {
		if got := Range(tc.samples, tc.width); got != tc.want {
			t.Errorf("Range(%v, %d) = %q, want %q", tc.samples, tc.width, got, tc.want)
		}
	}
	if n := utf8.RuneCountInString(Range(make([]int, 100), 30)); n != 30 {
		t.Errorf("width %d, want 30", n)
	}
}

func ExampleRange() {
	fmt.Println(Range([]int{3, 5, 9, 12, 8, 4, 4, 10}, 8))
	// Output: ▁▂▅█▄▁▁▆
}

func ExampleLine() {
	fmt.Println(Line([]float64{0, 2, 4, 8, math.NaN(), 8}, 6))
	// Output: ▁▂▄█ █
}
