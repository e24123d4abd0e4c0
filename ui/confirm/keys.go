package confirm

import "github.com/charmbracelet/bubbles/key"

// KeyMap are the confirm dialog's keys.
type KeyMap struct {
	Confirm, Decline key.Binding
}

// DefaultKeyMap is the confirm dialog's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Confirm: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "go ahead (after typing the answer)")),
		Decline: key.NewBinding(key.WithKeys("esc", "ctrl+c"), key.WithHelp("esc", "decline")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Confirm, k.Decline} }

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }
