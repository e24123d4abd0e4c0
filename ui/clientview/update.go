package clientview

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/ops"
	"wsops/wsclient"
)

// Update handles the view's messages and keys.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case SpecMsg:
		if msg.Err != nil {
			m.setStatus(msg.Err.Error(), true)
			return m, nil
		}
		return m.start(msg.Spec)
	case EventMsg:
		return m.event(msg)
	case OwnMsg:
		if t := m.tab(msg.Tab); t != nil && msg.Conn == t.conn {
			t.locating = false
			if msg.Err != nil {
				t.own, t.ownErr = nil, msg.Err
			} else {
				own := msg.Own
				t.own, t.ownErr = &own, nil
			}
		}
		return m, nil
	case BroadcastMsg:
		t := m.tab(msg.Tab)
		if t == nil || msg.Nonce != t.bcast.nonce {
			return m, nil
		}
		t.bcast.posted = true
		if msg.Err != nil {
			t.bcast.pending, t.bcast.failed = false, true
			t.bcast.result = "test broadcast not sent: " + msg.Err.Error()
			if ops.Refused(msg.Err) {
				t.bcast.result = "test broadcast " + msg.Err.Error()
			}
		}
		return m, nil
	case SentMsg:
		return m.sent(msg)
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m.forward(msg)
}

// forward hands other messages (cursor blinks) to what has the focus.
func (m Model) forward(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.mode {
	case modeEditor:
		m.editor, cmd = m.editor.Update(msg)
	case modeSearch:
		m.search, cmd = m.search.Update(msg)
	case modeForm:
		cmd = m.form.update(msg)
	case modeFill:
		cmd = m.fill.update(msg)
	}
	return m, cmd
}

func (m Model) tab(id int) *tab {
	for _, t := range m.tabs {
		if t.id == id {
			return t
		}
	}
	return nil
}

// start opens a tab for spec and connects it.
func (m Model) start(s Spec) (Model, tea.Cmd) {
	c := wsclient.New(s.Options)
	t := &tab{id: m.nextID, spec: s, c: c, reconnect: s.Options.Reconnect}
	m.nextID++
	m.tabs = append(m.tabs, t)
	m.cur = len(m.tabs) - 1
	m.mode = modeTimeline
	m.setStatus("", false)
	c.Start(m.deps.Ctx)
	return m, WaitCmd(t.id, c.Events())
}

// event applies one client event and re-arms the wait.
func (m Model) event(msg EventMsg) (Model, tea.Cmd) {
	t := m.tab(msg.Tab)
	if t == nil {
		return m, nil // the tab was closed
	}
	if msg.Done {
		t.ended = true
		return m, nil
	}
	cmds := []tea.Cmd{WaitCmd(t.id, t.c.Events())}
	if t.apply(msg.Event) {
		own := ops.Own{User: t.spec.User, UserAgent: t.c.UserAgent()}
		cmds = append(cmds, locateCmd(m.deps.Ctx, m.deps.Ops, t.id, t.conn, own))
	}
	return m, tea.Batch(cmds...)
}

func (m Model) key(k tea.KeyMsg) (Model, tea.Cmd) {
	switch m.mode {
	case modeForm:
		return m.formKey(k)
	case modeFill:
		return m.fillKey(k)
	case modeEditor:
		return m.editorKey(k)
	case modeSearch:
		return m.searchKey(k)
	case modeSaved:
		return m.savedKey(k)
	}
	return m.timelineKey(k)
}

func (m Model) timelineKey(k tea.KeyMsg) (Model, tea.Cmd) {
	kb := m.keys
	t := m.current()
	switch {
	case key.Matches(k, kb.New):
		return m, m.Open(nil)
	case t == nil:
		return m, nil
	case key.Matches(k, kb.NextTab):
		m.cur = (m.cur + 1) % len(m.tabs)
	case key.Matches(k, kb.PrevTab):
		m.cur = (m.cur - 1 + len(m.tabs)) % len(m.tabs)
	case key.Matches(k, kb.CloseTab):
		t.c.Disconnect()
		m.tabs = append(m.tabs[:m.cur:m.cur], m.tabs[m.cur+1:]...)
		m.cur = max(0, min(m.cur, len(m.tabs)-1))
	case key.Matches(k, kb.Edit):
		m.mode = modeEditor
		return m, m.editor.Focus()
	case key.Matches(k, kb.Saved):
		if len(m.deps.Messages) == 0 {
			m.setStatus("the profile has no saved messages ([[profiles.NAME.messages]])", true)
			return m, nil
		}
		m.mode = modeSaved
	case key.Matches(k, kb.Broadcast):
		return m.testBroadcast(t)
	case key.Matches(k, kb.Disconnect):
		t.c.Disconnect()
	case key.Matches(k, kb.Connect):
		if !t.ended && t.state != wsclient.StateClosed {
			m.setStatus("still connected: d disconnects first", true)
			return m, nil
		}
		spec := t.spec
		spec.Options.Reconnect = t.reconnect
		t.c.Disconnect()
		m.tabs = append(m.tabs[:m.cur:m.cur], m.tabs[m.cur+1:]...)
		return m.start(spec)
	case key.Matches(k, kb.Reconnect):
		t.reconnect = !t.reconnect
		m.setStatus(fmt.Sprintf("auto-reconnect %s for the next connect (c)", onOff(t.reconnect)), false)
	case key.Matches(k, kb.Search):
		m.mode = modeSearch
		m.search.SetValue(m.query)
		return m, m.search.Focus()
	case key.Matches(k, kb.Pretty):
		m.pretty = !m.pretty
	case key.Matches(k, kb.Up):
		t.scroll++
	case key.Matches(k, kb.Down):
		t.scroll = max(0, t.scroll-1)
	case key.Matches(k, kb.PageUp):
		t.scroll += max(1, m.timelineHeight()-1)
	case key.Matches(k, kb.PageDown):
		t.scroll = max(0, t.scroll-max(1, m.timelineHeight()-1))
	case key.Matches(k, kb.End):
		t.scroll = 0
	}
	return m, nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// testBroadcast posts a marked message to the tab's own connection.
func (m Model) testBroadcast(t *tab) (Model, tea.Cmd) {
	switch {
	case t.state != wsclient.StateOpen:
		m.setStatus("not connected", true)
		return m, nil
	case t.own == nil && t.locating:
		m.setStatus("still looking for this connection's registry record", true)
		return m, nil
	case t.own == nil:
		m.setStatus("this connection's registry record was not found: nothing to post to", true)
		return m, nil
	}
	nonce, now := newNonce(), m.deps.Now()
	t.bcast = broadcast{nonce: nonce, sentAt: now, pending: true, result: "test broadcast posted to " + t.own.ID + ", waiting for it…"}
	return m, broadcastCmd(m.deps.Ctx, m.deps.Ops, t.id, *t.own, nonce, testPayload(nonce, now))
}

func (m Model) formKey(k tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.keys.Cancel):
		m.mode = modeTimeline
		return m, nil
	case key.Matches(k, m.keys.Submit):
		m.mode = modeTimeline
		m.setStatus("connecting…", false)
		return m, resolveCmd(m.deps.Ctx, m.deps.Resolve, m.form.identity())
	case key.Matches(k, m.keys.NextField):
		return m, m.form.move(1)
	case key.Matches(k, m.keys.PrevField):
		return m, m.form.move(-1)
	}
	return m, m.form.update(k)
}

func (m Model) editorKey(k tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.keys.Cancel):
		m.mode = modeTimeline
		m.editor.Blur()
		return m, nil
	case key.Matches(k, m.keys.Send):
		return m.sendEditor()
	case key.Matches(k, m.keys.HistoryPrev):
		m.recall(-1)
		return m, nil
	case key.Matches(k, m.keys.HistoryNext):
		m.recall(1)
		return m, nil
	}
	var cmd tea.Cmd
	m.editor, cmd = m.editor.Update(k)
	return m, cmd
}

// recall loads the previous (d -1) or next sent message into the editor.
func (m *Model) recall(d int) {
	if len(m.history) == 0 {
		return
	}
	m.histPos = max(0, min(len(m.history), m.histPos+d))
	if m.histPos == len(m.history) {
		m.editor.SetValue("")
		return
	}
	m.editor.SetValue(m.history[m.histPos])
}

// sendEditor sends the editor's message on the current tab: JSON only, at
// most 128 KB (refused before sending, with the reason).
func (m Model) sendEditor() (Model, tea.Cmd) {
	t := m.current()
	text := m.editor.Value()
	if why := validate(text); why != "" {
		m.setStatus(why, true)
		return m, nil
	}
	if t == nil {
		m.setStatus("no client: n opens one", true)
		return m, nil
	}
	t.scroll = 0
	return m, sendCmd(m.deps.Ctx, t.c, t.id, text)
}

// sent records a sent message in the history, or shows why it failed.
func (m Model) sent(msg SentMsg) (Model, tea.Cmd) {
	if msg.Err != nil {
		m.setStatus(msg.Err.Error(), true)
		return m, nil
	}
	if len(m.history) == 0 || m.history[len(m.history)-1] != msg.Text {
		m.history = append(m.history, msg.Text)
	}
	m.histPos = len(m.history)
	m.setStatus("", false)
	return m, nil
}

// validate says why text cannot be sent from the editor ("" when it can).
func validate(text string) string {
	switch {
	case strings.TrimSpace(text) == "":
		return "empty: write a JSON message"
	case len(text) > wsclient.MaxMessage:
		return fmt.Sprintf("too large: %d bytes; API Gateway's limit is %d bytes (128 KB): not sent", len(text), wsclient.MaxMessage)
	case !json.Valid([]byte(text)):
		var v any
		return "not valid JSON: " + json.Unmarshal([]byte(text), &v).Error()
	}
	return ""
}

func (m Model) searchKey(k tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.keys.Cancel):
		m.query = ""
		m.mode = modeTimeline
		m.search.Blur()
		return m, nil
	case key.Matches(k, m.keys.Submit):
		m.mode = modeTimeline
		m.search.Blur()
		return m, nil
	}
	var cmd tea.Cmd
	m.search, cmd = m.search.Update(k)
	m.query = m.search.Value()
	if t := m.current(); t != nil {
		t.scroll = 0
	}
	return m, cmd
}

func (m Model) savedKey(k tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.keys.Cancel):
		m.mode = modeTimeline
	case key.Matches(k, m.keys.PrevField):
		m.saved = max(0, m.saved-1)
	case key.Matches(k, m.keys.NextField):
		m.saved = min(len(m.deps.Messages)-1, m.saved+1)
	case key.Matches(k, m.keys.Submit):
		msg := m.deps.Messages[m.saved]
		names := placeholders(msg.Data)
		if len(names) == 0 {
			m.editor.SetValue(msg.Data)
			m.mode = modeEditor
			return m, m.editor.Focus()
		}
		m.fillFor = msg
		m.mode = modeFill
		return m, m.fill.set(names, make([]string, len(names)), m.st)
	}
	return m, nil
}

func (m Model) fillKey(k tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.keys.Cancel):
		m.mode = modeSaved
		return m, nil
	case key.Matches(k, m.keys.Submit):
		values := map[string]string{}
		for i, v := range m.fill.values() {
			values[m.fill.labels[i]] = v
		}
		m.editor.SetValue(fillPlaceholders(m.fillFor.Data, values))
		m.mode = modeEditor
		return m, m.editor.Focus()
	case key.Matches(k, m.keys.NextField):
		return m, m.fill.move(1)
	case key.Matches(k, m.keys.PrevField):
		return m, m.fill.move(-1)
	}
	return m, m.fill.update(k)
}
