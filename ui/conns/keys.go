package conns

import "github.com/charmbracelet/bubbles/key"

// KeyMap are the connections view's own keys (the table's come on top).
type KeyMap struct {
	Mark, MarkRange, MarkAll, ClearMarks, Open, SortNext, SortReverse, Send, Logout key.Binding
}

// DefaultKeyMap is the connections view's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Mark:        key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "mark")),
		MarkRange:   key.NewBinding(key.WithKeys("v", "ctrl+@"), key.WithHelp("v", "mark back to the last mark")),
		MarkAll:     key.NewBinding(key.WithKeys("*"), key.WithHelp("*", "mark every row listed")),
		ClearMarks:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear the marks")),
		Open:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		SortNext:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort column")),
		SortReverse: key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "reverse sort")),
		Send:        key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "send to marked/cursor")),
		Logout:      key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "force logout marked/cursor")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Mark, k.Send, k.Logout, k.SortNext}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Open, k.Mark, k.MarkRange, k.MarkAll, k.ClearMarks, k.Send, k.Logout, k.SortNext, k.SortReverse}}
}
