package ui

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/uitest"
	"wsops/ops"
	"wsops/ui/logsview"
)

// benchRows is the fleet size of the console benchmarks: 100,000, or
// $WSOPS_BENCH_ROWS (the bench harness's quick mode uses fewer).
var benchRows = rowsFromEnv(100_000)

func rowsFromEnv(def int) int {
	if n, err := strconv.Atoi(os.Getenv("WSOPS_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return def
}

// memoryScans is a registry whose scans stream pages held in memory: the
// benchmarks measure the console, not a DynamoDB.
type memoryScans struct {
	ops.Registry
	pages []ops.Page
}

func (r memoryScans) Connections(ctx context.Context, _ ops.Select) <-chan ops.Page {
	out := make(chan ops.Page)
	go func() {
		defer close(out)
		for _, p := range r.pages {
			select {
			case out <- p:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// bigPages are n decoded connections in pages of 1,000.
func bigPages(schema ops.Schema, n int) []ops.Page {
	apps := []string{"drivers", "customers", "order-receiver"}
	entities := []string{"driver", "customer", "merchant"}
	platforms := []string{"ios", "android", "web"}
	var pages []ops.Page
	for start := 0; start < n; start += 1000 {
		var page ops.Page
		for i := start; i < min(start+1000, n); i++ {
			c := ops.Connection{ID: fmt.Sprintf("B%014d=", i), User: fmt.Sprintf("%s-%05d", entities[i%3], i%40000),
				App: apps[i%3], EntityType: entities[i%3], Platform: platforms[i%3], ConnectedAt: fixedNow.Add(-time.Duration(i) * time.Second)}
			if i%20 == 0 {
				c.EntityType = "customer"
			}
			page.Items = append(page.Items, schema.DecodeConnection(schema.EncodeConnection(c), fixedNow))
		}
		pages = append(pages, page)
	}
	return pages
}

// bigRig is the console at 160×45 holding n connections.
func bigRig(b *testing.B, n int) *rig {
	r := newRig(b, uitest.Options{Deps: func(d *ops.Deps) {
		d.Registry = memoryScans{Registry: d.Registry, pages: bigPages(d.Registry.Schema(), n)}
	}}, n)
	return r
}

// BenchmarkConsoleFrame100k renders one whole frame (header, matrix,
// breadcrumbs, table window, status) of a 100,000-connection fleet.
// Target: under 5 ms.
func BenchmarkConsoleFrame100k(b *testing.B) {
	m := bigRig(b, benchRows).M
	if m.conns().Len() != benchRows {
		b.Fatalf("%d rows", m.conns().Len())
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkFilterKeystroke100k is one keystroke in the filter bar over a
// 100,000-connection fleet, through to the updated frame: the key, the
// query (which the program runs off the UI goroutine), its result, the view.
// Target: under 100 ms.
func BenchmarkFilterKeystroke100k(b *testing.B) {
	r := bigRig(b, benchRows)
	r.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/driver-0001")})
	r.until("the filter", func(m Model) bool { return !m.conns().Querying() })
	keys := []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune{'2'}}, {Type: tea.KeyBackspace}}
	i := 0
	for b.Loop() {
		r.Send(keys[i%2])
		i++
		r.until("the query", func(m Model) bool { return !m.conns().Querying() })
		_ = r.M.View()
	}
}

// BenchmarkConsoleLogsFrame renders one whole frame (header with the
// metrics strip, breadcrumbs, :logs, status) at 200×50 with the tail full
// (logsview.Bound lines) and as many held while paused. Target: under 5 ms.
func BenchmarkConsoleLogsFrame(b *testing.B) {
	r := newRig(b, uitest.Options{Deps: logsControl().Deps})
	r.Send(tea.WindowSizeMsg{Width: 200, Height: 50})
	r.command("logs")
	r.until("the tail", func(m Model) bool { return m.logsView().Tailing() })
	lv := r.M.logsView()
	lv.Add(uitest.BusyTraffic(0, logsview.Bound))
	r.Send(runes(" "))
	lv.Add(uitest.BusyTraffic(logsview.Bound, logsview.Bound))
	if held, _ := lv.Lines(); held < logsview.Bound {
		b.Fatalf("%d lines held", held)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = r.M.View()
	}
}
