package logsview

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
)

// KeyMap are the logs view's keys.
type KeyMap struct {
	Pause, Open, Up, Down, PageUp, PageDown, Oldest, Newest key.Binding
}

// DefaultKeyMap is the logs view's key map; the pause key's help says how
// many lines the tail keeps (as many more are held while paused).
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Pause: key.NewBinding(key.WithKeys(" "), key.WithHelp("space",
			fmt.Sprintf("pause/resume (the tail keeps the last %d lines)", Bound))),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details and trail of the line's connection")),
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "older line")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "newer line")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Oldest:   key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "oldest line")),
		Newest:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "newest line: follow again")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Pause, k.Open, k.Up, k.Down, k.PageUp, k.PageDown, k.Oldest, k.Newest}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }
