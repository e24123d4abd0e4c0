package ui

import (
	"slices"
	"strings"
	"testing"

	"wsops/internal/uitest"
	"wsops/ui/confirm"
)

// this27Rig is the console on the this27 fleet, its registry in MongoDB.
func this27Rig(t *testing.T) *rig {
	t.Helper()
	c := confirm.NewConfirmer()
	return rigOn(t, uitest.NewThis27(t, c, uitest.Options{}), c, len(uitest.This27Docs()))
}

// The console on a MongoDB registry: every document once, the rider
// written as customer and the malformed document flagged, the app × role
// matrix, a room's members through a topic filter the store answers, the
// rooms as subscriptions, the users, and a document's rooms in its details.
func TestConsoleOnThis27MongoDB(t *testing.T) {
	r := this27Rig(t)
	h := r.M.feed.Header()
	if h.Summary.Total != 6 || h.Summary.Problems != 2 {
		t.Errorf("summary %+v: want 6 documents, 2 with problems", h.Summary)
	}
	v := r.M.View()
	for _, want := range []string{"rider-app", "manager-web", "customer-app", "breaks the app rule", "Room00000000006=", "! 2 problems"} {
		if !strings.Contains(v, want) {
			t.Errorf("the connections view lacks %q:\n%s", want, v)
		}
	}

	r.filter("topic:order:order123")
	r.until("the room's members", func(m Model) bool { return !m.feed.Header().Scanning && m.conns().Len() == 3 })
	ids := slices.Sorted(slices.Values(r.M.conns().Window(10)))
	if want := []string{"Room00000000001=", "Room00000000002=", "Room00000000003="}; !slices.Equal(ids, want) {
		t.Errorf("topic:order:order123 shows %v, want %v", ids, want)
	}

	r.filter("")
	r.until("the whole fleet again", func(m Model) bool { return scanned(m, 6) })
	r.command("subs")
	r.until("the rooms as subscriptions", func(m Model) bool {
		v := m.View()
		return m.topName() == "subs" && strings.Count(v, "order:order7") == 2 && strings.Count(v, "order:order123") == 3
	})
	r.command("users")
	r.until("the users", func(m Model) bool {
		v := m.View()
		return m.topName() == "users" && strings.Contains(v, "rider-0002") && strings.Contains(v, "manager-0001")
	})
	r.command("conns")
	r.filter("user:manager-0001")
	r.until("the manager alone", func(m Model) bool { return m.conns().Len() == 1 })
	r.Send(enter)
	r.until("the manager's details with its room", func(m Model) bool {
		v := m.View()
		return m.topName() == "detail" && strings.Contains(v, "detail Room00000000004=") && strings.Contains(v, "order:order7")
	})
}
