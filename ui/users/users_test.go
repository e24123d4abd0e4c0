package users

import (
	"slices"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/internal/uitest"
	"wsops/ui/confirm"
	"wsops/ui/feed"
	"wsops/ui/view"
)

// opened is the users view on top, with the fixture fleet from the feed.
func opened(t *testing.T) *Model {
	t.Helper()
	m := New(uitest.New(t, confirm.NewConfirmer(), uitest.Options{}).Common(t)).(*Model)
	m.SetSize(120, 20)
	uitest.Settle(m, m.Open(""))
	fl := fleet.New()
	fl.Add(uitest.Conns())
	_, cmd := m.Update(feed.ChangedMsg{Snap: fl.Snapshot()})
	uitest.Settle(m, cmd)
	return m
}

func TestRowPerUser(t *testing.T) {
	m := opened(t)
	if len(m.users) != 8 {
		t.Fatalf("%d users, want 8 (driver-0001 holds two connections)", len(m.users))
	}
	u := m.users[0] // most connections first
	if u.ID != "driver-0001" || u.Conns != 2 || !slices.Equal(u.Apps, []string{"customers", "drivers"}) {
		t.Errorf("first user %+v, want driver-0001 with 2 connections in customers and drivers", u)
	}
	if m.table.Len() != 8 {
		t.Errorf("table shows %d rows, want 8", m.table.Len())
	}
}

func TestEnterFiltersConnsByUser(t *testing.T) {
	m := opened(t)
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	got := uitest.Msgs(cmd)
	want := view.ApplyFilterMsg{Text: "user:driver-0001", Show: "conns"}
	if len(got) != 1 || got[0] != want {
		t.Errorf("enter yields %#v, want %#v", got, want)
	}
}

func TestFilterNarrowsUsers(t *testing.T) {
	m := opened(t)
	q, err := fleet.Parse("app:order-receiver")
	if err != nil {
		t.Fatal(err)
	}
	_, cmd := m.Update(view.FilterMsg{Query: q})
	uitest.Settle(m, cmd)
	var ids []string
	for _, u := range m.users {
		ids = append(ids, u.ID)
	}
	if want := []string{"merchant-0001", "merchant-0002", "merchant-0003"}; !slices.Equal(ids, want) {
		t.Errorf("app:order-receiver: users %v, want %v", ids, want)
	}
}

func TestNoSummingWhileCovered(t *testing.T) {
	m := opened(t)
	m.Update(view.TopMsg{Name: "conns"})
	fl := fleet.New()
	fl.Add(uitest.Conns()[:1])
	if _, cmd := m.Update(feed.ChangedMsg{Snap: fl.Snapshot()}); cmd != nil {
		t.Error("a snapshot was summed up while the view was covered")
	}
	uitest.Settle(m, m.Open(""))
	if len(m.users) != 1 {
		t.Errorf("%d users after opening again, want the newest snapshot's 1", len(m.users))
	}
}

func TestUncoveringShowsTheFilterSetMeanwhile(t *testing.T) {
	m := opened(t)
	m.Update(view.TopMsg{Name: "subs"}) // e.g. :subs over the users
	q, err := fleet.Parse("app:order-receiver")
	if err != nil {
		t.Fatal(err)
	}
	if _, cmd := m.Update(view.FilterMsg{Query: q}); cmd != nil {
		t.Error("the filter was applied while the view was covered")
	}
	_, cmd := m.Update(view.TopMsg{Name: "users"}) // esc back: the root sends no Open
	uitest.Settle(m, cmd)
	if len(m.users) != 3 {
		t.Errorf("%d users once uncovered, want the 3 merchants app:order-receiver keeps", len(m.users))
	}
}
