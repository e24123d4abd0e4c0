package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"wsops/internal/uitest"
	"wsops/ui/detail"
	"wsops/ui/logsview"
	"wsops/ui/trail"
)

// logsControl is the fake control plane with a traceable access log and
// CloudWatch Logs holding an hour of the fixture fleet's requests.
func logsControl() *uitest.Control {
	ctl := uitest.NewControl()
	ctl.AccessFormat = uitest.TraceableFormat
	ctl.Logs = uitest.NewLogs(uitest.LogTraffic()...)
	return ctl
}

// logsView is the logs view; detailView the detail.
func (m Model) logsView() *logsview.Model { return m.views["logs"].(*logsview.Model) }
func (m Model) detailView() *detail.Model { return m.views["detail"].(*detail.Model) }

// plantedToken is the part of LogTraffic's token no screen may show.
const plantedToken = "eyJzdWIiOiJtZXJjaGFudC0wMDAyIn0"

// TestGoldenLogsAtEverySize draws :logs tailing the fixture's logs, the
// filter status:5xx applied, paused, with a request's lines held that came
// while paused.
func TestGoldenLogsAtEverySize(t *testing.T) {
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			ctl := logsControl()
			r := apiRig(t, ctl, size[0], size[1])
			r.command("logs")
			r.until("the logs of the last minute", func(m Model) bool { held, _ := m.logsView().Lines(); return held == 6 })
			ctl.Logs.Put(uitest.Request(fixedNow.Add(-20*time.Second), "Conn00000000009=", "Late0000001=", "0000000a-7b7d-4b1e-9d8e-00000000000a",
				"MESSAGE", "subscribe_order", "500", "subscribe failed: timeout")...)
			r.until("the new request", func(m Model) bool { held, _ := m.logsView().Lines(); return held == 12 })
			r.filter("status:5xx")
			r.Send(runes(" "))
			ctl.Logs.Put(uitest.Request(fixedNow.Add(-10*time.Second), "Conn00000000005=", "Late0000002=", "0000000b-7b7d-4b1e-9d8e-00000000000b",
				"MESSAGE", "subscribe_order", "504", "subscribe failed: timeout")...)
			r.until("the lines held while paused", func(m Model) bool { came, _ := m.logsView().Held(); return came == 6 })
			screen := r.M.View()
			checkScreen(t, "logs", screen, size[0], size[1])
			if n := len(strings.Split(screen, "\n")); n != size[1] {
				t.Errorf("%d lines on a %d-line terminal", n, size[1])
			}
			for _, want := range []string{"filter: status:5xx", "6 of 12 lines · paused", "PAUSED: 6 new lines held"} {
				if !strings.Contains(screen, want) {
					t.Errorf("screen lacks %q", want)
				}
			}
			if strings.Contains(screen, "Late0000002=") {
				t.Error("a line that came while paused is on screen")
			}
			golden.RequireEqual(t, []byte(screen))
		})
	}
}

// TestGoldenDetailTrailAtEverySize draws the detail of the incident's
// merchant with its trail: its two requests of the last hour, grouped,
// newest at the bottom, following live; the token its handler logged
// redacted.
func TestGoldenDetailTrailAtEverySize(t *testing.T) {
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			r := apiRig(t, logsControl(), size[0], size[1])
			r.command("detail Conn00000000006=")
			r.until("the details and the trail", func(m Model) bool {
				tr := m.detailView().Trail()
				return strings.Contains(m.detailView().View(), "Live:") && tr.State() == trail.Following && tr.Notice() != ""
			})
			screen := r.M.View()
			checkScreen(t, "detail", screen, size[0], size[1])
			if n := len(strings.Split(screen, "\n")); n != size[1] {
				t.Errorf("%d lines on a %d-line terminal", n, size[1])
			}
			if !strings.Contains(screen, "Trail  last hour · 2 requests · following live") || strings.Contains(screen, plantedToken) {
				t.Errorf("screen:\n%s", screen)
			}
			golden.RequireEqual(t, []byte(screen))
		})
	}
}

// enter on a line of :logs opens its connection's detail, whose trail
// follows while the logs' tail stops; esc goes back to the logs, which
// tail again, and the trail stops.
func TestLogsEnterOpensTheLinesConnection(t *testing.T) {
	ctl := logsControl()
	ctl.Logs.Put(uitest.Request(fixedNow.Add(-10*time.Second), "Conn00000000006=", "Near000001=", "0000000c-7b7d-4b1e-9d8e-00000000000c",
		"MESSAGE", "heartbeat", "200", "heartbeat_ack")...)
	r := apiRig(t, ctl, 160, 45)
	r.command("logs")
	r.until("the logs", func(m Model) bool { held, _ := m.logsView().Lines(); return held == 12 })
	r.Send(enter) // the newest line: the access line of Near000001=
	r.until("the detail and its trail", func(m Model) bool {
		return m.topName() == "detail" && m.detailView().Trail().State() == trail.Following
	})
	if r.M.logsView().Tailing() {
		t.Error("the logs still tail under the detail")
	}
	if got := strings.Join(r.M.stackNames(), " › "); got != "conns › logs › detail" {
		t.Errorf("stack %s", got)
	}
	if n := len(r.M.detailView().Trail().Requests()); n != 3 {
		t.Errorf("the trail of Conn00000000006= holds %d requests, want 3", n)
	}
	r.Send(esc)
	if r.M.topName() != "logs" || !r.M.logsView().Tailing() || r.M.detailView().Trail().Running() {
		t.Errorf("esc: on %s, logs tailing %v, trail running %v", r.M.topName(), r.M.logsView().Tailing(), r.M.detailView().Trail().Running())
	}
	if strings.Contains(r.M.View(), plantedToken) {
		t.Error("the planted token is on screen")
	}
}

// stackNames are the names of the views shown, the top last.
func (m Model) stackNames() []string { return append([]string(nil), m.stack...) }

// A profile switch ends the old session's tails: the :logs tail's and
// the trail's calls held on the old endpoint return.
func TestSessionSwitchStopsTheTails(t *testing.T) {
	for _, open := range []string{"logs", "detail Conn00000000006="} {
		t.Run(strings.Fields(open)[0], func(t *testing.T) {
			ctl := logsControl()
			entered, release := ctl.Logs.Hold()
			defer release()
			r := apiRig(t, ctl, 160, 45)
			r.command(open)
			r.until("a tail or trail", func(m Model) bool { return m.logsView().Tailing() || m.detailView().Trail().Running() })
			receive(t, entered, "a call held on the logs endpoint")
			r.Send(sessionMsg{name: "other", sess: Session{Profile: r.fx.Profile, Ops: uitest.New(t, r.c, uitest.Options{}).Ops}})
			receive(t, ctl.Logs.Left(), "the held call's return, its session ended")
			if r.M.logsView().Tailing() || r.M.detailView().Trail().Running() {
				t.Error("the new session's views tail unasked")
			}
		})
	}
}

// receive waits for a value on ch, failing t after uitest.Wait.
func receive(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	deadline := time.NewTimer(uitest.Wait)
	defer deadline.Stop()
	select {
	case <-ch:
	case <-deadline.C:
		t.Fatalf("no %s within %v", what, uitest.Wait)
	}
}

// The help of :logs says how many lines the tail keeps.
func TestLogsHelpSaysTheBound(t *testing.T) {
	r := apiRig(t, logsControl(), 120, 40)
	r.command("logs")
	r.Send(runes("?"))
	screen := r.M.View()
	for _, want := range []string{"space", "pause/resume (the tail keeps the last 5000 lines)", "details and trail of the line's connection", ":logs"} {
		if !strings.Contains(screen, want) {
			t.Errorf("help lacks %q:\n%s", want, screen)
		}
	}
}

// route: and status: are the logs' keys: on a view of the registry, the
// status line says they filter log lines, and no row is lost.
func TestLogKeysOnARegistryViewSaySo(t *testing.T) {
	r := newRig(t, uitest.Options{})
	r.filter("status:5xx")
	if !strings.Contains(r.M.status, "route: and status: filter log lines (:logs)") || r.M.statusErr {
		t.Errorf("status %q (error %v)", r.M.status, r.M.statusErr)
	}
	r.until("the rows", func(m Model) bool { return m.conns().Len() == 9 })
	r.filter("status:5x")
	if !r.M.statusErr || !strings.Contains(r.M.status, "want a code (403) or a class (5xx)") {
		t.Errorf("a bad status: status %q", r.M.status)
	}
}
