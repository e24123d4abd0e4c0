package feed

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/ui/view"
)

// passEvery is the least pause between two passes over the whole fleet; a
// pass that took longer waits as long as it took, so that probing costs at
// most half of the rate it runs at.
const passEvery = 30 * time.Second

// prober is the background probe: a pass over the whole fleet, or the rows
// on screen alone between passes.
type prober struct {
	id          int64 // the probe running (0: none); older probes' answers are dropped
	pass        bool  // the probe running covers the whole fleet
	done, total int
	started     time.Time
	last        time.Time // when the last pass ended (zero: none yet)
	took        time.Duration
}

// due reports whether a pass may start at now.
func (p *prober) due(now time.Time) bool {
	return p.last.IsZero() || now.Sub(p.last) >= max(passEvery, p.took)
}

// end records the end of the probe running at now.
func (p *prober) end(now time.Time) {
	if p.pass {
		p.last, p.took = now, now.Sub(p.started)
	}
	p.id, p.pass = 0, false
}

// pass probes every row of the fleet, the rows on screen first.
func (f *Feed) pass() tea.Cmd {
	snap := f.fleet.Snapshot()
	total := 0
	for i := range snap.Len() {
		if snap.State(i)&fleet.Vanished == 0 {
			total++
		}
	}
	return f.probeIDs(passIDs(f.c.Ctx, snap, f.onScreen), true, total)
}

// probeIDs starts a probe of ids (total of them).
func (f *Feed) probeIDs(ids <-chan string, pass bool, total int) tea.Cmd {
	f.probe = prober{id: view.Seq(), pass: pass, total: total, started: f.c.Now(), last: f.probe.last, took: f.probe.took}
	return probe(f.c.Ctx, f.c.Ops, f.probe.id, ids, f.c.ProbeRPS)
}

// passIDs offers first, then every other row of snap that is still in the
// registry, until ctx ends.
func passIDs(ctx context.Context, snap fleet.Snapshot, first []string) <-chan string {
	ids := make(chan string)
	go func() {
		defer close(ids)
		seen := make(map[string]bool, len(first))
		offer := func(id string) bool {
			select {
			case ids <- id:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for _, id := range first {
			if i, ok := snap.Index(id); ok && snap.State(i)&fleet.Vanished == 0 && !seen[id] {
				seen[id] = true
				if !offer(id) {
					return
				}
			}
		}
		for i := range snap.Len() {
			if id := snap.Row(i).ID; snap.State(i)&fleet.Vanished == 0 && !seen[id] && !offer(id) {
				return
			}
		}
	}()
	return ids
}
