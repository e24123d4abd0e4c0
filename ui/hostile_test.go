package ui

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/uitest"
	"wsops/ops"
	"wsops/sanitize"
)

// hostileConnections are records a terminal would act on or that break
// column arithmetic: escapes, BEL, NUL, DEL, C1, bidi controls, wide, RTL and
// combining text, a 380 KB value, a map nested 30 deep, binary (invalid
// UTF-8), sets and 38-digit numbers.
func hostileConnections() []ops.Item {
	values := []string{
		"\x1b[2J\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x00nul\x7fdel\u009b31m",
		"配達員ドライバー", "\u202eevil\u2066שלום\u2069", "e\u0301e\u0301\u200d👩‍👩‍👧", strings.Repeat("x", 380<<10),
	}
	nested := types.AttributeValue(&types.AttributeValueMemberS{Value: "\x1b[5mbottom"})
	for range 30 {
		nested = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"\x1b[1mk": nested}}
	}
	var items []ops.Item
	for i, v := range values {
		items = append(items, ops.Item{
			"connectionId": &types.AttributeValueMemberS{Value: fmt.Sprintf("Hostile%08d=", i)},
			"userId":       &types.AttributeValueMemberS{Value: v},
			"appId":        &types.AttributeValueMemberS{Value: "drivers\x1b[31m"},
			"entityType":   &types.AttributeValueMemberS{Value: v[:min(len(v), 40)]},
			"platform":     &types.AttributeValueMemberS{Value: "\u202eios"},
			"connectedAt":  &types.AttributeValueMemberN{Value: fmt.Sprint(fixedNow.UnixMilli())},
			"big":          &types.AttributeValueMemberN{Value: "12345678901234567890123456789012345678"},
			"bin":          &types.AttributeValueMemberB{Value: []byte{0xff, 0x1b, '[', '2', 'J', 0}},
			"ss":           &types.AttributeValueMemberSS{Value: []string{"\x1b[31m", "a"}},
			"nested":       nested,
		})
	}
	return items
}

// checkScreen fails t when a view is not exactly width × height cells or
// carries anything a terminal would act on (the tests render in ASCII
// profile: no styling escapes either).
func checkScreen(t *testing.T, what, view string, width, height int) {
	t.Helper()
	if !utf8.ValidString(view) {
		t.Fatalf("%s: invalid UTF-8", what)
	}
	for _, r := range view {
		if r != '\n' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)) {
			t.Fatalf("%s: raw %U on screen", what, r)
		}
	}
	lines := strings.Split(view, "\n")
	if len(lines) > height {
		t.Errorf("%s: %d lines on a %d-line terminal", what, len(lines), height)
	}
	for i, l := range lines {
		if w := sanitize.Width(l); w > width {
			t.Errorf("%s: line %d is %d cells on a %d-cell terminal: %.80q", what, i, w, width, l)
		}
	}
}

func TestHostileRecordsInTheConsole(t *testing.T) {
	for _, size := range [][2]int{{160, 45}, {80, 24}, {40, 12}} {
		r := newRig(t, uitest.Options{Extra: hostileConnections()}, 14)
		r.Send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		what := fmt.Sprintf("connections at %dx%d", size[0], size[1])
		checkScreen(t, what, r.M.View(), size[0], size[1])
		if lines := strings.Split(r.M.View(), "\n"); len(lines) != size[1] || !strings.HasPrefix(lines[len(lines)-1], "? help") {
			t.Errorf("%s: %d lines, the last %q: the body must leave room for the header the data grew", what, len(lines), lines[len(lines)-1])
		}
		if size[0] == 160 && !strings.Contains(r.M.View(), `\x1b[2J`) {
			t.Errorf("%s: the escaped user id is not shown:\n%s", what, r.M.View())
		}
		// Every hostile row's details: all raw attributes, bounded.
		r.Keys("/Hostile")
		r.Send(enter)
		r.until("the hostile rows", func(m Model) bool { return m.conns().Len() == 5 })
		for i := range 5 {
			id, _ := r.M.conns().Selected()
			r.Send(enter)
			r.until(fmt.Sprintf("the details of row %d", i), func(m Model) bool {
				return m.topName() == "detail" && !strings.Contains(m.views["detail"].View(), "reading ")
			})
			checkScreen(t, fmt.Sprintf("%s, details of %q", what, id), r.M.View(), size[0], size[1])
			r.Send(esc)
			r.Send(tea.KeyMsg{Type: tea.KeyDown})
		}
	}
}
