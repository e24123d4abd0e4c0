// Package spark draws sparklines: a series of values as a line of block
// characters, one cell per value (or per bucket of values).
package spark

import "math"

// levels are the eight heights of a cell; a value of 0 is the lowest,
// a missing one a space.
var levels = []rune("▁▂▃▄▅▆▇█")

// Line draws values (NaN: missing) in at most width cells, the newest at
// the right. With more values than cells, each cell shows the largest of
// its bucket (the newest values fill the last cell). Heights are scaled to
// the largest value shown; all zeros draw the lowest level.
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
