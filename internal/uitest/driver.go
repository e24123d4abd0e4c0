package uitest

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/ui/view"
)

// Wait bounds every Until.
const Wait = 20 * time.Second

// Driver runs a model as bubbletea's program would, without a terminal:
// each command in a goroutine of its own, batches split, every message
// they return handed to Update, until a condition holds. Commands still
// blocked when the test ends (waits on streams, timers) stop with its
// context, as the console's do.
type Driver[M any] struct {
	t      testing.TB
	M      M
	update func(M, tea.Msg) (M, tea.Cmd)
	msgs   chan tea.Msg
}

// Drive returns a driver of m, whose Update is update.
func Drive[M any](t testing.TB, m M, update func(M, tea.Msg) (M, tea.Cmd)) *Driver[M] {
	return &Driver[M]{t: t, M: m, update: update, msgs: make(chan tea.Msg, 256)}
}

// Run runs cmd and offers what it returns.
func (d *Driver[M]) Run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			for _, c := range msg {
				d.Run(c)
			}
		case tea.QuitMsg:
		default:
			select {
			case d.msgs <- msg:
			case <-d.t.Context().Done():
			}
		}
	}()
}

// Send hands msg to the model and runs what it returns.
func (d *Driver[M]) Send(msg tea.Msg) {
	var cmd tea.Cmd
	d.M, cmd = d.update(d.M, msg)
	d.Run(cmd)
}

// Keys types text, a key per rune.
func (d *Driver[M]) Keys(text string) {
	for _, r := range text {
		d.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

// Until handles messages until cond holds; it fails the test after Wait,
// with view's rendering (nil: none).
func (d *Driver[M]) Until(what string, cond func(M) bool, view func(M) string) {
	d.t.Helper()
	deadline := time.NewTimer(Wait)
	defer deadline.Stop()
	for !cond(d.M) {
		select {
		case msg := <-d.msgs:
			d.Send(msg)
		case <-deadline.C:
			shown := ""
			if view != nil {
				shown = view(d.M)
			}
			d.t.Fatalf("no %s within %v; view:\n%s", what, Wait, shown)
		}
	}
}

// Msgs runs cmd on the calling goroutine, batches split, and returns the
// messages it yields, nils dropped: for commands that return at once (never
// for waits on streams).
func Msgs(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, Msgs(c)...)
		}
		return out
	default:
		return []tea.Msg{msg}
	}
}

// Settle runs cmd as Msgs does and hands every message it yields back to v,
// as the root broadcasts them, until no command is left; it returns every
// message, in order.
func Settle(v view.View, cmd tea.Cmd) []tea.Msg {
	var all []tea.Msg
	for queue := Msgs(cmd); len(queue) > 0; queue = queue[1:] {
		all = append(all, queue[0])
		_, next := v.Update(queue[0])
		queue = append(queue, Msgs(next)...)
	}
	return all
}
