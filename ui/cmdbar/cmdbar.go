// Package cmdbar is the console's input line: `:` commands and `/` filters.
package cmdbar

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/ui/styles"
)

// Mode is what the bar is reading.
type Mode int

// The bar's modes.
const (
	Off Mode = iota
	Command
	Filter
)

// SubmitMsg is a finished input: a command (without ":") or a filter.
type SubmitMsg struct {
	Mode Mode
	Text string
}

// CancelMsg says the input was abandoned (esc): a filter edit is undone.
type CancelMsg struct{ Mode Mode }

// Model is the input line.
type Model struct {
	input textinput.Model
	mode  Mode
	keys  KeyMap
}

// New returns a closed bar.
func New(st styles.Styles) Model {
	in := textinput.New()
	in.TextStyle = st.Input
	in.CharLimit = 256
	return Model{input: in, keys: DefaultKeyMap()}
}

// Open starts reading in mode, with the given text (the current filter, say).
func (m *Model) Open(mode Mode, text string) tea.Cmd {
	m.mode = mode
	m.input.Prompt = map[Mode]string{Command: ":", Filter: "/"}[mode]
	m.input.SetValue(text)
	m.input.CursorEnd()
	return m.input.Focus()
}

// Value is the text typed so far.
func (m Model) Value() string { return m.input.Value() }

// Mode is what the bar is reading (Off when closed).
func (m Model) Mode() Mode { return m.mode }

// SetWidth sets the bar's width.
func (m *Model) SetWidth(w int) { m.input.Width = max(1, w-2) }

// Update reads keys while open.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if m.mode == Off {
		return m, nil
	}
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, m.keys.Submit):
			sub := SubmitMsg{Mode: m.mode, Text: m.input.Value()}
			m.close()
			return m, func() tea.Msg { return sub }
		case key.Matches(k, m.keys.Cancel):
			mode := m.mode
			m.close()
			return m, func() tea.Msg { return CancelMsg{Mode: mode} }
		}
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

func (m *Model) close() {
	m.mode = Off
	m.input.Blur()
}

// View renders the bar, or nothing when closed.
func (m Model) View() string {
	if m.mode == Off {
		return ""
	}
	return m.input.View()
}
