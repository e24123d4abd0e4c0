package cmdbar

import "github.com/charmbracelet/bubbles/key"

// KeyMap are the bar's keys.
type KeyMap struct{ Submit, Cancel key.Binding }

// DefaultKeyMap is the bar's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Submit: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}
