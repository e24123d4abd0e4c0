package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"wsops/internal/uitest"
	"wsops/ui/apiview"
)

// apiRig is the console on the fixture, its API's control plane ctl, once
// the fleet is scanned and probed and the first metrics read (or failed),
// at width×height.
func apiRig(t *testing.T, ctl *uitest.Control, width, height int) *rig {
	t.Helper()
	r := newRig(t, uitest.Options{Deps: ctl.Deps})
	r.until("the probe's pass and the metrics", func(m Model) bool {
		ms := m.metrics.State()
		return !m.feed.Header().ProbedAt.IsZero() && !m.feed.Header().Probing && !ms.Fetching && (ms.Report != nil || ms.Err != nil)
	})
	r.Send(tea.WindowSizeMsg{Width: width, Height: height})
	return r
}

// api is the API view.
func (m Model) api() *apiview.Model { return m.views["api"].(*apiview.Model) }

// TestGoldenAPIAtEverySize draws :api at each size: the API, its five
// warnings (the heartbeat route's throttling is below what the registry's
// nine connections send), the stage, the traffic beside the registry's
// count, and the routes; the header shows the metrics strip where the
// terminal is tall enough.
func TestGoldenAPIAtEverySize(t *testing.T) {
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			r := apiRig(t, uitest.NewControl(), size[0], size[1])
			r.command("api")
			r.until("the API", func(m Model) bool { return strings.HasSuffix(m.api().Note(), "· 5 warnings") })
			screen := r.M.View()
			checkScreen(t, "api", screen, size[0], size[1])
			if n := len(strings.Split(screen, "\n")); n != size[1] {
				t.Errorf("%d lines on a %d-line terminal", n, size[1])
			}
			if strip := strings.Contains(screen, "messages/min"); strip != (size[1] >= stripMinHeight) {
				t.Errorf("%d lines high: metrics strip shown %v", size[1], strip)
			}
			golden.RequireEqual(t, []byte(screen))
		})
	}
}

// TestGoldenAPIDenied: credentials that may not read apigatewayv2 (so
// neither the API nor, lacking its id, its metrics), or only CloudWatch.
// The view says so in plain words, naming the IAM action; with no metrics
// at all, the header's strip says only "metrics: n/a".
func TestGoldenAPIDenied(t *testing.T) {
	for _, c := range []struct {
		name    string
		gateway bool
		want    []string
	}{
		{"apigateway", true, []string{"metrics: n/a", "AWS refused the call", "apigateway:GET"}},
		{"cloudwatch", false, []string{"metrics: n/a", "Warnings (5)", "AWS refused the call", "cloudwatch:GetMetricData"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctl := uitest.NewControl()
			ctl.Fail(nil, uitest.Denied())
			if c.gateway {
				ctl.Fail(uitest.Denied(), uitest.Denied())
			}
			r := apiRig(t, ctl, 120, 40)
			r.command("api")
			r.until("the API view", func(m Model) bool { n := m.api().Note(); return n != "" && !strings.Contains(n, "reading") })
			screen := r.M.View()
			checkScreen(t, "api", screen, 120, 40)
			for _, want := range c.want {
				if !strings.Contains(screen, want) {
					t.Errorf("screen lacks %q", want)
				}
			}
			golden.RequireEqual(t, []byte(screen))
		})
	}
}

// TestGoldenConnectionsWithMetricsStrip: the connections view, the header
// with its metrics strip.
func TestGoldenConnectionsWithMetricsStrip(t *testing.T) {
	r := apiRig(t, uitest.NewControl(), 120, 40)
	screen := r.M.View()
	checkScreen(t, "conns", screen, 120, 40)
	golden.RequireEqual(t, []byte(screen))
}

// When the API cannot be read, every other view keeps working: the
// connections, subscriptions and users are listed, details read, and no
// error is left in the status line or the header.
func TestOtherViewsWorkWhenTheAPICannotBeRead(t *testing.T) {
	ctl := uitest.NewControl()
	ctl.Fail(uitest.Denied(), uitest.Denied())
	r := apiRig(t, ctl, 160, 45)
	r.command("api")
	r.until("the denial", func(m Model) bool { return m.api().Note() == "cannot read the API" })
	r.command("users")
	r.until("the users", func(m Model) bool { return strings.Contains(m.views["users"].View(), "driver-0001") })
	r.command("subs")
	r.until("the subscriptions", func(m Model) bool { return strings.Contains(m.views["subs"].View(), "business_status#b1") })
	r.command("detail Conn00000000006=")
	r.until("the details", func(m Model) bool { return strings.Contains(m.views["detail"].View(), "Subscriptions (1)") })
	r.Send(esc)
	r.command("conns")
	screen := r.M.View()
	if !strings.Contains(screen, "conns  9 rows") || r.M.statusErr {
		t.Errorf("conns after the denial (status error %v):\n%s", r.M.statusErr, screen)
	}
	if strings.Contains(screen, "denied") || strings.Contains(screen, "AccessDenied") {
		t.Errorf("the denial leaks out of :api:\n%s", screen)
	}
}
