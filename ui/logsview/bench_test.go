package logsview

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"wsops/internal/uitest"
)

// rate is the tail the benchmarks simulate: 500 lines a second, in the
// batches a tail hands over (a poll's round, a live tail's burst).
const (
	rate      = 500
	perSecond = 10 // batches (and frames) a second
)

// simulate feeds m seconds of the tail at rate, a frame drawn after each
// batch; it returns the lines fed and the time spent drawing frames.
func simulate(m *Model, from, seconds int) (next int, frames int, drawing time.Duration) {
	batch := rate / perSecond
	for range seconds * perSecond {
		m.Add(uitest.BusyTraffic(from, batch))
		from += batch
		start := time.Now()
		_ = m.View()
		drawing += time.Since(start)
		frames++
	}
	return from, frames, drawing
}

// heapMB is the live heap after a collection.
func heapMB() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

// benchMinutes is how long the follow benchmark simulates: 10 minutes, or
// $WSOPS_BENCH_MINUTES.
func benchMinutes() int {
	if n, err := strconv.Atoi(os.Getenv("WSOPS_BENCH_MINUTES")); err == nil && n > 1 {
		return n
	}
	return 10
}

// BenchmarkLogsFrame draws one frame of :logs at 200×50 with a full tail
// (Bound lines) and as many held while paused, with no filter and with
// status:5xx (a line in twenty shown). Target: under 5 ms.
func BenchmarkLogsFrame(b *testing.B) {
	for _, f := range []string{"", "status:5xx"} {
		b.Run("filter="+f, func(b *testing.B) {
			m, _ := newView(b, nil)
			m.SetSize(200, 50)
			filter(b, m, f)
			m.Add(uitest.BusyTraffic(0, Bound))
			m.Update(uitest.Key(" "))
			m.Add(uitest.BusyTraffic(Bound, Bound))
			if held, _ := m.Lines(); held != Bound {
				b.Fatalf("%d lines held", held)
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkLogsFollow500PerSecond follows a tail of 500 lines a second for
// $WSOPS_BENCH_MINUTES minutes (10), ten batches and frames a second; one
// op is the whole run (run it with -benchtime 1x). It reports the mean
// time to draw a frame and the live heap after the first minute and at
// the end: flat, since the tail keeps Bound lines.
func BenchmarkLogsFollow500PerSecond(b *testing.B) {
	minutes := benchMinutes()
	v, _ := newView(b, nil)
	var frameMS, first, last float64
	for b.Loop() {
		m := New(v.c).(*Model)
		m.SetSize(200, 50)
		next, frames, drawing := simulate(m, 0, 60)
		b.StopTimer()
		first = heapMB()
		runtime.KeepAlive(m)
		b.StartTimer()
		_, f, d := simulate(m, next, (minutes-1)*60)
		b.StopTimer()
		last = heapMB()
		runtime.KeepAlive(m) // the tail is live when measured
		b.StartTimer()
		frameMS = float64((drawing + d).Microseconds()) / float64(frames+f) / 1000
	}
	b.ReportMetric(frameMS, "ms/frame")
	b.ReportMetric(first, "heapMB@1min")
	b.ReportMetric(last, "heapMB@end")
	b.ReportMetric(float64(minutes), "minutes")
}

// The tail's memory is flat: the live heap after twenty bounds' worth of
// lines is about what it is after two (the benchmark measures minutes).
func TestTailMemoryIsFlat(t *testing.T) {
	m, _ := newView(t, nil)
	m.SetSize(200, 50)
	filter(t, m, "status:5xx")
	next, _, _ := simulate(m, 0, 2*Bound/rate)
	after2 := heapMB()
	simulate(m, next, 18*Bound/rate)
	after20 := heapMB()
	if held, _ := m.Lines(); held != Bound {
		t.Fatalf("%d lines held", held)
	}
	if after20 > after2*1.25+1 {
		t.Errorf("the heap grew from %.1f MB to %.1f MB as the tail went on", after2, after20)
	}
	t.Logf("heap %.1f MB after %d lines, %.1f MB after %d", after2, 2*Bound, after20, 20*Bound)
}
