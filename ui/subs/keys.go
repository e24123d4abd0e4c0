package subs

import "github.com/charmbracelet/bubbles/key"

// KeyMap are the subscriptions view's own keys (the table adds its moves).
type KeyMap struct{ Open key.Binding }

// DefaultKeyMap is the subscriptions view's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{Open: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "connection details"))}
}
