package detail

import "github.com/charmbracelet/bubbles/key"

// KeyMap are the detail view's keys.
type KeyMap struct {
	Up, Down, NextSub, PrevSub, Toggle key.Binding
	// TrailOlder and TrailNewer scroll the trail.
	TrailOlder, TrailNewer key.Binding
}

// DefaultKeyMap is the detail view's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll up")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll down")),
		NextSub:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next subscription")),
		PrevSub:    key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous subscription")),
		Toggle:     key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "toggle the subscription's isActive")),
		TrailOlder: key.NewBinding(key.WithKeys("["), key.WithHelp("[", "trail: older lines")),
		TrailNewer: key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "trail: newer lines (to the live end)")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.NextSub, k.Toggle, k.TrailOlder, k.TrailNewer}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp(), {k.PrevSub}} }
