// Package confirm is the console's confirmation dialog: it shows what an
// action is about to do (the action, its targeting, the blast radius by
// app × entity type, the payload size) and goes ahead only once the operator
// types the answer — "yes", or on a production profile the profile's name.
package confirm

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/human"
	"wsops/ops"
	"wsops/sanitize"
	"wsops/ui/styles"
)

// maxCells is how many app × entity cells the dialog lists before summing up the rest.
const maxCells = 12

// Model is the confirmation dialog; it is open while a request waits.
type Model struct {
	st    styles.Styles
	keys  KeyMap
	input textinput.Model
	req   *Request
	hint  string
	width int
}

// New returns a closed dialog.
func New(st styles.Styles) Model {
	in := textinput.New()
	in.TextStyle = st.Input
	in.CharLimit = 128
	in.Prompt = "> "
	return Model{st: st, keys: DefaultKeyMap(), input: in}
}

// Open shows req and focuses the answer field.
func (m *Model) Open(req Request) tea.Cmd {
	m.req, m.hint = &req, ""
	m.input.SetValue("")
	return m.input.Focus()
}

// IsOpen reports whether a request waits for an answer.
func (m Model) IsOpen() bool { return m.req != nil }

// Want is the answer that confirms the open request.
func (m Model) Want() string {
	if m.req != nil && m.req.Policy.Production {
		return m.req.Policy.Profile
	}
	return "yes"
}

// SetSize sets the dialog's width.
func (m *Model) SetSize(w, _ int) {
	m.width = w
	m.input.Width = max(1, min(w, 60)-4)
}

// KeyMap returns the dialog's keys, for help.
func (m Model) KeyMap() []key.Binding { return m.keys.ShortHelp() }

// Update reads the answer. Enter with the right answer confirms, esc
// declines; either way the answer goes on the request's (buffered) channel
// and the dialog closes.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if m.req == nil {
		return m, nil
	}
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, m.keys.Decline):
			m.answer(m.refusal())
			return m, nil
		case key.Matches(k, m.keys.Confirm):
			if strings.TrimSpace(m.input.Value()) == m.Want() {
				m.answer(nil)
				return m, nil
			}
			m.hint = fmt.Sprintf("type %s exactly, or esc to decline", m.Want())
			return m, nil
		}
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

func (m Model) refusal() error {
	p := m.req.Plan
	if m.req.Policy.Production {
		return fmt.Errorf("%s: %w", p.Action, ops.ErrProductionGuard)
	}
	return fmt.Errorf("%s: %w", p.Action, ops.ErrNotConfirmed)
}

func (m *Model) answer(err error) {
	m.req.Answer <- err // buffered, answered once
	m.req = nil
	m.input.Blur()
}

// View renders the dialog.
func (m Model) View() string {
	if m.req == nil {
		return ""
	}
	p, pol := m.req.Plan, m.req.Policy
	var b strings.Builder
	if pol.Production {
		b.WriteString(m.st.Production.Render(" !!! PRODUCTION — profile "+sanitize.Text(pol.Profile)+" !!! ") + "\n\n")
	}
	b.WriteString(m.st.Title.Render("Confirm "+sanitize.Text(p.Action)) + "\n\n")
	row := func(label, value string) {
		b.WriteString(m.st.Muted.Render(fmt.Sprintf("%-10s", label)) + value + "\n")
	}
	row("profile", sanitize.Text(pol.Profile))
	row("targets", sanitize.Text(p.Filter))
	noun := cmp.Or(p.Radius.Noun, "connections")
	row("radius", fmt.Sprintf("%d %s", p.Radius.Total, human.Plural(p.Radius.Total, strings.TrimSuffix(noun, "s"), noun)))
	for _, line := range cells(p.Radius) {
		b.WriteString(strings.Repeat(" ", 12) + line + "\n")
	}
	if p.PayloadSize > 0 {
		row("payload", Size(p.PayloadSize)+" to each target")
	}
	b.WriteString("\n")
	if pol.Production {
		b.WriteString(m.st.Error.Render("Type the profile name "+sanitize.Text(pol.Profile)+" and enter to go ahead, esc to decline.") + "\n")
	} else {
		b.WriteString("Type " + m.st.Key.Render("yes") + " and enter to go ahead, " + m.st.Key.Render("esc") + " to decline.\n")
	}
	b.WriteString(m.input.View())
	if m.hint != "" {
		b.WriteString("\n" + m.st.Error.Render(m.hint))
	}
	return b.String()
}

// cells lists the radius's cells, biggest first, sanitized.
func cells(r ops.Radius) []string {
	keys := slices.SortedFunc(maps.Keys(r.Cells), func(a, b ops.AppEntity) int {
		return cmp.Or(r.Cells[b]-r.Cells[a], strings.Compare(a.App, b.App), strings.Compare(a.EntityType, b.EntityType))
	})
	var lines []string
	rest := 0
	for i, c := range keys {
		if i >= maxCells {
			rest += r.Cells[c]
			continue
		}
		lines = append(lines, fmt.Sprintf("%6d  %s × %s", r.Cells[c], orUnknown(c.App), orUnknown(c.EntityType)))
	}
	if rest > 0 {
		lines = append(lines, fmt.Sprintf("%6d  in %d more groups", rest, len(keys)-maxCells))
	}
	return lines
}

func orUnknown(s string) string { return cmp.Or(sanitize.Text(s), "?") }

// Size writes a byte count as the dialogs show it: "512 B", "1.5 KB".
func Size(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n%1024 == 0:
		return fmt.Sprintf("%d KB", n/1024)
	}
	return fmt.Sprintf("%.1f KB", float64(n)/1024)
}
