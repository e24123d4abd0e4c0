package ui

import "github.com/charmbracelet/bubbles/key"

// keyMap are the console's global keys.
type keyMap struct {
	Command, Filter, Back, Quit, Help, Refresh, Pause key.Binding
}

func defaultKeys() keyMap {
	return keyMap{
		Command: key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command (listed below)")),
		Filter:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter (app: entity: user: platform: topic: is:stale is:problem is:gone; :logs also route: status:)")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Refresh: key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "refresh now")),
		Pause:   key.NewBinding(key.WithKeys("ctrl+p"), key.WithHelp("ctrl+p", "pause/resume auto-refresh")),
	}
}

func (k keyMap) bindings() []key.Binding {
	return []key.Binding{k.Command, k.Filter, k.Back, k.Refresh, k.Pause, k.Help, k.Quit}
}
