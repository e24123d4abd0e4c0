package progress

import "github.com/charmbracelet/bubbles/key"

// KeyMap are the progress view's keys.
type KeyMap struct {
	Cancel, Prune, Resume, Undo, Close key.Binding
}

// DefaultKeyMap is the progress view's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Cancel: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "cancel the run")),
		Prune:  key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "prune the gone")),
		Resume: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "resume")),
		Undo:   key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "undo")),
		Close:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Cancel, k.Prune, k.Resume, k.Undo, k.Close}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }
