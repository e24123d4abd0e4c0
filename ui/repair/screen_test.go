package repair

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/uitest"
	"wsops/ui/action"
	"wsops/ui/confirm"
	"wsops/ui/view"
)

// planned is the repair view in the console, opened with no rule named
// (every rule of the profile and its schema), after its plan was read from
// the fixture (whose merchant-0002 is registered as a customer).
func planned(t *testing.T) *screen {
	t.Helper()
	f := uitest.New(t, confirm.NewConfirmer(), uitest.Options{})
	s := Def.New(f.Common(t)).(*screen)
	s.SetSize(120, 30)
	uitest.Settle(s, s.Open(""))
	if len(s.Model.plan.Changes) < 2 {
		t.Fatalf("fewer than 2 changes planned:\n%s", s.View())
	}
	return s
}

func TestOpenPlansWithTheProfilesRules(t *testing.T) {
	s := planned(t)
	v := s.View()
	if !strings.Contains(v, "Repair plan") || !strings.Contains(v, "Conn00000000006=") {
		t.Errorf("view lacks the plan or merchant-0002's record:\n%s", v)
	}
	if s.Title() != "repair" {
		t.Errorf("title %q", s.Title())
	}
}

func TestApplyStartsARepair(t *testing.T) {
	s := planned(t)
	_, cmd := s.Update(press("A"))
	apply, ok := only(uitest.Msgs(cmd)).(ApplyMsg)
	if !ok || len(apply.Selected) != len(s.Model.plan.Changes) {
		t.Fatalf("A yields %#v, want an ApplyMsg of every change", apply)
	}
	_, cmd = s.Update(apply) // the root broadcasts it back
	out := uitest.Msgs(cmd)
	want := fmt.Sprintf("repair: %d changes", len(s.Model.plan.Changes))
	if st, ok := only(out).(action.StartMsg); !ok || st.Do == nil || st.Title != want {
		t.Errorf("apply yields %#v, want a StartMsg titled %q", out, want)
	}
	s.Update(press("a")) // select none, then the first change only
	s.Update(press(" "))
	_, cmd = s.Update(press("A"))
	_, cmd = s.Update(only(uitest.Msgs(cmd)))
	if st, ok := only(uitest.Msgs(cmd)).(action.StartMsg); !ok || st.Title != "repair: 1 change" {
		t.Errorf("apply of one change yields %#v", st)
	}
}

func TestDoneReplansOnlyOnTop(t *testing.T) {
	s := planned(t)
	s.Update(view.TopMsg{Name: "conns"})
	if _, cmd := s.Update(action.DoneMsg{Action: "repair"}); cmd != nil {
		t.Error("a repair's end re-planned while the view was covered")
	}
	if s.state != "" {
		t.Errorf("the plan shown was dropped: %q", s.state)
	}
	s.Update(view.TopMsg{Name: "repair"})
	if _, cmd := s.Update(action.DoneMsg{Action: "send"}); cmd != nil {
		t.Error("another action's end re-planned")
	}
	_, cmd := s.Update(action.DoneMsg{Action: "repair"})
	if cmd == nil || !strings.Contains(s.View(), "planning") {
		t.Fatalf("a repair's end on top did not plan again:\n%s", s.View())
	}
	uitest.Settle(s, cmd)
	if !strings.Contains(s.View(), "Repair plan") {
		t.Errorf("no plan after planning again:\n%s", s.View())
	}
}

// only is the one message of out (nil: none, or several).
func only(out []tea.Msg) tea.Msg {
	if len(out) != 1 {
		return nil
	}
	return out[0]
}
