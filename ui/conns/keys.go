package conns

import "github.com/charmbracelet/bubbles/key"

// KeyMap are the connections view's own keys (the table's come on top).
type KeyMap struct {
	Mark, Open, SortNext, SortReverse, Send, Logout key.Binding
}

// DefaultKeyMap is the connections view's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Mark:        key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "mark")),
		Open:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		SortNext:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort column")),
		SortReverse: key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "reverse sort")),
		Send:        key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "send to marked/cursor")),
		Logout:      key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "force logout marked/cursor")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Open, k.Mark, k.SortNext} }

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Open, k.Mark, k.SortNext, k.SortReverse, k.Send, k.Logout}}
}
