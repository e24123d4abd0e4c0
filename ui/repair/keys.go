package repair

import "github.com/charmbracelet/bubbles/key"

// KeyMap are the repair view's keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Toggle, All, Apply, Replan key.Binding
}

// DefaultKeyMap is the repair view's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Toggle:   key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "select/deselect change")),
		All:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "select all/none")),
		Apply:    key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "apply the selected changes")),
		Replan:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "plan again")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Toggle, k.All, k.Apply, k.Replan}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, k.ShortHelp()}
}
