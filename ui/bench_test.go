package ui

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/data"
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

// bigModel is the console at 160×45 holding n connections.
func bigModel(b *testing.B, n int) Model {
	m := New(b.Context(), fixtureOptions(b))
	m = benchUpdate(m, tea.WindowSizeMsg{Width: 160, Height: 45})
	apps := []string{"drivers", "customers", "order-receiver"}
	entities := []string{"driver", "customer", "merchant"}
	platforms := []string{"ios", "android", "web"}
	schema := m.sess.Profile.Schema
	for start := 0; start < n; start += 1000 {
		page := make([]data.Connection, 0, 1000)
		for i := start; i < min(start+1000, n); i++ {
			c := data.Connection{ID: fmt.Sprintf("B%014d=", i), User: fmt.Sprintf("%s-%05d", entities[i%3], i%40000),
				App: apps[i%3], EntityType: entities[i%3], Platform: platforms[i%3], ConnectedAt: fixedNow.Add(-time.Duration(i) * time.Second)}
			if i%20 == 0 {
				c.EntityType = "customer"
			}
			page = append(page, schema.DecodeConnection(schema.EncodeConnection(c), fixedNow))
		}
		m = benchUpdate(m, scanPageMsg{scan: m.refresh.scan, page: data.Page[data.Connection]{Items: page}})
	}
	m = benchUpdate(m, scanDoneMsg{scan: m.refresh.scan})
	for m.queries.busy {
		key, desc := m.conns.Sort()
		m = benchUpdate(m, queryCmd(m.queries.seq, m.fleet.Snapshot(), m.query, key, desc, schema, false)())
	}
	return m
}

func benchUpdate(m Model, msg tea.Msg) Model {
	next, _ := m.Update(msg)
	return next.(Model)
}

// BenchmarkConsoleFrame100k renders one whole frame (header, matrix,
// breadcrumbs, table window, status) of a 100,000-connection fleet.
// Target: under 5 ms.
func BenchmarkConsoleFrame100k(b *testing.B) {
	m := bigModel(b, benchRows)
	if m.conns.Len() != benchRows {
		b.Fatalf("%d rows", m.conns.Len())
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
	m := bigModel(b, benchRows)
	m = benchUpdate(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/driver-0001")})
	schema := m.sess.Profile.Schema
	keys := []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune{'2'}}, {Type: tea.KeyBackspace}}
	i := 0
	for b.Loop() {
		next, cmd := m.Update(keys[i%2])
		m = next.(Model)
		i++
		for cmd != nil && m.queries.busy {
			key, desc := m.conns.Sort()
			next, _ = m.Update(queryCmd(m.queries.seq, m.fleet.Snapshot(), m.query, key, desc, schema, false)())
			m = next.(Model)
			cmd = nil
		}
		_ = m.View()
	}
}
