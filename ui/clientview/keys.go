package clientview

import "github.com/charmbracelet/bubbles/key"

// KeyMap are the test client view's keys.
type KeyMap struct {
	// On the timeline.
	New, NextTab, PrevTab, CloseTab, Edit, Saved, Broadcast, Connect, Disconnect, Reconnect, Search, Pretty, Up, Down, PageUp, PageDown, End key.Binding
	// In the editor, the forms and the search.
	Send, HistoryPrev, HistoryNext, NextField, PrevField, Submit, Cancel key.Binding
}

// DefaultKeyMap is the test client's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		New:        key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new client (tab)")),
		NextTab:    key.NewBinding(key.WithKeys("tab", "]"), key.WithHelp("tab/]", "next tab")),
		PrevTab:    key.NewBinding(key.WithKeys("shift+tab", "["), key.WithHelp("shift+tab/[", "previous tab")),
		CloseTab:   key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "close tab")),
		Edit:       key.NewBinding(key.WithKeys("e", "i"), key.WithHelp("e", "edit a message")),
		Saved:      key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "saved messages")),
		Broadcast:  key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "send me a test broadcast")),
		Connect:    key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "connect again")),
		Disconnect: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "disconnect")),
		Reconnect:  key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "auto-reconnect on/off")),
		Search:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search frames")),
		Pretty:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pretty JSON on/off")),
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll up")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll down")),
		PageUp:     key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown:   key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		End:        key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "follow the newest")),

		Send:        key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "send")),
		HistoryPrev: key.NewBinding(key.WithKeys("ctrl+p"), key.WithHelp("ctrl+p", "previous sent")),
		HistoryNext: key.NewBinding(key.WithKeys("ctrl+n"), key.WithHelp("ctrl+n", "next sent")),
		NextField:   key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab", "next field")),
		PrevField:   key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab", "previous field")),
		Submit:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ok")),
		Cancel:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

// timelineKeys are the keys shown for the timeline.
func (k KeyMap) timelineKeys() []key.Binding {
	return []key.Binding{k.Edit, k.Saved, k.Broadcast, k.New, k.NextTab, k.PrevTab, k.CloseTab, k.Connect, k.Disconnect, k.Reconnect, k.Search, k.Pretty, k.Up, k.Down, k.End}
}

// editorKeys are the keys shown while editing.
func (k KeyMap) editorKeys() []key.Binding {
	return []key.Binding{k.Send, k.HistoryPrev, k.HistoryNext, k.Cancel}
}

// formKeys are the keys shown in a form.
func (k KeyMap) formKeys() []key.Binding {
	return []key.Binding{k.NextField, k.PrevField, k.Submit, k.Cancel}
}
