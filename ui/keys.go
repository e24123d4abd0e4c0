package ui

import "github.com/charmbracelet/bubbles/key"

// keyMap are the console's global keys.
type keyMap struct {
	Command, Filter, Back, Quit, Help key.Binding
}

func defaultKeys(usage string) keyMap {
	return keyMap{
		Command: key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command ("+usage+")")),
		Filter:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter (app: entity: user: platform: topic: is:stale is:problem is:gone)")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
	}
}

func (k keyMap) bindings() []key.Binding {
	return []key.Binding{k.Command, k.Filter, k.Back, k.Help, k.Quit}
}
