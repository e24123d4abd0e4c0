package feed

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/ui/view"
)

// passEvery is the least pause between two passes over the whole fleet; a
// pass that took longer waits as long as it took, so that passes cost at
// most half of the rate they run at.
const passEvery = 10 * time.Second

// prober is the background probe: a pass over the whole fleet, or, between
// passes, a top-up of the rows on screen and the rows no probe answered for
// yet (new since the last pass).
type prober struct {
	id          int64 // the probe running (0: none); older probes' answers are dropped
	pass        bool  // the probe running covers the whole fleet
	done, total int
	known       int // the answers of the probe running that told something
	started     time.Time
	last        time.Time // when the last pass ended (zero: none yet)
	took        time.Duration
	// ended is when the last probe of any kind ended, mute whether none of
	// its answers told anything (a dead endpoint): the next top-up then
	// waits as a pass does, instead of asking again after every scan.
	ended time.Time
	mute  bool
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
	p.ended, p.mute = now, p.done > 0 && p.known == 0
	p.id, p.pass = 0, false
}

// quiet reports whether a top-up must wait at now: the last probe learned
// nothing, and not long ago.
func (p *prober) quiet(now time.Time) bool {
	return p.mute && now.Sub(p.ended) < max(passEvery, p.took)
}

// probeNext starts the probe due at now: a pass over the whole fleet, else
// a top-up; nil when one runs or there is nothing to probe.
func (f *Feed) probeNext(now time.Time) tea.Cmd {
	if f.probe.id != 0 {
		return nil
	}
	pass := f.probe.due(now)
	if !pass && f.probe.quiet(now) {
		return nil
	}
	snap := f.fleet.Snapshot()
	wanted := func(st fleet.State) bool { return st&fleet.Vanished == 0 && (pass || st&(fleet.Gone|fleet.Live) == 0) }
	total := 0
	for i := range snap.Len() {
		if wanted(snap.State(i)) {
			total++
		}
	}
	for _, id := range f.onScreen {
		if i, ok := snap.Index(id); ok && !wanted(snap.State(i)) && snap.State(i)&fleet.Vanished == 0 {
			total++ // on screen, probed again though known
		}
	}
	if total == 0 {
		return nil
	}
	return f.probeIDs(passIDs(f.c.Ctx, snap, f.onScreen, !pass), pass, total)
}

// probeIDs starts a probe of ids (total of them).
func (f *Feed) probeIDs(ids <-chan string, pass bool, total int) tea.Cmd {
	p := f.probe
	f.probe = prober{id: view.Seq(), pass: pass, total: total, started: f.c.Now(), last: p.last, took: p.took, ended: p.ended, mute: p.mute}
	return probe(f.c.Ctx, f.c.Ops, f.probe.id, ids, f.c.ProbeRPS)
}

// passIDs offers first, then every other row of snap that is still in the
// registry (unknown: only those no probe answered for), until ctx ends.
func passIDs(ctx context.Context, snap fleet.Snapshot, first []string, unknown bool) <-chan string {
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
			st, id := snap.State(i), snap.Row(i).ID
			if st&fleet.Vanished != 0 || seen[id] || unknown && st&(fleet.Gone|fleet.Live) != 0 {
				continue
			}
			if !offer(id) {
				return
			}
		}
	}()
	return ids
}
