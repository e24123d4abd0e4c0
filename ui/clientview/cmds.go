package clientview

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/ops"
	"wsops/wsclient"
)

// SpecMsg is a resolved identity, ready to connect (or why it is not).
type SpecMsg struct {
	Spec Spec
	Err  error
}

// EventMsg is one event of tab Tab's client; Done when its stream ended.
type EventMsg struct {
	Tab   int
	Event wsclient.Event
	Done  bool
}

// OwnMsg is the result of looking for tab Tab's own registry record, for
// its connection number Conn.
type OwnMsg struct {
	Tab, Conn int
	Own       ops.Connection
	Err       error
}

// BroadcastMsg is the result of the test broadcast's post to tab Tab's own
// connection (its arrival shows in the tab's frames).
type BroadcastMsg struct {
	Tab   int
	Nonce string
	Err   error
}

// SentMsg is the outcome of sending Text on tab Tab (the frame itself
// shows in the tab's events).
type SentMsg struct {
	Tab  int
	Text string
	Err  error
}

// sendCmd sends text on client c, off the UI's goroutine: a write can wait
// on the network.
func sendCmd(ctx context.Context, c *wsclient.Client, tab int, text string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		return SentMsg{Tab: tab, Text: text, Err: c.Send(ctx, []byte(text))}
	}
}

// resolveCmd resolves an identity into a Spec.
func resolveCmd(ctx context.Context, resolve Resolver, id Identity) tea.Cmd {
	return func() tea.Msg {
		if resolve == nil {
			return SpecMsg{Err: errors.New("the test client is not available on this session")}
		}
		s, err := resolve(ctx, id)
		if err == nil {
			err = applyOptions(&s, id)
		}
		return SpecMsg{Spec: s, Err: err}
	}
}

// applyOptions sets the session options the identity names: ping interval
// and auto-reconnect.
func applyOptions(s *Spec, id Identity) error {
	if id.Ping != "" {
		d, err := time.ParseDuration(id.Ping)
		if err != nil || d < 0 {
			return fmt.Errorf("ping %q: want a duration such as 5s (0: none)", id.Ping)
		}
		s.Options.Ping = d
	}
	switch strings.ToLower(id.Reconnect) {
	case "", "no", "false", "off":
	case "yes", "true", "on":
		s.Options.Reconnect = true
	default:
		return fmt.Errorf("reconnect %q: want yes or no", id.Reconnect)
	}
	return nil
}

// WaitCmd waits for the next event of tab's client; the view re-arms it
// after each event.
func WaitCmd(tab int, events <-chan wsclient.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-events
		return EventMsg{Tab: tab, Event: ev, Done: !ok}
	}
}

// locateCmd looks for the client's own registry record.
func locateCmd(ctx context.Context, o *ops.Ops, tab, conn int, own ops.Own) tea.Cmd {
	return func() tea.Msg {
		if o == nil {
			return OwnMsg{Tab: tab, Conn: conn, Err: errors.New("no registry on this session")}
		}
		ctx, cancel := context.WithTimeout(ctx, locateTimeout)
		defer cancel()
		c, err := o.FindOwn(ctx, own)
		return OwnMsg{Tab: tab, Conn: conn, Own: c, Err: err}
	}
}

// broadcastCmd posts a test message to the client's own connection.
func broadcastCmd(ctx context.Context, o *ops.Ops, tab int, self ops.Connection, nonce string, payload []byte) tea.Cmd {
	return func() tea.Msg {
		if o == nil {
			return BroadcastMsg{Tab: tab, Nonce: nonce, Err: errors.New("no operator actions on this session")}
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		return BroadcastMsg{Tab: tab, Nonce: nonce, Err: o.PostToSelf(ctx, self, payload)}
	}
}

// testPayload is the test broadcast's message: recognisable by its nonce.
func testPayload(nonce string, at time.Time) []byte {
	return fmt.Appendf(nil, `{"type":"wsops_test_broadcast","nonce":%q,"sentAt":%q}`, nonce, at.UTC().Format(time.RFC3339Nano))
}

func newNonce() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
