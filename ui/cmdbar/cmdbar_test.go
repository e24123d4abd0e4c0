package cmdbar

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/uitest"
)

// newBar is a closed bar rendering plain text: the input's prompt and cursor
// use lipgloss's default renderer, so it is set to ASCII too.
func newBar(t *testing.T) Model {
	t.Helper()
	return New(uitest.PlainStyles())
}

// typed sends text to m a key per rune. The commands typing returns (the
// cursor's blink) are not run: they wait for a timer.
func typed(m Model, text string) Model {
	for _, r := range text {
		m, _ = m.Update(uitest.Key(string(r)))
	}
	return m
}

func TestClosedBarIgnoresKeys(t *testing.T) {
	m := newBar(t)
	if m.Mode() != Off || m.View() != "" {
		t.Fatalf("new bar: mode %v, view %q", m.Mode(), m.View())
	}
	m = typed(m, "abc")
	m, cmd := m.Update(uitest.Key("enter"))
	if cmd != nil || m.Value() != "" || m.Mode() != Off {
		t.Errorf("closed bar took keys: cmd %v, value %q, mode %v", cmd != nil, m.Value(), m.Mode())
	}
}

func TestOpenTypeSubmitCancel(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mode    Mode
		initial string
		keys    []string
		prompt  string
		// want is the message the last key yields.
		want tea.Msg
	}{
		{"command submitted", Command, "", []string{"q", "u", "i", "t", "enter"}, ":", SubmitMsg{Mode: Command, Text: "quit"}},
		{"filter appended to the current one", Filter, "app ", []string{"d", "r", "enter"}, "/", SubmitMsg{Mode: Filter, Text: "app dr"}},
		{"filter edited", Filter, "user x", []string{"backspace", "y", "enter"}, "/", SubmitMsg{Mode: Filter, Text: "user y"}},
		{"empty command submitted", Command, "", []string{"enter"}, ":", SubmitMsg{Mode: Command, Text: ""}},
		{"command cancelled", Command, "", []string{"q", "esc"}, ":", CancelMsg{Mode: Command}},
		{"filter cancelled", Filter, "app drivers", []string{"x", "esc"}, "/", CancelMsg{Mode: Filter}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newBar(t)
			m.SetWidth(40)
			_ = m.Open(tc.mode, tc.initial) // the cursor's blink: not run
			if m.Mode() != tc.mode || m.Value() != tc.initial {
				t.Fatalf("opened: mode %v value %q, want %v %q", m.Mode(), m.Value(), tc.mode, tc.initial)
			}
			if v := m.View(); !strings.HasPrefix(v, tc.prompt+tc.initial) {
				t.Errorf("open view %q does not start with %q", v, tc.prompt+tc.initial)
			}
			var cmd tea.Cmd
			for i, k := range tc.keys {
				m, cmd = m.Update(uitest.Key(k))
				if i < len(tc.keys)-1 && m.Mode() != tc.mode {
					t.Fatalf("bar closed by %q", k)
				}
			}
			msgs := uitest.Msgs(cmd)
			if len(msgs) != 1 || msgs[0] != tc.want {
				t.Fatalf("last key yields %#v, want %#v", msgs, tc.want)
			}
			if m.Mode() != Off || m.View() != "" {
				t.Errorf("bar still open after %q: mode %v, view %q", tc.keys[len(tc.keys)-1], m.Mode(), m.View())
			}
			// Closed, it takes no more keys.
			if _, cmd = m.Update(uitest.Key("enter")); cmd != nil {
				t.Errorf("closed bar answers enter with %#v", uitest.Msgs(cmd))
			}
		})
	}
}

func TestReopenStartsFromTheGivenText(t *testing.T) {
	m := newBar(t)
	_ = m.Open(Filter, "app drivers")
	m = typed(m, "xyz")
	m, _ = m.Update(uitest.Key("esc"))
	_ = m.Open(Command, "")
	if m.Value() != "" || m.Mode() != Command {
		t.Fatalf("reopened as command: value %q, mode %v", m.Value(), m.Mode())
	}
	m = typed(m, "q")
	_, cmd := m.Update(uitest.Key("enter"))
	if got := uitest.Msgs(cmd); len(got) != 1 || got[0] != (SubmitMsg{Mode: Command, Text: "q"}) {
		t.Errorf("submit yields %#v", got)
	}
}
