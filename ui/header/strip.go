package header

import (
	"wsops/internal/spark"
	"wsops/metrics"
	"wsops/ui/styles"
)

// stripSparks are the widths the strip's sparklines try, widest first, with
// the read's age beside them; then stripMinSpark without it.
var stripSparks = []int{30, 20, 12}

const stripMinSpark = 8

// strip is the API's own traffic from CloudWatch, under the counts:
// messages and connects per minute as sparklines with their newest value,
// errors and latency p99 in the newest period, and how long ago they were
// read. It narrows its sparklines, drops the age, then the sparklines,
// then abbreviates; false: no strip (nothing to show, or too narrow).
func strip(info Info, w int, st styles.Styles) (string, bool) {
	switch {
	case info.Metrics != nil:
	case info.MetricsNA:
		return cut(w, []seg{{"api", st.Muted}, {"  metrics: n/a", st.Muted}}), true
	default:
		return "", false
	}
	r := info.Metrics
	msgs, _ := r.Get("messages")
	conns, _ := r.Get("connects")
	p99, _ := r.Get("latency_p99")
	errs := seg{metrics.Number(r.Errors()), st.Header}
	if r.Errors() > 0 {
		errs.style = st.Problem
	}
	series := func(label string, s metrics.Series, sw int) []seg {
		out := []seg{{label + " ", st.Muted}}
		if sw > 0 {
			out = append(out, seg{spark.Line(s.Values(), sw), st.Sparkline}, seg{" ", st.Header})
		}
		return append(out, seg{s.LastText(), st.Header})
	}
	build := func(sw int, short bool) []seg {
		l := [4]string{"messages/min", "connects/min", "errors", "p99"}
		gap := seg{"   ", st.Header}
		if short {
			l, gap = [4]string{"msg/min", "conn/min", "err", "p99"}, seg{"  ", st.Header}
		}
		out := []seg{{"api", st.Muted}, gap}
		out = append(out, series(l[0], msgs, sw)...)
		out = append(append(out, gap), series(l[1], conns, sw)...)
		out = append(out, gap, seg{l[2] + " ", st.Muted}, errs)
		return append(out, gap, seg{l[3] + " ", st.Muted}, seg{p99.LastText(), st.Header})
	}
	age := []seg{{"CloudWatch, read " + ago(info.now().Sub(info.MetricsAt)) + " ago", st.Muted}}
	for _, t := range []struct {
		sparks []int
		right  []seg
	}{{stripSparks, age}, {append(stripSparks, stripMinSpark), nil}} {
		for _, sw := range t.sparks {
			if s, ok := line(w, build(sw, false), t.right, 3); ok {
				return s, true
			}
		}
	}
	for _, short := range []bool{false, true} {
		if s, ok := line(w, build(0, short), nil, 0); ok {
			return s, true
		}
	}
	return "", false
}
