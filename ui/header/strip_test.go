package header

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"wsops/internal/uitest"
	"wsops/metrics"
)

// withMetrics is the wizz header with the fake API's last hour of metrics,
// read 40 s ago.
func withMetrics(t *testing.T) Info {
	t.Helper()
	r, err := metrics.Fetch(t.Context(), uitest.NewControl(), metrics.Query{APIID: uitest.APIID, Stage: "dev", Since: time.Hour, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	info := wizz()
	info.Metrics, info.MetricsAt = r, now.Add(-40*time.Second)
	return info
}

// TestGoldenStrip: the metrics strip under the counts as the terminal
// narrows — the sparklines narrow, then the age goes, then the sparklines,
// then the labels are abbreviated — and, unread, "metrics: n/a".
func TestGoldenStrip(t *testing.T) {
	st := testStyles(termenv.Ascii)
	var out bytes.Buffer
	info := withMetrics(t)
	for _, w := range []int{200, 160, 120, 100, 80, 60, 40} {
		view := View(info, w, st)
		checkLines(t, view, w)
		fmt.Fprintf(&out, "-- %d columns --\n%s\n", w, strings.Join(strings.Split(view, "\n")[:3], "\n"))
	}
	na := wizz()
	na.MetricsNA = true
	view := View(na, 120, st)
	checkLines(t, view, 120)
	fmt.Fprintf(&out, "-- 120 columns, metrics unread --\n%s\n", strings.Join(strings.Split(view, "\n")[:3], "\n"))
	teatest.RequireEqualOutput(t, out.Bytes())
}

func TestStripFigures(t *testing.T) {
	st := testStyles(termenv.Ascii)
	info := withMetrics(t)
	lines := strings.Split(View(info, 200, st), "\n")
	if len(lines) != len(strings.Split(View(wizz(), 200, st), "\n"))+1 {
		t.Fatalf("the strip is not one more line:\n%s", strings.Join(lines, "\n"))
	}
	msgs, _ := info.Metrics.Get("messages")
	p99, _ := info.Metrics.Get("latency_p99")
	for _, want := range []string{"messages/min", " " + msgs.LastText() + " ", "errors " + metrics.Number(info.Metrics.Errors()), "p99 " + p99.LastText(), "CloudWatch, read 40s ago"} {
		if !strings.Contains(lines[2], want) {
			t.Errorf("strip lacks %q: %q", want, lines[2])
		}
	}
	if !strings.ContainsAny(lines[2], bars) {
		t.Errorf("no sparkline at 200 columns: %q", lines[2])
	}
	if strings.Contains(View(wizz(), 200, st), "api ") {
		t.Error("a strip with no metrics")
	}
}
