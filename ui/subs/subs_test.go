package subs

import (
	"context"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/internal/uitest"
	"wsops/ui/confirm"
	"wsops/ui/view"
)

// harness drives the subscriptions view, keeping every message it got.
type harness struct {
	d    *uitest.Driver[*Model]
	seen []tea.Msg
}

func drive(t *testing.T, c *view.Common) *harness {
	m := New(c).(*Model)
	m.SetSize(120, 20)
	h := &harness{}
	h.d = uitest.Drive(t, m, func(m *Model, msg tea.Msg) (*Model, tea.Cmd) {
		h.seen = append(h.seen, msg)
		_, cmd := m.Update(msg)
		return m, cmd
	})
	return h
}

func common(t *testing.T) *view.Common {
	return uitest.New(t, confirm.NewConfirmer(), uitest.Options{}).Common(t)
}

// opened is the view after its first read.
func opened(t *testing.T) *harness {
	t.Helper()
	h := drive(t, common(t))
	h.d.Run(h.d.M.Open(""))
	h.d.Until("the 4 subscriptions", func(m *Model) bool { return !m.load.busy }, (*Model).View)
	if n := h.d.M.src.Len(); n != 4 {
		t.Fatalf("%d subscriptions read, want 4:\n%s", n, h.d.M.View())
	}
	return h
}

func keys(m *Model) []string {
	var ks []string
	for _, r := range m.src.rows {
		ks = append(ks, m.src.snap.Sub(int(r)).ConnectionID)
	}
	return ks
}

func TestOpenReadsThroughOps(t *testing.T) {
	m := opened(t).d.M
	want := []string{"Conn00000000005=", "Conn00000000001=", "Conn00000000003=", "Conn00000000006="} // by key, then connection
	if got := keys(m); !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	if v := m.View(); !strings.Contains(v, "order#42") || !strings.Contains(v, "business_status#b1") {
		t.Errorf("view lacks the keys:\n%s", v)
	}
}

func TestLiveFilterRefiltersWithoutReading(t *testing.T) {
	h := opened(t)
	m := h.d.M
	seq := m.load.seq
	for _, text := range []string{"topic:order#42", "customer-0001"} {
		q, err := fleet.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		_, cmd := m.Update(view.FilterMsg{Query: q, Live: true})
		uitest.Settle(m, cmd)
		if m.load.seq != seq || !m.pushed.Same(fleet.Query{}.Select()) {
			t.Errorf("%s: a live filter read again (pushed %+v)", text, m.pushed)
		}
	}
	if got := keys(m); !slices.Equal(got, []string{"Conn00000000003="}) {
		t.Errorf("rows under \"customer-0001\": %v", got)
	}
	q, _ := fleet.Parse("topic:order#42")
	h.d.Send(view.FilterMsg{Query: q}) // submitted: pushed down to the registry
	h.d.Until("the read of topic order#42", func(m *Model) bool { return !m.load.busy }, (*Model).View)
	if m.load.seq == seq || m.pushed.Topic != "order#42" || len(keys(m)) != 3 {
		t.Errorf("a submitted filter: pushed %+v, rows %v", m.pushed, keys(m))
	}
}

func TestEnterOpensTheConnection(t *testing.T) {
	m := opened(t).d.M
	m.Update(tea.KeyMsg{Type: tea.KeyDown})
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	want := view.OpenMsg{Name: "detail", Arg: "Conn00000000001="}
	if got := uitest.Msgs(cmd); len(got) != 1 || got[0] != want {
		t.Errorf("enter on the second row yields %#v, want %#v", got, want)
	}
}

func TestFailedReadSaysSo(t *testing.T) {
	c := common(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	c.Ctx = ctx
	h := drive(t, c)
	h.d.Run(h.d.M.Open(""))
	h.d.Until("an error status", func(*Model) bool {
		return slices.ContainsFunc(h.seen, func(msg tea.Msg) bool {
			st, ok := msg.(view.StatusMsg)
			return ok && st.Err && strings.HasPrefix(st.Text, "reading subscriptions: ")
		})
	}, (*Model).View)
	if h.d.M.load.busy || h.d.M.src.Len() != 0 {
		t.Errorf("after a failed read: busy %v, %d rows", h.d.M.load.busy, h.d.M.src.Len())
	}
}

func TestRefreshReadsOnlyOnTop(t *testing.T) {
	m := opened(t).d.M
	m.Update(view.TopMsg{Name: "conns"})
	if _, cmd := m.Update(view.RefreshMsg{}); cmd != nil {
		t.Error("a refresh read while the view was covered")
	}
	m.Update(view.TopMsg{Name: "subs"})
	if _, cmd := m.Update(view.RefreshMsg{}); cmd == nil || !m.load.busy {
		t.Error("a refresh on top did not read")
	}
}

// A filter typed while the view is covered (the details over it) applies
// when it is back on top.
func TestFilterChangedWhileCoveredAppliesBackOnTop(t *testing.T) {
	h := opened(t)
	h.d.Send(view.TopMsg{Name: "detail"})
	q, _ := fleet.Parse("customer-0001")
	h.d.Send(view.FilterMsg{Query: q})
	if len(keys(h.d.M)) != 4 {
		t.Fatalf("a covered view filtered: %v", keys(h.d.M))
	}
	h.d.Send(view.TopMsg{Name: "subs"})
	h.d.Until("the rows under the new filter", func(m *Model) bool { return len(keys(m)) == 1 }, (*Model).View)
}

// A filter typed while the first read runs is the one its rows show.
func TestLiveFilterDuringAReadFiltersItsRows(t *testing.T) {
	h := drive(t, common(t))
	h.d.Run(h.d.M.Open(""))
	q, _ := fleet.Parse("customer-0001")
	h.d.Send(view.FilterMsg{Query: q, Live: true}) // before the read landed
	h.d.Until("the read", func(m *Model) bool { return !m.load.busy && m.filtering == 0 }, (*Model).View)
	if got := keys(h.d.M); !slices.Equal(got, []string{"Conn00000000003="}) {
		t.Errorf("rows %v, want the customer's alone", got)
	}
}
