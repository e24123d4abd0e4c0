package confirm

import (
	"context"
	"errors"
	"strings"
	"testing"

	"wsops/internal/uitest"
	"wsops/ops"
)

// newModel is a dialog rendering plain text: the answer field's cursor and
// prompt use lipgloss's default renderer, so it is set to ASCII too (no
// escape in a view then comes from styling).
func newModel(t *testing.T) Model {
	t.Helper()
	m := New(uitest.PlainStyles())
	m.SetSize(100, 30)
	return m
}

// typed sends text a key per rune; the cursor's blink commands are not run.
func typed(m Model, text string) Model {
	for _, r := range text {
		m, _ = m.Update(uitest.Key(string(r)))
	}
	return m
}

func plan() ops.Plan {
	return ops.Plan{Action: "send", Filter: "app drivers", PayloadSize: 1536, Radius: ops.Radius{Total: 12, Cells: map[ops.AppEntity]int{
		{App: "drivers", EntityType: "driver"}:     8,
		{App: "customers", EntityType: "customer"}: 3,
		{App: "", EntityType: "merchant"}:          1,
	}}}
}

var (
	sandbox    = ops.Policy{Profile: "sandbox"}
	production = ops.Policy{Profile: "prod-eu", Production: true}
)

// opened is a dialog showing a request for p under pol, and the request's answer channel.
func opened(t *testing.T, p ops.Plan, pol ops.Policy) (Model, chan error) {
	t.Helper()
	answer := make(chan error, 1)
	m := newModel(t)
	_ = m.Open(Request{Plan: p, Policy: pol, Answer: answer})
	if !m.IsOpen() {
		t.Fatal("dialog not open after Open")
	}
	return m, answer
}

// answered returns the answer on ch, failing t when there is none.
func answered(t *testing.T, ch chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	default:
		t.Fatal("no answer on the request's channel")
		return nil
	}
}

func unanswered(t *testing.T, ch chan error) {
	t.Helper()
	select {
	case err := <-ch:
		t.Fatalf("answered %v", err)
	default:
	}
}

func TestAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pol    ops.Policy
		keys   []string // typed (a key per rune), or a named key
		open   bool     // the dialog still waits afterwards
		want   error    // the answer, when closed (nil: go ahead)
		hint   string   // in the view, when open
		wantIs []error
	}{
		{name: "yes goes ahead", pol: sandbox, keys: []string{"yes", "enter"}},
		{name: "yes with spaces goes ahead", pol: sandbox, keys: []string{" yes ", "enter"}},
		{name: "a wrong word keeps the dialog open", pol: sandbox, keys: []string{"no", "enter"}, open: true, hint: "type yes exactly, or esc to decline"},
		{name: "YES is not yes", pol: sandbox, keys: []string{"YES", "enter"}, open: true, hint: "type yes exactly"},
		{name: "enter alone keeps the dialog open", pol: sandbox, keys: []string{"enter"}, open: true, hint: "type yes exactly"},
		{name: "esc declines", pol: sandbox, keys: []string{"ye", "esc"}, wantIs: []error{ops.ErrNotConfirmed}},
		{name: "ctrl+c declines", pol: sandbox, keys: []string{"ctrl+c"}, wantIs: []error{ops.ErrNotConfirmed}},
		{name: "esc after a wrong word declines", pol: sandbox, keys: []string{"no", "enter", "esc"}, wantIs: []error{ops.ErrNotConfirmed}},
		{name: "production refuses yes", pol: production, keys: []string{"yes", "enter"}, open: true, hint: "type prod-eu exactly"},
		{name: "production takes the profile name", pol: production, keys: []string{"prod-eu", "enter"}},
		{name: "production takes the name after yes was refused", pol: production, keys: []string{"yes", "enter", "ctrl+u", "prod-eu", "enter"}},
		{name: "production esc is the production guard", pol: production, keys: []string{"esc"}, wantIs: []error{ops.ErrProductionGuard}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, answer := opened(t, plan(), tc.pol)
			for _, k := range tc.keys {
				switch k {
				case "enter", "esc", "ctrl+c", "ctrl+u":
					m, _ = m.Update(uitest.Key(k))
				default:
					m = typed(m, k)
				}
			}
			if m.IsOpen() != tc.open {
				t.Fatalf("open %v after %q, want %v", m.IsOpen(), tc.keys, tc.open)
			}
			if tc.open {
				unanswered(t, answer)
				if v := m.View(); !strings.Contains(v, tc.hint) {
					t.Errorf("view lacks the hint %q:\n%s", tc.hint, v)
				}
				return
			}
			err := answered(t, answer)
			if len(tc.wantIs) == 0 {
				if err != nil {
					t.Fatalf("answer %v, want nil (go ahead)", err)
				}
			} else {
				for _, target := range tc.wantIs {
					if !errors.Is(err, target) {
						t.Errorf("answer %v is not %v", err, target)
					}
				}
				// A sandbox refusal is not the production guard, and the reverse.
				other := ops.ErrProductionGuard
				if tc.pol.Production {
					other = ops.ErrNotConfirmed
				}
				if errors.Is(err, other) {
					t.Errorf("answer %v is also %v", err, other)
				}
				if !strings.HasPrefix(err.Error(), "send: ") {
					t.Errorf("refusal %q does not name the action", err)
				}
			}
			if m.View() != "" {
				t.Errorf("closed dialog renders %q", m.View())
			}
			// Closed, it answers nothing more.
			if m, _ = m.Update(uitest.Key("esc")); m.IsOpen() {
				t.Error("esc reopened the dialog")
			}
			unanswered(t, answer)
		})
	}
}

func TestWant(t *testing.T) {
	if got := newModel(t).Want(); got != "yes" {
		t.Errorf("closed dialog wants %q", got)
	}
	if m, _ := opened(t, plan(), sandbox); m.Want() != "yes" {
		t.Errorf("sandbox wants %q", m.Want())
	}
	if m, _ := opened(t, plan(), production); m.Want() != "prod-eu" {
		t.Errorf("production wants %q", m.Want())
	}
}

func TestViewShowsThePlan(t *testing.T) {
	m, _ := opened(t, plan(), sandbox)
	v := m.View()
	for _, want := range []string{
		"Confirm send", "profile   sandbox", "targets   app drivers", "radius    12 connections",
		"     8  drivers × driver", "     3  customers × customer", "     1  ? × merchant",
		"payload   1.5 KB to each target", "Type yes and enter to go ahead",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if i, j := strings.Index(v, "drivers × driver"), strings.Index(v, "customers × customer"); i > j {
		t.Error("cells not biggest first")
	}
	if strings.Contains(v, "PRODUCTION") {
		t.Error("a sandbox profile is shown as production")
	}

	m, _ = opened(t, plan(), production)
	v = m.View()
	for _, want := range []string{"!!! PRODUCTION — profile prod-eu !!!", "Type the profile name prod-eu"} {
		if !strings.Contains(v, want) {
			t.Errorf("production view lacks %q:\n%s", want, v)
		}
	}
}

func TestViewRadiusForms(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    ops.Radius
		size int
		want []string
		not  []string
	}{
		{"one connection", ops.Radius{Total: 1, Cells: map[ops.AppEntity]int{{App: "a", EntityType: "b"}: 1}}, 0,
			[]string{"radius    1 connection\n"}, []string{"payload"}},
		{"another noun", ops.Radius{Total: 2, Noun: "records"}, 10, []string{"radius    2 records", "payload   10 B to each target"}, nil},
		{"more cells than shown", manyCells(15), 0, []string{"     6  in 3 more groups", "    15  app-14 × e"}, []string{"app-00 × e", "app-02 × e"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ops.Plan{Action: "logout", Filter: "all connections", Radius: tc.r, PayloadSize: tc.size}
			m, _ := opened(t, p, sandbox)
			v := m.View()
			for _, want := range tc.want {
				if !strings.Contains(v, want) {
					t.Errorf("view lacks %q:\n%s", want, v)
				}
			}
			for _, not := range tc.not {
				if strings.Contains(v, not) {
					t.Errorf("view has %q:\n%s", not, v)
				}
			}
		})
	}
}

// manyCells is a radius of n cells app-NN × e, app-NN holding NN+1
// connections (so app-00, app-01, app-02 are the smallest).
func manyCells(n int) ops.Radius {
	r := ops.Radius{Cells: map[ops.AppEntity]int{}}
	for i := range n {
		r.Cells[ops.AppEntity{App: "app-" + string(rune('0'+i/10)) + string(rune('0'+i%10)), EntityType: "e"}] = i + 1
		r.Total += i + 1
	}
	return r
}

func TestViewSanitizesThePlan(t *testing.T) {
	hostile := "x\x1b]52;c;ZXZpbA==\x07\x1b[2Jy"
	p := ops.Plan{Action: "send\x1b[31m", Filter: "user " + hostile, Radius: ops.Radius{Total: 1, Cells: map[ops.AppEntity]int{
		{App: "drivers\x1b[5m", EntityType: "driver\u202e"}: 1,
	}}}
	m, _ := opened(t, p, ops.Policy{Profile: "prod\x1b[2J", Production: true})
	v := m.View()
	for _, bad := range []string{"\x1b", "\x07", "\u202e"} {
		if strings.Contains(v, bad) {
			t.Errorf("view carries a raw %q:\n%q", bad, v)
		}
	}
	for _, want := range []string{`user x\x1b]52;c;ZXZpbA==\x07\x1b[2Jy`, `Confirm send\x1b[31m`, `drivers\x1b[5m × driver\u202e`, `profile prod\x1b[2J`} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks the escaped %q:\n%s", want, v)
		}
	}
}

func TestSize(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "0 B"}, {512, "512 B"}, {1023, "1023 B"}, {1024, "1 KB"}, {1536, "1.5 KB"}, {128 * 1024, "128 KB"}, {128*1024 + 1, "128.0 KB"},
	} {
		if got := Size(tc.n); got != tc.want {
			t.Errorf("Size(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

// confirmAsync runs c.Confirm in a goroutine; its error comes on the channel returned.
func confirmAsync(ctx context.Context, c *Confirmer, p ops.Plan, pol ops.Policy) <-chan error {
	done := make(chan error, 1)
	go func() { done <- c.Confirm(ctx, p, pol) }()
	return done
}

func TestConfirmerReturnsTheAnswer(t *testing.T) {
	refusal := errors.New("send: refused by the test")
	for _, tc := range []struct {
		name   string
		answer error
	}{{"go ahead", nil}, {"refused", refusal}} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewConfirmer()
			done := confirmAsync(t.Context(), c, plan(), production)
			req := <-c.Requests()
			if req.Plan.Action != "send" || req.Plan.Radius.Total != 12 || req.Policy != production {
				t.Fatalf("request %+v", req)
			}
			req.Answer <- tc.answer // buffered: never blocks
			if err := <-done; err != tc.answer {
				t.Errorf("Confirm returned %v, want %v", err, tc.answer)
			}
		})
	}
}

func TestConfirmerThroughTheDialog(t *testing.T) {
	c := NewConfirmer()
	done := confirmAsync(t.Context(), c, plan(), sandbox)
	msg, ok := WaitCmd(t.Context(), c.Requests())().(RequestMsg)
	if !ok {
		t.Fatal("WaitCmd yields no RequestMsg")
	}
	if msg.Next() == nil {
		t.Error("a RequestMsg from WaitCmd does not re-arm")
	}
	m := newModel(t)
	_ = m.Open(msg.Request)
	m = typed(m, "yes")
	m, _ = m.Update(uitest.Key("enter"))
	if err := <-done; err != nil || m.IsOpen() {
		t.Errorf("yes through the dialog: Confirm %v, dialog open %v", err, m.IsOpen())
	}

	done = confirmAsync(t.Context(), c, plan(), sandbox)
	msg, ok = msg.Next()().(RequestMsg)
	if !ok {
		t.Fatal("the re-armed wait yields no RequestMsg")
	}
	_ = m.Open(msg.Request)
	m, _ = m.Update(uitest.Key("esc"))
	if err := <-done; !errors.Is(err, ops.ErrNotConfirmed) {
		t.Errorf("esc through the dialog: Confirm %v", err)
	}
}

func TestWaitCmdEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if msg := WaitCmd(ctx, NewConfirmer().Requests())(); msg != nil {
		t.Errorf("WaitCmd after its context ended yields %#v", msg)
	}
	if (RequestMsg{}).Next() != nil {
		t.Error("a RequestMsg not from WaitCmd re-arms")
	}
}

func TestConfirmerCancelled(t *testing.T) {
	cause := errors.New("the console quit")
	t.Run("before the request is taken", func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(t.Context())
		cancel(cause)
		// Nobody reads Requests: only the context can end the wait.
		err := NewConfirmer().Confirm(ctx, plan(), sandbox)
		if !errors.Is(err, ops.ErrNotConfirmed) || !strings.Contains(err.Error(), "the console quit") {
			t.Errorf("Confirm on an ended context: %v", err)
		}
	})
	t.Run("before an answer", func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(t.Context())
		c := NewConfirmer()
		done := confirmAsync(ctx, c, plan(), sandbox)
		<-c.Requests() // taken, never answered
		cancel(cause)
		err := <-done
		if !errors.Is(err, ops.ErrNotConfirmed) || !strings.Contains(err.Error(), "the console quit") {
			t.Errorf("Confirm cancelled while waiting: %v", err)
		}
	})
}
