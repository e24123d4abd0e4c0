package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"go.uber.org/goleak"

	"wsops/internal/testrig"
	"wsops/internal/uitest"
	"wsops/ui/cmdbar"
	"wsops/ui/confirm"
	"wsops/ui/conns"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii) // goldens are plain text
	time.Local = time.UTC                   // and times in them do not depend on the machine
	// No goroutine outlives the tests, but the one teatest leaves per test
	// model waiting for SIGINT forever.
	testrig.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/charmbracelet/x/exp/teatest.NewTestModel.func2"))
}

// fixedNow is the console's clock in tests, so ages and "refreshed" lines are stable.
var fixedNow = uitest.Now

// options are the console's options on a fixture session, asking c.
func options(fx uitest.Fixture, c *confirm.Confirmer) Options {
	return Options{Session: Session{Profile: fx.Profile, Ops: fx.Ops}, Confirmer: c, Refresh: time.Hour,
		Now: func() time.Time { return fixedNow }}
}

// fixtureOptions are the console's options on the fixture fleet, its audit
// log seeded.
func fixtureOptions(t testing.TB) Options {
	c := confirm.NewConfirmer()
	fx := uitest.New(t, c, uitest.Options{})
	fx.SeedAudit(t)
	return options(fx, c)
}

// rig is the console on the fixture fleet at 160×45, driven as the program
// would drive it.
type rig struct {
	*uitest.Driver[Model]
	t  testing.TB
	fx uitest.Fixture
	c  *confirm.Confirmer
}

// update is the root's Update with its model type.
func update(m Model, msg tea.Msg) (Model, tea.Cmd) {
	next, cmd := m.Update(msg)
	return next.(Model), cmd
}

// newRig starts the console on the fixture (changed by opt) and waits for
// its first scan to list rows (9: the fixture's).
func newRig(t testing.TB, opt uitest.Options, rows ...int) *rig {
	t.Helper()
	c := confirm.NewConfirmer()
	return rigOn(t, uitest.New(t, c, opt), c, rows...)
}

// rigOn is newRig on the fixture fx, whose Ops ask c.
func rigOn(t testing.TB, fx uitest.Fixture, c *confirm.Confirmer, rows ...int) *rig {
	t.Helper()
	r := &rig{Driver: uitest.Drive(t, New(t.Context(), options(fx, c)), update), t: t, fx: fx, c: c}
	r.Send(tea.WindowSizeMsg{Width: 160, Height: 45})
	r.Run(r.M.Init())
	n := 9
	if len(rows) > 0 {
		n = rows[0]
	}
	// The first scan's sample in the header's history too: a rescan that
	// ended before it was taken would take its place, one sample for two.
	r.until("the first scan", func(m Model) bool { return scanned(m, n) && len(m.feed.Header().History) == 1 })
	return r
}

// scanned reports whether a scan ended with n rows listed and summed up.
func scanned(m Model, n int) bool {
	h := m.feed.Header()
	return !h.Scanning && h.Summary.Total == n && m.conns().Len() == n
}

// until handles messages until cond holds.
func (r *rig) until(what string, cond func(Model) bool) {
	r.t.Helper()
	r.Until(what, cond, Model.View)
}

// command submits a `:` command.
func (r *rig) command(text string) {
	r.Send(cmdbar.SubmitMsg{Mode: cmdbar.Command, Text: strings.TrimPrefix(text, ":")})
}

// filter submits a `/` filter.
func (r *rig) filter(text string) { r.Send(cmdbar.SubmitMsg{Mode: cmdbar.Filter, Text: text}) }

// conns is the connections view.
func (m Model) conns() *conns.Model { return m.views["conns"].(*conns.Model) }

// topName is the name of the view on top.
func (m Model) topName() string { return m.stack[len(m.stack)-1] }

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

var (
	enter = tea.KeyMsg{Type: tea.KeyEnter}
	esc   = tea.KeyMsg{Type: tea.KeyEsc}
	ctrlS = tea.KeyMsg{Type: tea.KeyCtrlS}
	ctrlC = tea.KeyMsg{Type: tea.KeyCtrlC}
	tab   = tea.KeyMsg{Type: tea.KeyTab}
)
