package apiview

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
)

// KeyMap are the API view's keys: reading the API again, and the
// viewport's scrolling.
type KeyMap struct {
	Reload key.Binding
	Scroll viewport.KeyMap
}

// DefaultKeyMap is the API view's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Reload: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "read the API again (apigatewayv2; metrics when a minute old)")),
		Scroll: viewport.DefaultKeyMap(),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Reload, k.Scroll.Up, k.Scroll.Down, k.Scroll.PageUp, k.Scroll.PageDown}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{k.ShortHelp(), {k.Scroll.HalfPageUp, k.Scroll.HalfPageDown}}
}
