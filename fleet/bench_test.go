package fleet

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"wsops/data"
)

// benchRows is the fleet size of the benchmarks: 100,000, or
// $WSOPS_BENCH_ROWS (the bench harness's quick mode uses fewer).
var benchRows = rowsFromEnv(100_000)

func rowsFromEnv(def int) int {
	if n, err := strconv.Atoi(os.Getenv("WSOPS_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkQuery100k filters and sorts a realistic 100,000-row snapshot.
// Nothing is cached between queries: every run pays the full cost.
func BenchmarkQuery100k(b *testing.B) {
	s := load(realistic(benchRows, 11)).Snapshot()
	cases := []struct {
		name, filter string
		key          SortKey
		desc         bool
	}{
		{"text+token/by-user", "driver-1 platform:ios", ByUser, false},
		{"text+token/by-age", "older app:order-receiver", ByAge, true},
		{"token/by-age", "app:drivers", ByAge, false},
		{"text/by-id", "ab", ByID, false},
		{"all/by-id", "", ByID, false},
		{"all/by-user-desc", "", ByUser, true},
		{"all/by-problems", "", ByProblems, true},
	}
	for _, c := range cases {
		q, err := Parse(c.filter)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				n = len(s.Query(q, c.key, c.desc))
			}
			b.ReportMetric(float64(n), "rows")
		})
	}
}

// BenchmarkAdd adds pages of 1,000 rows, as a scan streams them on the UI
// goroutine: into the first scan (visible at once), and into a refresh that
// is diffed against a 100,000-row generation.
func BenchmarkAdd(b *testing.B) {
	conns := realistic(benchRows, 12)
	pages := slices.Collect(slices.Chunk(conns, 1000))
	b.Run("first-scan", func(b *testing.B) {
		b.ReportAllocs()
		f := New()
		for i := 0; i < b.N; i++ {
			if i%len(pages) == 0 {
				b.StopTimer()
				f = New()
				b.StartTimer()
			}
			f.Add(pages[i%len(pages)])
			_ = f.Snapshot()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/row")
	})
	b.Run("refresh", func(b *testing.B) {
		b.ReportAllocs()
		f := load(conns)
		next := slices.Clone(conns)
		copy(next, realistic(benchRows/20, 13)) // 5% churn
		nextPages := slices.Collect(slices.Chunk(next, 1000))
		f.BeginRefresh()
		for i := 0; i < b.N; i++ {
			if i%len(nextPages) == 0 {
				b.StopTimer()
				f.AbortRefresh()
				f.BeginRefresh()
				b.StartTimer()
			}
			f.Add(nextPages[i%len(nextPages)])
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/row")
	})
}

// BenchmarkRefresh100k is a whole refresh of 100,000 rows with 5% churn:
// BeginRefresh, 100 pages, EndRefresh.
func BenchmarkRefresh100k(b *testing.B) {
	a := realistic(benchRows, 14)
	c := slices.Clone(a)
	copy(c, realistic(benchRows/20, 15))
	f := load(a)
	b.ReportAllocs()
	var d Diff
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			d = scan(f, c)
		} else {
			d = scan(f, a)
		}
	}
	b.ReportMetric(float64(d.Appeared), "appeared")
}

// BenchmarkHeapPerRow reports the heap a 100,000-row fleet holds per row:
// after the first scan, and after a refresh with 5% churn (whose vanished
// rows are still kept).
func BenchmarkHeapPerRow(b *testing.B) {
	first, second := heapPerRow(b)
	for b.Loop() {
		first, second = heapPerRow(b)
	}
	b.ReportMetric(first, "B/row")
	b.ReportMetric(second, "B/row-refreshed")
}

// TestHeapPerRowUnderBudget keeps the fleet under its memory budget.
func TestHeapPerRowUnderBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 100,000 rows")
	}
	first, second := heapPerRow(t)
	t.Logf("heap per row: %.0f B after the first scan, %.0f B after a refresh", first, second)
	if first > 500 || second > 500 {
		t.Errorf("heap per row %.0f / %.0f B, budget 500 B", first, second)
	}
}

func heapPerRow(tb testing.TB) (first, second float64) {
	tb.Helper()
	conns := realistic(benchRows, 16)
	churned := slices.Clone(conns)
	copy(churned, realistic(benchRows/20, 17))
	before := heapAlloc()
	f := load(conns)
	afterFirst := heapAlloc()
	scan(f, churned)
	afterSecond := heapAlloc()
	runtime.KeepAlive(f)
	runtime.KeepAlive(conns)
	runtime.KeepAlive(churned)
	return float64(afterFirst-before) / float64(benchRows), float64(afterSecond-before) / float64(benchRows)
}

func heapAlloc() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// BenchmarkSubsHeapPerRow reports the heap of 100,000 subscriptions per
// record, and the cost of a query over them.
func BenchmarkSubsHeapPerRow(b *testing.B) {
	subs := make([]data.Subscription, benchRows)
	conns := realistic(benchRows, 18)
	for i, c := range conns {
		subs[i] = data.Subscription{ConnectionID: c.ID, Key: fmt.Sprintf("order#%d", 100000+i/3), User: c.User,
			EntityType: c.EntityType, Active: true, CreatedAt: c.ConnectedAt, Problems: c.Problems}
	}
	before := heapAlloc()
	s := NewSubs()
	for page := range slices.Chunk(subs, 1000) {
		s.Add(page)
	}
	perRow := float64(heapAlloc()-before) / float64(benchRows)
	runtime.KeepAlive(subs)
	runtime.KeepAlive(conns)
	snap := s.Snapshot()
	q, err := Parse("order#1001 entity:driver")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = snap.Query(q)
	}
	b.ReportMetric(perRow, "B/sub")
}
