package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/testrig"
	"wsops/internal/uitest"
	"wsops/ui/confirm"
)

// A registry that cannot be reached is not an empty fleet: the header says
// it cannot be read and what to do, the table does not say "no
// connections", and neither says "connections 0".
func TestUnreachableRegistryIsNotAnEmptyFleet(t *testing.T) {
	dead := "http://" + testrig.ClosedAddr(t)
	c := confirm.NewConfirmer()
	fx := uitest.New(t, c, uitest.Options{DynamoVia: func(string) string { return dead }})
	r := &rig{Driver: uitest.Drive(t, New(t.Context(), options(fx, c)), update), t: t, fx: fx, c: c}
	r.Send(tea.WindowSizeMsg{Width: 160, Height: 45})
	r.Run(r.M.Init())
	r.until("the failed scan", func(m Model) bool { return !m.feed.Header().Scanning && m.feed.Header().Failure != nil })
	v := r.M.View()
	for _, want := range []string{"cannot read the registry: nothing answers at that endpoint", "cannot read the registry: see the header"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	for _, not := range []string{"connections 0", "no connections"} {
		if strings.Contains(v, not) {
			t.Errorf("view says %q of a registry it cannot read:\n%s", not, v)
		}
	}
}
