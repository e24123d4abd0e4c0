package send

import "github.com/charmbracelet/bubbles/key"

// KeyMap are the send dialog's keys.
type KeyMap struct {
	Up, Down, Pick, Switch, Submit, Cancel key.Binding
}

// DefaultKeyMap is the send dialog's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous message")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next message")),
		Pick:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "edit the saved message")),
		Switch: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "saved messages / editor")),
		Submit: key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "send")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Submit, k.Switch, k.Pick, k.Cancel} }

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Pick, k.Switch, k.Submit, k.Cancel}}
}
