package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"wsops/internal/uitest"
	"wsops/ui/trail"
)

// sizes are the terminals every view is drawn at in the goldens: an
// ordinary 80×24, a roomy 120×40 and a wide 200×50.
var sizes = [][2]int{{80, 24}, {120, 40}, {200, 50}}

// TestGoldenViewsAtEverySize draws every view, and the help, at each size,
// once the fleet is scanned, probed and listed. Each screen also holds
// exactly the terminal's lines and no line wider than it.
func TestGoldenViewsAtEverySize(t *testing.T) {
	views := []struct {
		name string
		open func(r *rig)
		done func(m Model) bool
	}{
		{"conns", func(*rig) {}, func(Model) bool { return true }},
		{"subs", func(r *rig) { r.command("subs") }, func(m Model) bool { return strings.Contains(m.views["subs"].View(), "business_status#b1") }},
		{"users", func(r *rig) { r.command("users") }, func(m Model) bool { return strings.Contains(m.views["users"].View(), "driver-0001") }},
		// The fixture's profile names no API: the trail says what to set.
		{"detail", func(r *rig) { r.command("detail Conn00000000006=") }, func(m Model) bool {
			return strings.Contains(m.views["detail"].View(), "Live:") && m.detailView().Trail().State() == trail.Failed
		}},
		{"audit", func(r *rig) { r.command("audit") }, func(m Model) bool { return strings.Contains(m.views["audit"].View(), "2026-11-22") }},
		{"repair", func(r *rig) { r.command("repair") }, func(m Model) bool { return strings.Contains(m.views["repair"].View(), "Repair plan") }},
		{"client", func(r *rig) { r.command("client") }, func(m Model) bool { return strings.Contains(m.views["client"].View(), "New test client") }},
		// The fixture's profile names no API: the view says what to set.
		{"api", func(r *rig) { r.command("api") }, func(m Model) bool { return m.api().Note() == "cannot read the API" }},
		{"help", func(r *rig) { r.Send(runes("?")) }, func(m Model) bool { return m.showHelp }},
	}
	for _, v := range views {
		for _, size := range sizes {
			t.Run(fmt.Sprintf("%s-%dx%d", v.name, size[0], size[1]), func(t *testing.T) {
				r := newRig(t, uitest.Options{})
				r.fx.SeedAudit(t)
				r.until("the probe's pass", func(m Model) bool { return !m.feed.Header().ProbedAt.IsZero() && !m.feed.Header().Probing })
				r.Send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				v.open(r)
				r.until("the "+v.name+" view", v.done)
				screen := r.M.View()
				checkScreen(t, v.name, screen, size[0], size[1])
				if n := len(strings.Split(screen, "\n")); n != size[1] {
					t.Errorf("%d lines on a %d-line terminal", n, size[1])
				}
				golden.RequireEqual(t, []byte(screen))
			})
		}
	}
}
