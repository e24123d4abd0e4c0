package clientview

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"wsops/auth"
	"wsops/config"
	"wsops/data"
	"wsops/internal/testrig"
	"wsops/internal/uitest"
	"wsops/mgmt"
	"wsops/ops"
	"wsops/ops/auditlog"
	"wsops/ui/styles"
	"wsops/wsclient"
)

// driver runs the view as the program would (uitest.Driver).
type driver struct{ *uitest.Driver[Model] }

func newDriver(t *testing.T, m Model) *driver {
	m.SetSize(120, 30)
	return &driver{uitest.Drive(t, m, Model.Update)}
}

// key sends a key to the model.
func (d *driver) key(k tea.KeyMsg) { d.Send(k) }

// until processes messages until cond holds.
func (d *driver) until(what string, cond func(Model) bool) {
	d.Until(what, cond, Model.View)
}

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// world is a sandbox with the view's dependencies pointed at it.
func world(t *testing.T, readOnly bool) (*testrig.SandboxWorld, Deps) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{})
	e := w.Sandbox.Endpoints()
	reg := data.NewRegistry(testrig.DynamoClient(e.DynamoDBURL), data.WizzSchema(), data.Options{})
	gw := mgmt.New(w.API)
	o, err := ops.New(ops.Deps{Registry: reg, Gateway: gw, Confirm: refuseAll{}, Audit: auditlog.New(filepath.Join(t.TempDir(), "audit.jsonl")),
		Policy: ops.Policy{Profile: "sb", ReadOnly: readOnly}, Caller: func(context.Context) (string, error) { return "sandbox", nil }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	resolve := func(_ context.Context, id Identity) (Spec, error) {
		claims := auth.Claims{User: id.User, App: id.App, EntityType: id.EntityType}
		return Spec{
			Options: wsclient.Options{URL: e.WebSocketURL, Query: url.Values{"token": {w.Token(claims)}, "platform": {"ios"}}},
			User:    id.User, App: id.App, EntityType: id.EntityType, Platform: "ios", Source: "minted",
		}, nil
	}
	return w, Deps{Ctx: ctx, Resolve: resolve, Ops: o,
		Messages: []config.Message{{Name: "subscribe", Data: `{"action":"subscribe_order","orderId":"{{orderId}}"}`}}}
}

// refuseAll is a confirmer that says no: the view's own broadcast needs none.
type refuseAll struct{}

func (refuseAll) Confirm(context.Context, ops.Plan, ops.Policy) error { return ops.ErrNotConfirmed }

func testStyles() styles.Styles {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	return styles.NewFor(r, styles.DefaultTheme())
}

func openMerchant(t *testing.T, d *driver) *tab {
	t.Helper()
	d.Run(d.M.Open(&Identity{User: "m-1", App: "order-receiver", EntityType: "merchant"}))
	d.until("the own record", func(m Model) bool { return m.current() != nil && m.current().own != nil })
	return d.M.current()
}

func TestConnectsFindsItsRecordAndGetsATestBroadcast(t *testing.T) {
	_, deps := world(t, false)
	d := newDriver(t, New(testStyles(), deps))
	tb := openMerchant(t, d)
	if tb.own.User != "m-1" || tb.own.App != "order-receiver" || len(tb.problems()) != 0 {
		t.Errorf("own record %+v, problems %v", tb.own, tb.problems())
	}
	d.key(runes("b"))
	d.until("the broadcast's arrival", func(m Model) bool { return !m.current().bcast.pending && m.current().bcast.posted })
	if r := d.M.current().bcast.result; !strings.HasPrefix(r, "test broadcast arrived ") {
		t.Fatalf("broadcast result %q", r)
	}
	v := d.M.View()
	for _, want := range []string{"[1 m-1@order-receiver open]", "registry record " + tb.own.ID, "problems: none", "test broadcast arrived", "wsops_test_broadcast"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, tb.spec.Options.Query.Get("token")) {
		t.Error("the view shows the token in full")
	}
}

func TestTestBroadcastRespectsReadOnly(t *testing.T) {
	_, deps := world(t, true)
	d := newDriver(t, New(testStyles(), deps))
	openMerchant(t, d)
	d.key(runes("b"))
	d.until("the refusal", func(m Model) bool { return m.current().bcast.failed })
	if r := d.M.current().bcast.result; !strings.Contains(r, "refused: the profile is read-only") {
		t.Errorf("result %q", r)
	}
}

func TestEditorSavedMessagesHistoryAndSearch(t *testing.T) {
	_, deps := world(t, false)
	d := newDriver(t, New(testStyles(), deps))
	openMerchant(t, d)

	// A saved message with a placeholder: the form asks for orderId.
	d.key(runes("m"))
	d.key(tea.KeyMsg{Type: tea.KeyEnter})
	if d.M.mode != modeFill {
		t.Fatalf("mode %v after picking a message with a placeholder", d.M.mode)
	}
	d.key(runes(`o-"9`))
	d.key(tea.KeyMsg{Type: tea.KeyEnter})
	if got := d.M.editor.Value(); got != `{"action":"subscribe_order","orderId":"o-\"9"}` {
		t.Fatalf("editor %q", got)
	}
	d.key(tea.KeyMsg{Type: tea.KeyCtrlS})
	d.until("the reply", func(m Model) bool { return strings.Contains(m.View(), `"topic":"order#o-\"9"`) })
	// The send's own end (which files the message in the history) may come
	// after the reply: both are answers of their own.
	d.until("the sent message in the history", func(m Model) bool {
		return len(m.history) > 0 && strings.Contains(m.history[len(m.history)-1], "subscribe_order")
	})

	// Too large: refused before sending, with the reason.
	d.M.editor.SetValue(`{"pad":"` + strings.Repeat("x", 200*1024) + `"}`)
	frames := d.M.current().frames
	d.key(tea.KeyMsg{Type: tea.KeyCtrlS})
	if !strings.Contains(d.M.status, "limit is 131072 bytes (128 KB): not sent") || d.M.current().frames != frames {
		t.Errorf("200 KB: status %q, frames %d → %d", d.M.status, frames, d.M.current().frames)
	}
	// Not JSON: refused.
	d.M.editor.SetValue(`{"action":`)
	d.key(tea.KeyMsg{Type: tea.KeyCtrlS})
	if !strings.HasPrefix(d.M.status, "not valid JSON") {
		t.Errorf("invalid JSON: status %q", d.M.status)
	}
	// History brings back the sent message.
	d.key(tea.KeyMsg{Type: tea.KeyCtrlP})
	if got := d.M.editor.Value(); !strings.Contains(got, "subscribe_order") {
		t.Errorf("history recalled %q", got)
	}
	d.key(tea.KeyMsg{Type: tea.KeyEsc})

	// Search keeps only matching lines.
	d.key(runes("/"))
	d.key(runes("subscribed"))
	d.key(tea.KeyMsg{Type: tea.KeyEnter})
	tl := strings.Join(d.M.timeline(d.M.current(), 20), "\n")
	if !strings.Contains(tl, `"type":"subscribed"`) || strings.Contains(tl, "connected (connection 1)") {
		t.Errorf("search timeline:\n%s", tl)
	}
}

func TestTabs(t *testing.T) {
	_, deps := world(t, false)
	d := newDriver(t, New(testStyles(), deps))
	openMerchant(t, d)
	d.Run(d.M.Open(&Identity{User: "d-1", App: "drivers", EntityType: "driver"}))
	d.until("a second tab with its record", func(m Model) bool { return len(m.tabs) == 2 && m.current().own != nil })
	if d.M.current().own.User != "d-1" {
		t.Errorf("tab 2 found %+v", d.M.current().own)
	}
	d.key(tea.KeyMsg{Type: tea.KeyTab})
	if d.M.current().spec.User != "m-1" {
		t.Errorf("tab moves to %s", d.M.current().spec.User)
	}
	d.key(runes("d"))
	d.until("tab 1 closed", func(m Model) bool { return m.tabs[0].state == wsclient.StateClosed })
	if !strings.Contains(d.M.tabs[0].last, "1000 normal closure") {
		t.Errorf("closed as %q", d.M.tabs[0].last)
	}
	if d.M.tabs[1].state != wsclient.StateOpen {
		t.Error("disconnecting tab 1 closed tab 2")
	}
	// c connects the closed client again, as a new tab with the same identity.
	d.key(runes("c"))
	d.until("m-1 connected again with its record", func(m Model) bool {
		c := m.current()
		return len(m.tabs) == 2 && c.spec.User == "m-1" && c.state == wsclient.StateOpen && c.own != nil
	})
}

func TestProblemsCompareTheRecordWithTheToken(t *testing.T) {
	tb := &tab{spec: Spec{User: "m-1", EntityType: "merchant"},
		own: &data.Connection{User: "m-1", EntityType: "customer", Problems: []string{`entityType "customer" but appId order-receiver`}}}
	got := strings.Join(tb.problems(), "; ")
	if !strings.Contains(got, `but appId order-receiver`) || !strings.Contains(got, `registry says entityType "customer", the token says "merchant"`) {
		t.Errorf("problems %q", got)
	}
}

func TestPlaceholders(t *testing.T) {
	tmpl := `{"orderId":"{{orderId}}","n":{{count}},"again":"x{{ orderId }}"}`
	if got := placeholders(tmpl); strings.Join(got, ",") != "orderId,count" {
		t.Errorf("placeholders %v", got)
	}
	got := fillPlaceholders(tmpl, map[string]string{"orderId": `a"b\`, "count": "3"})
	if want := `{"orderId":"a\"b\\","n":3,"again":"xa\"b\\"}`; got != want {
		t.Errorf("filled %s, want %s", got, want)
	}
}

func TestParseIdentity(t *testing.T) {
	id, err := ParseIdentity("user=u-1,app=order-receiver entity=merchant,platform=ios")
	if err != nil || id.User != "u-1" || id.App != "order-receiver" || id.EntityType != "merchant" || id.Platform != "ios" {
		t.Errorf("%+v %v", id, err)
	}
	if _, err := ParseIdentity("nope"); err == nil {
		t.Error("a bare word parsed")
	}
}

func TestApplyOptions(t *testing.T) {
	var s Spec
	if err := applyOptions(&s, Identity{Ping: "250ms", Reconnect: "yes"}); err != nil || s.Options.Ping != 250*time.Millisecond || !s.Options.Reconnect {
		t.Errorf("options %+v, %v", s.Options, err)
	}
	for _, bad := range []Identity{{Ping: "soon"}, {Ping: "-1s"}, {Reconnect: "maybe"}} {
		if err := applyOptions(&Spec{}, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
