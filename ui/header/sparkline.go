package header

import "strings"

// bars are the sparkline's eight levels, three bytes each in UTF-8.
const bars = "▁▂▃▄▅▆▇█"

// Sparkline draws the last width samples as bars scaled to their min..max:
// one cell per sample, fewer than width when there are fewer samples. A flat
// series is all ▄; no samples or no width is "".
func Sparkline(samples []int, width int) string {
	if width <= 0 || len(samples) == 0 {
		return ""
	}
	samples = samples[max(0, len(samples)-width):]
	lo, hi := samples[0], samples[0]
	for _, v := range samples {
		lo, hi = min(lo, v), max(hi, v)
	}
	var b strings.Builder
	b.Grow(len(samples) * 3)
	for _, v := range samples {
		i := 3
		if hi > lo {
			// In float64: v-lo and its product with 7 could overflow an int.
			i = int((float64(v) - float64(lo)) * 7 / (float64(hi) - float64(lo)))
			i = max(0, min(i, 7))
		}
		b.WriteString(bars[i*3 : i*3+3])
	}
	return b.String()
}
