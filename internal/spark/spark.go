// Package spark draws sparklines: a series of values as a line of block
// characters, one cell per value (or per bucket of values). Line scales
// from zero, for counts and durations (CloudWatch's series); Range scales
// from the smallest value shown to the largest, for a gauge whose changes
// matter more than its size (the registry's connection count).
package spark

import "math"

// levels are the eight heights of a cell, lowest first.
var levels = []rune("▁▂▃▄▅▆▇█")

// Line draws values (NaN: missing) in at most width cells, the newest at
// the right. With more values than cells, each cell shows the largest of
// its bucket (the newest values fill the last cell). Heights are scaled to
// the largest value shown; a value of 0 (and all zeros) draws the lowest
// level, a missing one a space.
func Line(values []float64, width int) string {
	if width <= 0 || len(values) == 0 {
		return ""
	}
	cells := bucket(values, width)
	top := 0.0
	for _, v := range cells {
		if !math.IsNaN(v) {
			top = math.Max(top, v)
		}
	}
	out := make([]rune, len(cells))
	for i, v := range cells {
		switch {
		case math.IsNaN(v):
			out[i] = ' '
		case top <= 0 || v <= 0:
			out[i] = levels[0]
		default:
			out[i] = levels[min(len(levels)-1, int(math.Ceil(v/top*float64(len(levels))))-1)]
		}
	}
	return string(out)
}

// Range draws the last width samples scaled to their min..max: one cell per
// sample, fewer than width when there are fewer samples. A flat series is
// drawn at mid height (▄); no samples or no width is "".
func Range(samples []int, width int) string {
	if width <= 0 || len(samples) == 0 {
		return ""
	}
	samples = samples[max(0, len(samples)-width):]
	lo, hi := samples[0], samples[0]
	for _, v := range samples {
		lo, hi = min(lo, v), max(hi, v)
	}
	top := len(levels) - 1
	out := make([]rune, len(samples))
	for i, v := range samples {
		l := top / 2
		if hi > lo {
			// In float64: v-lo and its product with top could overflow an int.
			l = int((float64(v) - float64(lo)) * float64(top) / (float64(hi) - float64(lo)))
			l = max(0, min(l, top))
		}
		out[i] = levels[l]
	}
	return string(out)
}

// bucket folds values into at most width cells by their largest value
// (NaN when a cell has none).
func bucket(values []float64, width int) []float64 {
	if len(values) <= width {
		return values
	}
	cells := make([]float64, width)
	per := float64(len(values)) / float64(width)
	for i := range cells {
		lo, hi := int(float64(i)*per), int(float64(i+1)*per)
		if i == width-1 {
			hi = len(values)
		}
		cells[i] = math.NaN()
		for _, v := range values[lo:max(hi, lo+1)] {
			if !math.IsNaN(v) && (math.IsNaN(cells[i]) || v > cells[i]) {
				cells[i] = v
			}
		}
	}
	return cells
}
