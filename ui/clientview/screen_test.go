package clientview

import (
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/uitest"
	"wsops/ui/confirm"
	"wsops/ui/view"
)

// newScreen is the :client view of the console with no test client
// resolver, on the fixture.
func newScreen(t *testing.T) *screen {
	s := Define(nil).New(uitest.New(t, confirm.NewConfirmer(), uitest.Options{}).Common(t)).(*screen)
	s.SetSize(120, 30)
	return s
}

func errStatus(msgs []tea.Msg, prefix string) bool {
	return slices.ContainsFunc(msgs, func(msg tea.Msg) bool {
		st, ok := msg.(view.StatusMsg)
		return ok && st.Err && strings.HasPrefix(st.Text, prefix)
	})
}

func TestOpenShowsTheFormThatCapturesKeys(t *testing.T) {
	s := newScreen(t)
	q, ctrlC := runes("q"), tea.KeyMsg{Type: tea.KeyCtrlC}
	if s.Captures(q) {
		t.Error("q captured with no form open")
	}
	s.Open("")
	if v := s.View(); !strings.Contains(v, "New test client") || !strings.Contains(v, "sandbox-user") {
		t.Errorf("the form with the sandbox defaults is not shown:\n%s", v)
	}
	if !s.Captures(q) || s.Captures(ctrlC) {
		t.Errorf("form open: captures q %v (want true), ctrl+c %v (want false)", s.Captures(q), s.Captures(ctrlC))
	}
	s.Update(tea.KeyMsg{Type: tea.KeyEsc})
	if s.Captures(q) || !s.Captures(runes("/")) {
		t.Error("after esc: q still captured, or the search key not")
	}
}

func TestOpenWithABadIdentity(t *testing.T) {
	s := newScreen(t)
	if msgs := uitest.Msgs(s.Open("bogus=1")); !errStatus(msgs, "client: bogus=1: want user=U") || len(msgs) != 1 {
		t.Errorf("Open(bogus=1) yields %#v, want an error status", msgs)
	}
	if s.Capturing() || s.Tabs() != 0 {
		t.Error("a bad identity opened the form or a client")
	}
}

func TestOpenWithNoResolverSaysSo(t *testing.T) {
	s := newScreen(t)
	msgs := uitest.Settle(s, s.Open("user=u1,app=drivers"))
	if !errStatus(msgs, "the test client is not available") || s.Tabs() != 0 {
		t.Errorf("Open with no resolver yields %#v and %d clients", msgs, s.Tabs())
	}
}
