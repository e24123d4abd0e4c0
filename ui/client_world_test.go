package ui

import (
	"context"
	"net/url"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/auth"
	"wsops/config"
	"wsops/internal/testrig"
	"wsops/ui/clientview"
	"wsops/wsclient"
)

func TestClientViewInTheConsole(t *testing.T) {
	r, _ := worldRig(t, 1, worldOptions{client: func(w *testrig.SandboxWorld) clientview.ProfileResolver {
		e := w.Sandbox.Endpoints()
		return func(_ context.Context, _ *config.Profile, id clientview.Identity) (clientview.Spec, error) {
			claims := auth.Claims{User: id.User, App: id.App, EntityType: "merchant"}
			q := url.Values{"token": {w.Token(claims)}, "platform": {"web"}}
			return clientview.Spec{Options: wsclient.Options{URL: e.WebSocketURL, Query: q}, User: id.User, App: id.App, EntityType: "merchant"}, nil
		}
	}})
	r.Send(runes(":client user=m-7,app=order-receiver"))
	r.Send(enter)
	r.until("the merchant's record", func(m Model) bool {
		return m.topName() == "client" && strings.Contains(m.View(), "user m-7  app order-receiver  entity merchant")
	})
	r.Send(runes("b"))
	r.until("the test broadcast", func(m Model) bool { return strings.Contains(m.View(), "test broadcast arrived") })

	// In the editor, the console's keys are the view's text: q does not
	// quit, / and : do not open the console's bars.
	r.Send(runes("e"))
	r.Keys(`{"q":":/"}`)
	if r.M.topName() != "client" || !strings.Contains(r.M.View(), `{"q":":/"}`) {
		t.Fatalf("typing in the editor reached the console:\n%s", r.M.View())
	}
	r.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	r.until("the reply to the typed message", func(m Model) bool { return strings.Contains(m.View(), `"message":"unknown action"`) })

	// esc leaves the editor, then the view; the client keeps running.
	r.Send(esc)
	r.Send(esc)
	if r.M.topName() != "conns" {
		t.Errorf("after esc esc: view %s", r.M.topName())
	}
	r.command(":client")
	if !strings.Contains(r.M.View(), "[1 m-7@order-receiver open]") {
		t.Errorf("the client did not keep running behind the other views:\n%s", r.M.View())
	}
}
