package feed

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/internal/uitest"
	"wsops/ops"
	"wsops/ui/confirm"
	"wsops/ui/view"
)

// harness is a model around the feed, as the root holds it: it keeps the
// ChangedMsg the feed hands to the views.
type harness struct {
	f       *Feed
	changed []ChangedMsg
}

func drive(t *testing.T, opt ...uitest.Options) *uitest.Driver[*harness] {
	c := uitest.New(t, confirm.NewConfirmer(), append(opt, uitest.Options{})[0]).Common(t)
	return uitest.Drive(t, &harness{f: New(c, time.Hour)}, func(h *harness, msg tea.Msg) (*harness, tea.Cmd) {
		cmd, out := h.f.Update(msg)
		for _, o := range out {
			if c, ok := o.(ChangedMsg); ok {
				h.changed = append(h.changed, c)
			}
		}
		return h, cmd
	})
}

// scanned is the feed after its first scan and summary.
func scanned(t *testing.T, opt ...uitest.Options) *uitest.Driver[*harness] {
	t.Helper()
	d := drive(t, opt...)
	d.Run(d.M.f.Start())
	if !d.M.f.Header().Scanning {
		t.Error("no scan reported once started")
	}
	d.Until("the scan's end and its summary", func(h *harness) bool {
		hd := h.f.Header()
		return !hd.Scanning && len(hd.History) == 1
	}, nil)
	return d
}

func TestStartStreamsTheFleet(t *testing.T) {
	d := scanned(t)
	h := d.M
	if len(h.changed) < 2 {
		t.Fatalf("%d ChangedMsg, want the pages' and the end's", len(h.changed))
	}
	last := h.changed[len(h.changed)-1]
	if !last.Refreshed || last.Snap.Len() != 9 {
		t.Errorf("the scan ended with %d rows, refreshed %v; want 9, true", last.Snap.Len(), last.Refreshed)
	}
	for _, c := range h.changed[:len(h.changed)-1] {
		if c.Refreshed {
			t.Error("a page (not the end of the scan) was reported as a refresh")
		}
	}
	hd := h.f.Header()
	if hd.Summary.Total != 9 || hd.Streamed != 9 || hd.History[0] != 9 || !hd.Last.Equal(uitest.Now) {
		t.Errorf("header %+v: want a total of 9, 9 streamed, history [9], last refresh at the fixture's now", hd)
	}
}

// answers is a management API that says ids in gone are gone and every
// other connection is open.
type answers struct{ gone map[string]bool }

func (a answers) Get(_ context.Context, id string) (ops.ConnectionInfo, error) {
	if a.gone[id] {
		return ops.ConnectionInfo{}, ops.ErrGone
	}
	return ops.ConnectionInfo{ConnectedAt: uitest.Now}, nil
}
func (answers) Post(context.Context, string, []byte) error { return errors.New("no post in this test") }
func (answers) Delete(context.Context, string) error       { return errors.New("no delete in this test") }

// The first scan starts a pass over the whole fleet; once it ended, every
// row is probed and the stale ones counted.
func TestAPassProbesTheWholeFleetAfterTheFirstScan(t *testing.T) {
	gw := answers{gone: map[string]bool{"Conn00000000004=": true, "Conn00000000007=": true}}
	d := scanned(t, uitest.Options{Gateway: gw})
	if hd := d.M.f.Header(); !hd.Probing || hd.PassTotal != 9 {
		t.Fatalf("after the first scan: probing %v of %d, want a pass over 9", hd.Probing, hd.PassTotal)
	}
	d.Until("the pass's end and its summary", func(h *harness) bool {
		hd := h.f.Header()
		return !hd.Probing && !hd.ProbedAt.IsZero() && hd.Summary.Probed == 9
	}, nil)
	if hd := d.M.f.Header(); hd.Summary.Stale != 2 || hd.PassDone != 9 {
		t.Errorf("header %+v: want 2 stale of 9 probed", hd)
	}
}

// Between passes, the rows a view shows (and those no probe answered for)
// are probed alone, one probe at a time.
func TestBetweenPassesOnlyTheRowsOnScreenAreProbed(t *testing.T) {
	d := scanned(t, uitest.Options{Gateway: answers{}})
	d.Until("the first pass's end", func(h *harness) bool { return !h.f.Header().ProbedAt.IsZero() }, nil)
	f := d.M.f
	if cmd, _ := f.Update(ProbeMsg{}); cmd != nil {
		t.Error("a probe of no ids started")
	}
	ids := []string{"Conn00000000001=", "Conn00000000002="}
	d.Send(ProbeMsg{IDs: ids})
	if f.probe.id == 0 || f.probe.pass || f.probe.total != 2 || f.Header().Probing {
		t.Fatalf("probe %+v: want the 2 rows on screen alone, not a pass", f.probe)
	}
	running := f.probe.id
	if cmd, _ := f.Update(ProbeMsg{IDs: ids}); cmd != nil || f.probe.id != running {
		t.Error("a second probe started while one ran")
	}
	d.Until("the probe's end", func(h *harness) bool { return h.f.probe.id == 0 }, nil)
	if cmd, _ := f.Update(ProbeMsg{IDs: ids}); cmd == nil {
		t.Error("no probe started after the last one ended")
	}
}

// A pass offers the rows on screen first, then every other row once, and
// no row that left the registry.
func TestAPassOffersTheRowsOnScreenFirst(t *testing.T) {
	fl := fleet.New()
	conns := uitest.Conns()
	fl.Add(conns)
	fl.BeginRefresh()
	fl.Add(conns[1:]) // Conn00000000001= left the registry
	fl.EndRefresh()
	var got []string
	first := []string{"Conn00000000005=", "Conn00000000001=", "Conn00000000005="}
	for id := range passIDs(t.Context(), fl.Snapshot(), first, false) {
		got = append(got, id)
	}
	want := []string{"Conn00000000005=", "Conn00000000002=", "Conn00000000003=", "Conn00000000004=",
		"Conn00000000006=", "Conn00000000007=", "Conn00000000008=", "Conn00000000009="}
	if !slices.Equal(got, want) {
		t.Errorf("a pass offers %v, want %v", got, want)
	}
	// A top-up: the rows on screen, then those no probe answered for.
	fl.SetProbe("Conn00000000002=", false)
	fl.SetProbe("Conn00000000003=", true)
	got = nil
	for id := range passIDs(t.Context(), fl.Snapshot(), first, true) {
		got = append(got, id)
	}
	want = []string{"Conn00000000005=", "Conn00000000004=", "Conn00000000006=", "Conn00000000007=", "Conn00000000008=", "Conn00000000009="}
	if !slices.Equal(got, want) {
		t.Errorf("a top-up offers %v, want %v", got, want)
	}
}

// A paused feed takes no tick: it scans only when asked; resumed, it ticks
// again.
func TestPausedFeedScansOnlyWhenAsked(t *testing.T) {
	d := scanned(t)
	f := d.M.f
	d.Send(PauseMsg{})
	if !f.Header().Paused {
		t.Fatal("the header does not say paused")
	}
	if cmd, _ := f.Update(tickMsg{scan: f.scan.id}); cmd != nil {
		t.Fatal("a paused feed scanned on its tick")
	}
	d.Send(RescanMsg{})
	if !f.Header().Scanning {
		t.Fatal("a paused feed did not scan when asked")
	}
	d.Until("the scan's end", func(h *harness) bool { return !h.f.Header().Scanning }, nil)
	if cmd, _ := f.Update(PauseMsg{}); cmd == nil || f.Header().Paused {
		t.Error("resuming set no next tick")
	}
}

// Refreshes that find nothing new or gone slow the ticks down, up to a
// minute; one that finds a change brings them back.
func TestQuietRefreshesSlowDown(t *testing.T) {
	f := New(&view.Common{}, time.Second)
	for quiet, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if f.quiet = quiet; f.next() != want {
			t.Errorf("after %d quiet refreshes: next in %v, want %v", quiet, f.next(), want)
		}
	}
	if f.quiet = 20; f.next() != maxRefresh {
		t.Errorf("after 20 quiet refreshes: next in %v, want %v", f.next(), maxRefresh)
	}
	d := scanned(t)
	before := d.M.f.quiet
	d.Send(RescanMsg{})
	d.Until("a second, quiet scan", func(h *harness) bool { return !h.f.Header().Scanning && len(h.f.Header().History) == 2 }, nil)
	if d.M.f.quiet != before+1 {
		t.Errorf("a refresh that changed nothing: %d quiet refreshes, want %d", d.M.f.quiet, before+1)
	}
}

// A probe that learned nothing (nothing answers) is not asked again after
// every scan: the next top-up waits as a pass does.
func TestADeadEndpointIsNotProbedAfterEveryScan(t *testing.T) {
	d := scanned(t) // the fixture's management API answers nothing
	d.Until("the first pass's end", func(h *harness) bool { return !h.f.Header().ProbedAt.IsZero() }, nil)
	f := d.M.f
	if f.Header().Summary.Probed != 0 || !f.probe.mute {
		t.Fatalf("a pass with no answer: %d probed, mute %v", f.Header().Summary.Probed, f.probe.mute)
	}
	d.Send(RescanMsg{})
	d.Until("the rescan", func(h *harness) bool { return !h.f.Header().Scanning && len(h.f.Header().History) == 2 }, nil)
	if f.probe.id != 0 {
		t.Error("a scan after a probe that learned nothing started another at once")
	}
	if cmd, _ := f.Update(ProbeMsg{IDs: []string{"Conn00000000001="}}); cmd != nil {
		t.Error("the rows on screen were probed again at once on a dead endpoint")
	}
}
