// Package send is the console's send dialog: pick one of the profile's saved
// messages or write JSON in an editor, validated as it is typed and measured
// against API Gateway's 128 KB limit, then send it to the chosen targets.
package send

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/config"
	"wsops/ops"
	"wsops/sanitize"
	"wsops/ui/confirm"
	"wsops/ui/styles"
)

// The editor's largest size: JSON messages are narrow, and the rest of the
// dialog must stay on screen.
const (
	maxEditorWidth  = 100
	maxEditorHeight = 12
)

// SubmitMsg asks for the payload to be sent to the targets or, for a
// dialog opened with OpenLogout, for the targets to be force-logged-out
// with the payload as their notice.
type SubmitMsg struct {
	Targets ops.Targets
	Payload []byte
	Logout  bool
}

// CancelMsg says the dialog was closed without sending.
type CancelMsg struct{}

// Model is the send dialog.
type Model struct {
	st       styles.Styles
	keys     KeyMap
	editor   textarea.Model
	messages []config.Message
	cursor   int
	onList   bool // the saved messages have the focus, not the editor
	open     bool
	targets  ops.Targets
	what     string
	width    int
	logout   bool // the payload is a logout notice
}

// New returns a closed dialog.
func New(st styles.Styles) Model {
	ed := textarea.New()
	ed.CharLimit = 0 // the size is checked against the limit, and shown
	ed.MaxHeight = 0
	ed.ShowLineNumbers = false
	ed.Placeholder = "(a JSON message; tab picks a saved one)"
	ed.FocusedStyle.Text = st.Input
	ed.BlurredStyle.Text = st.Muted
	ed.FocusedStyle.CursorLine = st.Input
	ed.FocusedStyle.Placeholder = st.Placeholder
	ed.BlurredStyle.Placeholder = st.Placeholder
	ed.FocusedStyle.Prompt = st.Muted
	ed.BlurredStyle.Prompt = st.Muted
	return Model{st: st, keys: DefaultKeyMap(), editor: ed}
}

// Open shows the dialog for targets (described as what), with the profile's
// saved messages to pick from; the first one is loaded into the editor.
func (m *Model) Open(targets ops.Targets, what string, messages []config.Message) tea.Cmd {
	m.open, m.targets, m.what, m.messages, m.cursor, m.logout = true, targets, what, messages, 0, false
	m.editor.Reset()
	if len(messages) > 0 {
		m.editor.SetValue(messages[0].Data)
		m.onList = true
		m.editor.Blur()
		return nil
	}
	m.onList = false
	return m.editor.Focus()
}

// OpenLogout shows the dialog for a force logout of targets: the notice
// each client receives before its socket is cut, prefilled with notice (the
// profile's), to read and edit before the run asks for its confirmation.
func (m *Model) OpenLogout(targets ops.Targets, what, notice string) tea.Cmd {
	cmd := m.Open(targets, what, nil)
	m.logout = true
	m.editor.SetValue(notice)
	return cmd
}

// IsOpen reports whether the dialog is shown.
func (m Model) IsOpen() bool { return m.open }

// Close hides the dialog.
func (m *Model) Close() { m.open = false; m.editor.Blur() }

// Targets are the targets the dialog sends to.
func (m Model) Targets() ops.Targets { return m.targets }

// Payload is the editor's text as bytes.
func (m Model) Payload() []byte { return []byte(m.editor.Value()) }

// Valid reports why the payload cannot be sent ("" when it can).
func (m Model) Valid() string { return validate(m.Payload()) }

func validate(p []byte) string {
	switch {
	case len(strings.TrimSpace(string(p))) == 0:
		return "empty: write a JSON message"
	case len(p) > ops.MaxPayload:
		return fmt.Sprintf("too large: %s, the limit is %s", confirm.Size(len(p)), confirm.Size(ops.MaxPayload))
	case !json.Valid(p):
		var v any
		return "not valid JSON: " + json.Unmarshal(p, &v).Error()
	}
	return ""
}

// SetSize sets the dialog's size.
func (m *Model) SetSize(w, h int) {
	m.width = w
	m.editor.SetWidth(max(10, min(w-4, maxEditorWidth)))
	m.editor.SetHeight(max(3, min(h-len(m.messages)-10, maxEditorHeight)))
}

// KeyMap returns the dialog's keys, for help.
func (m Model) KeyMap() []key.Binding { return m.keys.FullHelp()[0] }

// Update handles the dialog's keys; the rest goes to the editor.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if !m.open {
		return m, nil
	}
	k, isKey := msg.(tea.KeyMsg)
	if isKey {
		switch {
		case key.Matches(k, m.keys.Cancel):
			m.Close()
			return m, func() tea.Msg { return CancelMsg{} }
		case key.Matches(k, m.keys.Submit):
			if m.Valid() != "" {
				return m, nil
			}
			sub := SubmitMsg{Targets: m.targets, Payload: m.Payload(), Logout: m.logout}
			m.Close()
			return m, func() tea.Msg { return sub }
		case key.Matches(k, m.keys.Switch) && len(m.messages) > 0:
			m.onList = !m.onList
			if m.onList {
				m.editor.Blur()
				return m, nil
			}
			return m, m.editor.Focus()
		}
	}
	if m.onList {
		if isKey {
			switch {
			case key.Matches(k, m.keys.Up):
				m.pick(m.cursor - 1)
			case key.Matches(k, m.keys.Down):
				m.pick(m.cursor + 1)
			case key.Matches(k, m.keys.Pick):
				m.onList = false
				return m, m.editor.Focus()
			}
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.editor, cmd = m.editor.Update(msg)
	return m, cmd
}

// pick moves the list's cursor to i and loads that message into the editor.
func (m *Model) pick(i int) {
	m.cursor = min(max(i, 0), len(m.messages)-1)
	m.editor.SetValue(m.messages[m.cursor].Data)
}

// View renders the dialog.
func (m Model) View() string {
	if !m.open {
		return ""
	}
	var b strings.Builder
	title, body, submit := "Send to ", "Message (JSON)", "ctrl+s sends"
	if m.logout {
		title, body, submit = "Force logout of ", "Notice each client receives before its socket is cut (JSON; edit it here)", "ctrl+s goes on to confirm"
	}
	b.WriteString(m.st.Title.Render(title+sanitize.Text(m.what)) + "\n\n")
	if len(m.messages) > 0 {
		b.WriteString(m.st.MatrixHeader.Render("Saved messages") + "\n")
		for i, msg := range m.messages {
			line := fmt.Sprintf("  %-24s %s", sanitize.Text(msg.Name), sanitize.Text(msg.Description))
			if i == m.cursor {
				line = "> " + line[2:]
				if m.onList {
					line = m.st.RowCursor.Render(line)
				}
			}
			b.WriteString(line + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString(m.st.MatrixHeader.Render(body) + "\n")
	b.WriteString(m.editor.View() + "\n")
	size := fmt.Sprintf("%s / %s", confirm.Size(len(m.Payload())), confirm.Size(ops.MaxPayload))
	if why := m.Valid(); why != "" {
		b.WriteString(m.st.Error.Render(sanitize.Text(why)) + m.st.Muted.Render("  "+size))
	} else {
		b.WriteString(m.st.Live.Render("valid JSON") + m.st.Muted.Render("  "+size+"  "+submit))
	}
	return b.String()
}
