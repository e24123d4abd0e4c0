package header

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"wsops/ui/styles"
)

// program shows the header at the terminal's width, as the root model does.
type program struct {
	info  Info
	st    styles.Styles
	width int
}

func (p program) Init() tea.Cmd { return nil }

func (p program) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		p.width = msg.Width
	case tea.KeyMsg:
		if msg.String() == "q" {
			return p, tea.Quit
		}
	}
	return p, nil
}

func (p program) View() string { return View(p.info, p.width, p.st) }

// TestGoldenWizz: the WizzUser fleet during the incident, at 120 columns: the
// production and read-only badges, the endpoint abbreviated, the sparkline,
// and the order-receiver × customer cell marked as breaking the rule.
func TestGoldenWizz(t *testing.T) {
	tm := teatest.NewTestModel(t, program{info: wizz(), st: testStyles(termenv.Ascii)}, teatest.WithInitialTermSize(120, 8))
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	view := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).View()
	checkLines(t, view, 120)
	teatest.RequireEqualOutput(t, []byte(view+"\n"))
}

// TestGoldenNarrow: the same header as the terminal narrows — the sparkline
// goes, then the endpoint, then labels are abbreviated and cells cut; the
// badges stay.
func TestGoldenNarrow(t *testing.T) {
	st := testStyles(termenv.Ascii)
	var out bytes.Buffer
	for _, w := range []int{100, 80, 60, 40, 24} {
		view := View(wizz(), w, st)
		checkLines(t, view, w)
		fmt.Fprintf(&out, "-- %d columns --\n%s\n", w, view)
	}
	scanning := wizz()
	scanning.Production, scanning.Scanning, scanning.Progress = false, true, "12,400 rows"
	scanning.Profile = "\x1b]0;evil title\x07wizz-dev"
	view := View(scanning, 80, st)
	checkLines(t, view, 80)
	fmt.Fprintf(&out, "-- 80 columns, scanning, hostile profile name --\n%s\n", view)
	teatest.RequireEqualOutput(t, out.Bytes())
}
