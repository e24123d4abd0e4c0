package send

import (
	"reflect"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/config"
	"wsops/internal/uitest"
	"wsops/ops"
)

// newModel is a dialog rendering plain text: the editor's cursor uses
// lipgloss's default renderer, so it is set to ASCII too.
func newModel(t *testing.T) Model {
	t.Helper()
	m := New(uitest.PlainStyles())
	m.SetSize(100, 40)
	return m
}

// typed sends text a key per rune; the cursor's blink commands are not run.
func typed(m Model, text string) Model {
	for _, r := range text {
		m, _ = m.Update(uitest.Key(string(r)))
	}
	return m
}

var targets = ops.Targets{Conns: []string{"Conn00000000001=", "Conn00000000002="}}

func saved() []config.Message {
	return []config.Message{
		{Name: "ping", Description: "a heartbeat", Data: `{"type":"ping"}`},
		{Name: "notice", Description: "maintenance", Data: `{"type":"notice","text":"at 22:00"}`},
		{Name: "reload", Description: "reload the app", Data: `{"type":"reload"}`},
	}
}

// submitted is the SubmitMsg cmd yields, failing t when it yields anything else.
func submitted(t *testing.T, cmd tea.Cmd) SubmitMsg {
	t.Helper()
	got := uitest.Msgs(cmd)
	if len(got) != 1 {
		t.Fatalf("ctrl+s yields %#v, want one SubmitMsg", got)
	}
	sub, ok := got[0].(SubmitMsg)
	if !ok {
		t.Fatalf("ctrl+s yields %#v, want a SubmitMsg", got[0])
	}
	return sub
}

func TestClosedDialogIgnoresKeys(t *testing.T) {
	m := newModel(t)
	if m.IsOpen() || m.View() != "" {
		t.Fatalf("new dialog: open %v view %q", m.IsOpen(), m.View())
	}
	for _, k := range []string{"ctrl+s", "esc", "x"} {
		if _, cmd := m.Update(uitest.Key(k)); cmd != nil {
			t.Errorf("closed dialog answers %s", k)
		}
	}
}

func TestValidate(t *testing.T) {
	str := func(n int) string { return `"` + strings.Repeat("x", n-2) + `"` } // a JSON string of n bytes
	for _, tc := range []struct {
		name, payload, want string
	}{
		{"object", `{"type":"ping"}`, ""},
		{"multi-line", "{\n  \"type\": \"ping\"\n}", ""},
		{"a bare string", `"hi"`, ""},
		{"at the limit", str(ops.MaxPayload), ""},
		{"empty", "", "empty: write a JSON message"},
		{"blank", " \n\t", "empty: write a JSON message"},
		{"unclosed", `{"type":`, "not valid JSON: "},
		{"not JSON", "hello", "not valid JSON: "},
		{"one byte over", str(ops.MaxPayload + 1), "too large: 128.0 KB, the limit is 128 KB"},
		{"far over, invalid too", strings.Repeat("{", 2*ops.MaxPayload), "too large: 256 KB, the limit is 128 KB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := validate([]byte(tc.payload))
			if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
				t.Errorf("validate = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestInvalidJSONIsNotSent(t *testing.T) {
	m := newModel(t)
	_ = m.Open(targets, "2 connections", nil) // no saved messages: the editor has the focus
	m = typed(m, `{"type":`)
	if got := string(m.Payload()); got != `{"type":` {
		t.Fatalf("typed into the editor: %q", got)
	}
	if v := m.View(); !strings.Contains(v, "not valid JSON") || strings.Contains(v, "ctrl+s sends") {
		t.Errorf("view does not say the JSON is invalid:\n%s", v)
	}
	m, cmd := m.Update(uitest.Key("ctrl+s"))
	if cmd != nil || !m.IsOpen() {
		t.Fatalf("invalid JSON: ctrl+s yields %#v, open %v", uitest.Msgs(cmd), m.IsOpen())
	}
	// Finished, it goes.
	m = typed(m, `"ping"}`)
	if v := m.View(); !strings.Contains(v, "valid JSON") || strings.Contains(v, "not valid JSON") || !strings.Contains(v, "ctrl+s sends") {
		t.Errorf("view does not say the JSON is valid:\n%s", v)
	}
	m, cmd = m.Update(uitest.Key("ctrl+s"))
	sub := submitted(t, cmd)
	if string(sub.Payload) != `{"type":"ping"}` || !reflect.DeepEqual(sub.Targets, targets) {
		t.Errorf("submitted %q to %+v", sub.Payload, sub.Targets)
	}
	if m.IsOpen() {
		t.Error("the dialog stayed open after sending")
	}
}

func TestEmptyIsNotSent(t *testing.T) {
	m := newModel(t)
	_ = m.Open(targets, "2 connections", nil)
	if v := m.View(); !strings.Contains(v, "empty: write a JSON message") {
		t.Errorf("empty editor's view:\n%s", v)
	}
	if m, cmd := m.Update(uitest.Key("ctrl+s")); cmd != nil || !m.IsOpen() {
		t.Errorf("empty payload: ctrl+s yields %#v, open %v", uitest.Msgs(cmd), m.IsOpen())
	}
}

func TestOversizedIsNotSent(t *testing.T) {
	m := newModel(t)
	big := `{"pad":"` + strings.Repeat("x", ops.MaxPayload) + `"}`
	_ = m.Open(targets, "2 connections", []config.Message{{Name: "big", Data: big}})
	if got := len(m.Payload()); got != len(big) {
		t.Fatalf("editor holds %d bytes, want %d", got, len(big))
	}
	if v := m.View(); !strings.Contains(v, "too large") || !strings.Contains(v, "/ 128 KB") {
		t.Errorf("view does not say the payload is too large:\n%s", v[len(v)-min(len(v), 400):])
	}
	m, cmd := m.Update(uitest.Key("ctrl+s"))
	if cmd != nil || !m.IsOpen() {
		t.Errorf("oversized payload: ctrl+s yields %#v, open %v", uitest.Msgs(cmd), m.IsOpen())
	}
}

func TestEscCloses(t *testing.T) {
	for _, messages := range [][]config.Message{nil, saved()} {
		m := newModel(t)
		_ = m.Open(targets, "2 connections", messages)
		m, cmd := m.Update(uitest.Key("esc"))
		if got := uitest.Msgs(cmd); len(got) != 1 || got[0] != (CancelMsg{}) {
			t.Errorf("esc yields %#v, want CancelMsg", got)
		}
		if m.IsOpen() || m.View() != "" {
			t.Errorf("esc left the dialog open (%d saved messages)", len(messages))
		}
		if _, cmd := m.Update(uitest.Key("ctrl+s")); cmd != nil {
			t.Error("a closed dialog sends on ctrl+s")
		}
	}
}

func TestSavedMessages(t *testing.T) {
	m := newModel(t)
	_ = m.Open(targets, "2 connections", saved())
	if got := string(m.Payload()); got != `{"type":"ping"}` {
		t.Fatalf("opened with %q, want the first saved message", got)
	}
	v := m.View()
	for _, want := range []string{"Send to 2 connections", "Saved messages", "> ping", "  notice", "a heartbeat", "valid JSON"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}

	// The list has the focus: j and down move and load, typing does not edit.
	for _, step := range []struct {
		key, want string
	}{
		{"j", `{"type":"notice","text":"at 22:00"}`},
		{"down", `{"type":"reload"}`},
		{"j", `{"type":"reload"}`}, // the last stays
		{"k", `{"type":"notice","text":"at 22:00"}`},
		{"up", `{"type":"ping"}`},
		{"up", `{"type":"ping"}`}, // the first stays
		{"x", `{"type":"ping"}`},  // not typed into the editor
		{"j", `{"type":"notice","text":"at 22:00"}`},
	} {
		m, _ = m.Update(uitest.Key(step.key))
		if got := string(m.Payload()); got != step.want {
			t.Fatalf("after %s the editor holds %q, want %q", step.key, got, step.want)
		}
	}
	if v := m.View(); !strings.Contains(v, "> notice") || strings.Contains(v, "> ping") {
		t.Errorf("the cursor is not on notice:\n%s", v)
	}

	// Enter picks it: the editor has the focus and edits the picked message.
	m, _ = m.Update(uitest.Key("enter"))
	if m.onList {
		t.Fatal("enter left the focus on the list")
	}
	m = typed(m, "j")
	if got := string(m.Payload()); got != `{"type":"notice","text":"at 22:00"}j` {
		t.Fatalf("typing in the editor after the pick: %q", got)
	}
	if v := m.View(); !strings.Contains(v, "not valid JSON") {
		t.Errorf("edited to invalid JSON, view:\n%s", v)
	}
	if _, cmd := m.Update(uitest.Key("ctrl+s")); cmd != nil {
		t.Error("the edited, invalid message was sent")
	}

	// Picking another saved message replaces the edit; it is what is sent.
	m, _ = m.Update(uitest.Key("tab"))
	if !m.onList {
		t.Fatal("tab did not move the focus to the list")
	}
	m, _ = m.Update(uitest.Key("j"))
	m, cmd := m.Update(uitest.Key("ctrl+s"))
	sub := submitted(t, cmd)
	if string(sub.Payload) != `{"type":"reload"}` || !reflect.DeepEqual(sub.Targets, targets) {
		t.Errorf("submitted %q to %+v", sub.Payload, sub.Targets)
	}
	if m.IsOpen() {
		t.Error("the dialog stayed open after sending")
	}
}

func TestTabSwitchesFocus(t *testing.T) {
	m := newModel(t)
	_ = m.Open(targets, "2 connections", saved())
	if !m.onList || m.editor.Focused() {
		t.Fatalf("opened with saved messages: list focus %v, editor focused %v", m.onList, m.editor.Focused())
	}
	m, _ = m.Update(uitest.Key("tab"))
	if m.onList || !m.editor.Focused() {
		t.Fatalf("after tab: list focus %v, editor focused %v", m.onList, m.editor.Focused())
	}
	m = typed(m, "k") // typed, not a move
	if got := string(m.Payload()); got != `{"type":"ping"}k` {
		t.Fatalf("typing in the editor: %q", got)
	}
	m, _ = m.Update(uitest.Key("tab"))
	if !m.onList || m.editor.Focused() {
		t.Fatalf("after the second tab: list focus %v, editor focused %v", m.onList, m.editor.Focused())
	}

	// Without saved messages the editor keeps the focus.
	_ = m.Open(targets, "2 connections", nil)
	if m.onList || !m.editor.Focused() {
		t.Fatalf("opened without saved messages: list focus %v, editor focused %v", m.onList, m.editor.Focused())
	}
	m, _ = m.Update(uitest.Key("tab"))
	if m.onList {
		t.Error("tab moved the focus to an empty list")
	}
}

func TestReopenResets(t *testing.T) {
	m := newModel(t)
	_ = m.Open(targets, "2 connections", saved())
	m, _ = m.Update(uitest.Key("j"))
	m, _ = m.Update(uitest.Key("esc"))
	other := ops.Targets{All: true}
	_ = m.Open(other, "all connections", saved())
	if got := string(m.Payload()); got != `{"type":"ping"}` || m.cursor != 0 || !reflect.DeepEqual(m.Targets(), other) {
		t.Errorf("reopened: payload %q, cursor %d, targets %+v", got, m.cursor, m.Targets())
	}
	_ = m.Open(targets, "2 connections", nil)
	if got := string(m.Payload()); got != "" {
		t.Errorf("reopened without saved messages, the editor holds %q", got)
	}
}

func TestViewSanitizes(t *testing.T) {
	m := newModel(t)
	_ = m.Open(targets, "user x\x1b]52;c;ZXZpbA==\x07", []config.Message{
		{Name: "evil\x1b[2J", Description: "tell clients about \x1b[31mmaintenance\u202e", Data: `{"type":"ping"}`},
	})
	v := m.View()
	for _, bad := range []string{"\x1b", "\x07", "\u202e"} {
		if strings.Contains(v, bad) {
			t.Errorf("view carries a raw %q:\n%q", bad, v)
		}
	}
	for _, want := range []string{`Send to user x\x1b]52;c;ZXZpbA==\x07`, `evil\x1b[2J`, `about \x1b[31mmaintenance\u202e`} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks the escaped %q:\n%s", want, v)
		}
	}
}

// A force logout first shows the notice the clients will receive (the
// profile's), editable; what is submitted is the edited notice, as a logout.
func TestLogoutNoticeIsShownAndEditable(t *testing.T) {
	m := newModel(t)
	const notice = `{"type":"forceLogout","data":{"reason":"operator"}}`
	m.OpenLogout(targets, "2 connection ids", notice)
	v := m.View()
	for _, want := range []string{"Force logout of 2 connection ids", "before its socket is cut", notice, "ctrl+s goes on to confirm"} {
		if !strings.Contains(v, want) {
			t.Errorf("the dialog lacks %q:\n%s", want, v)
		}
	}
	for range len(`"operator"}}`) {
		m, _ = m.Update(uitest.Key("backspace"))
	}
	m = typed(m, `"maintenance"}}`)
	_, cmd := m.Update(uitest.Key("ctrl+s"))
	sub := submitted(t, cmd)
	if !sub.Logout || string(sub.Payload) != `{"type":"forceLogout","data":{"reason":"maintenance"}}` || !reflect.DeepEqual(sub.Targets, targets) {
		t.Errorf("submitted %+v (payload %s), want the edited notice as a logout", sub, sub.Payload)
	}
	// A send opened after it is a send again.
	m.Open(targets, "2 connection ids", saved())
	_, cmd = m.Update(uitest.Key("ctrl+s"))
	if sub := submitted(t, cmd); sub.Logout {
		t.Error("a send after a logout submitted as a logout")
	}
}
