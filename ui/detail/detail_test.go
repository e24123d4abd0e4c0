package detail

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/uitest"
	"wsops/ui/confirm"
)

// opened is the detail view of id after its read (GetConnection fails:
// nothing answers the fixture's management API).
func opened(t *testing.T, id string) *Model {
	t.Helper()
	m := New(uitest.New(t, confirm.NewConfirmer(), uitest.Options{}).Common(t)).(*Model)
	m.SetSize(120, 40)
	cmd := m.Open(id)
	if v := m.View(); !strings.Contains(v, "reading ") {
		t.Errorf("while reading, the view shows:\n%s", v)
	}
	d := uitest.Drive(t, m, func(m *Model, msg tea.Msg) (*Model, tea.Cmd) { _, cmd := m.Update(msg); return m, cmd })
	d.Run(cmd)
	d.Until("the details", func(m *Model) bool { return m.content != nil }, (*Model).View)
	return m
}

func TestOpenShowsRecordSubscriptionsAndUnknownLive(t *testing.T) {
	m := opened(t, "Conn00000000001=")
	v := m.View()
	for _, want := range []string{"Connection Conn00000000001=", "Live: unknown (GetConnection failed", `"driver-0001"`,
		"Attributes:", "Subscriptions (1):", "order#42  active"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if m.Title() != "detail Conn00000000001=" {
		t.Errorf("title %q", m.Title())
	}
}

func TestTabMovesTheSubscriptionCursor(t *testing.T) {
	m := opened(t, "Conn00000000005=")
	if len(m.content.Subs) != 1 {
		t.Fatalf("%d subscriptions, want 1", len(m.content.Subs))
	}
	// Add a second subscription to the content read, as a read of a
	// connection that follows two topics would.
	c := *m.content
	second := c.Subs[0]
	second.Key = "order#43"
	c.Subs = append(c.Subs, second)
	m.SetContent(c)
	tab := tea.KeyMsg{Type: tea.KeyTab}
	m.Update(tab)
	if m.sub != 1 || !strings.Contains(m.View(), "▸ order#43") {
		t.Errorf("tab: subscription %d selected, view:\n%s", m.sub, m.View())
	}
	m.Update(tab) // wraps around
	if m.sub != 0 || !strings.Contains(m.View(), "▸ business_status#b1") {
		t.Errorf("tab again: subscription %d selected, view:\n%s", m.sub, m.View())
	}
	m.Update(tea.KeyMsg{Type: tea.KeyShiftTab})
	if m.sub != 1 {
		t.Errorf("shift+tab: subscription %d selected, want 1", m.sub)
	}
}

func TestTitleIsSanitized(t *testing.T) {
	id := "Conn\x1b]52;c;ZXZpbA==\x07\x1b[2J="
	m := opened(t, id)
	if strings.ContainsRune(m.Title(), '\x1b') || !strings.HasPrefix(m.Title(), "detail Conn") {
		t.Errorf("title %q carries an escape sequence", m.Title())
	}
	if v := m.View(); strings.ContainsAny(v, "\a") || strings.Contains(v, "\x1b]52") || strings.Contains(v, "\x1b[2J") {
		t.Errorf("view carries the id's escape sequence: %q", v)
	}
}
