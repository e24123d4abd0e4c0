package feed

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/uitest"
	"wsops/ui/confirm"
)

// harness is a model around the feed, as the root holds it: it keeps the
// ChangedMsg the feed hands to the views.
type harness struct {
	f       *Feed
	changed []ChangedMsg
}

func drive(t *testing.T) *uitest.Driver[*harness] {
	c := uitest.New(t, confirm.NewConfirmer(), uitest.Options{}).Common(t)
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
func scanned(t *testing.T) *uitest.Driver[*harness] {
	t.Helper()
	d := drive(t)
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

func TestProbeWhileOneRunsIsIgnored(t *testing.T) {
	d := scanned(t)
	f := d.M.f
	if cmd, _ := f.Update(ProbeMsg{}); cmd != nil {
		t.Error("a probe of no ids started")
	}
	ids := []string{"Conn00000000001=", "Conn00000000002="}
	d.Send(ProbeMsg{IDs: ids})
	if f.probe == 0 {
		t.Fatal("the probe did not start")
	}
	running := f.probe
	if cmd, _ := f.Update(ProbeMsg{IDs: ids}); cmd != nil || f.probe != running {
		t.Error("a second probe started while one ran")
	}
	d.Until("the probe's end", func(h *harness) bool { return h.f.probe == 0 }, nil)
	if cmd, _ := f.Update(ProbeMsg{IDs: ids}); cmd == nil {
		t.Error("no probe started after the last one ended")
	}
}
