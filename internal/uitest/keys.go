package uitest

import (
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/ui/styles"
)

// named are the keys Key knows by name.
var named = map[string]tea.KeyType{
	"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
	"up": tea.KeyUp, "down": tea.KeyDown, "backspace": tea.KeyBackspace,
	"ctrl+c": tea.KeyCtrlC, "ctrl+s": tea.KeyCtrlS, "ctrl+u": tea.KeyCtrlU,
}

// Key is the key named s ("enter", "esc", "ctrl+s", …), or s typed as one
// key event.
func Key(s string) tea.KeyMsg {
	if t, ok := named[s]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// PlainStyles are the console's styles, with lipgloss's default renderer
// (which text inputs and the progress bar draw with) set to plain text: no
// escape in a test's view then comes from styling.
func PlainStyles() styles.Styles {
	lipgloss.SetColorProfile(termenv.Ascii)
	return styles.New(styles.DefaultTheme())
}
