package ui

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/auth"
	"wsops/config"
	"wsops/ui/clientview"
	"wsops/ui/cmdbar"
	"wsops/wsclient"
)

// clientPump runs the :client view's commands as the program would and
// feeds their messages back through the root model.
type clientPump struct {
	t    *testing.T
	m    Model
	msgs chan tea.Msg
}

func (p *clientPump) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				p.run(c)
			}
			return
		}
		switch msg.(type) {
		case clientview.SpecMsg, clientview.EventMsg, clientview.OwnMsg, clientview.BroadcastMsg, clientview.SentMsg, cmdbar.SubmitMsg:
			p.msgs <- msg // the rest (scans, blinks, the cmdbar's) is not this test's
		}
	}()
}

func (p *clientPump) send(msg tea.Msg) {
	next, cmd := p.m.Update(msg)
	p.m = next.(Model)
	p.run(cmd)
}

func (p *clientPump) until(what string, cond func(view string) bool) {
	p.t.Helper()
	deadline := time.NewTimer(worldWait)
	defer deadline.Stop()
	for !cond(p.m.View()) {
		select {
		case msg := <-p.msgs:
			p.send(msg)
		case <-deadline.C:
			p.t.Fatalf("no %s within %v:\n%s", what, worldWait, p.m.View())
		}
	}
}

func TestClientViewInTheConsole(t *testing.T) {
	m, w := worldConsole(t, 1)
	e := w.Sandbox.Endpoints()
	m.opt.Client = func(_ context.Context, _ *config.Profile, id clientview.Identity) (clientview.Spec, error) {
		claims := auth.Claims{User: id.User, App: id.App, EntityType: "merchant"}
		q := url.Values{"token": {w.Token(claims)}, "platform": {"web"}}
		return clientview.Spec{Options: wsclient.Options{URL: e.WebSocketURL, Query: q}, User: id.User, App: id.App, EntityType: "merchant"}, nil
	}
	m.client.SetDeps(m.clientDeps())
	p := &clientPump{t: t, m: m, msgs: make(chan tea.Msg, 64)}
	p.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(":client user=m-7,app=order-receiver")})
	p.send(tea.KeyMsg{Type: tea.KeyEnter})
	p.until("the merchant's record", func(v string) bool {
		return strings.Contains(v, "client") && strings.Contains(v, "user m-7  app order-receiver  entity merchant")
	})
	p.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("b")})
	p.until("the test broadcast", func(v string) bool { return strings.Contains(v, "test broadcast arrived") })

	// In the editor, the console's keys are the view's text: q does not
	// quit, / and : do not open the console's bars.
	p.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("e")})
	for _, r := range `{"q":":/"}` {
		p.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	if p.m.top() != viewClient || !strings.Contains(p.m.View(), `{"q":":/"}`) {
		t.Fatalf("typing in the editor reached the console:\n%s", p.m.View())
	}
	p.send(tea.KeyMsg{Type: tea.KeyCtrlS})
	p.until("the reply to the typed message", func(v string) bool { return strings.Contains(v, `"message":"unknown action"`) })

	// esc leaves the editor, then the view; the client keeps running.
	p.send(tea.KeyMsg{Type: tea.KeyEsc})
	p.send(tea.KeyMsg{Type: tea.KeyEsc})
	if p.m.top() != viewConns || p.m.client.Tabs() != 1 {
		t.Errorf("after esc esc: view %v, %d tabs", viewNames[p.m.top()], p.m.client.Tabs())
	}
}
