package sanitize

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTextNeutralizesTerminalControls(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"\x1b]52;c;ZXZpbA==\x07", `\x1b]52;c;ZXZpbA==\x07`},
		{"\x1b[2J", `\x1b[2J`},
		{"a\x00b\x7fc", `a\x00b\x7fc`},
		{"\u009b31m", `\u009b31m`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"user\u202eevil", `user\u202eevil`},
		{"配達員 café", "配達員 café"},
	}
	for _, c := range cases {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCellKeepsColumnsAligned(t *testing.T) {
	for _, s := range []string{"abc", "配達員", "e\u0301e\u0301", "\x1b[31mred", strings.Repeat("x", 40)} {
		if w := Width(Cell(s, 10)); w != 10 {
			t.Errorf("Cell(%q, 10) is %d cells wide", s, w)
		}
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"", "ok", "\x1b[2J", "\x1b]52;c;x\x07", "\xff\xfe", "\u202e", "配"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		if strings.ContainsFunc(out, unsafeRune) {
			t.Fatalf("control character survived in %q", out)
		}
	})
}

// FuzzCell checks the table's promise: a cell is exactly its width, whatever
// the text (wide, combining, RTL, controls, invalid UTF-8), and carries no
// character a terminal would act on.
func FuzzCell(f *testing.F) {
	for _, s := range []string{"", "abc", "配達員", "e\u0301", "\u05e9\u05dc\u05d5\u05dd", "\x1b[31m", "\xff", "👩‍👩‍👧", "\u200b\u200d", "ﷺ"} {
		f.Add(s, uint8(10))
	}
	f.Fuzz(func(t *testing.T, s string, w uint8) {
		width := 1 + int(w)%80
		cell := Cell(s, width)
		if got := Width(cell); got != width {
			t.Fatalf("Cell(%q, %d) = %q is %d cells wide", s, width, cell, got)
		}
		if !utf8.ValidString(cell) || strings.ContainsFunc(cell, unsafeRune) {
			t.Fatalf("Cell(%q, %d) = %q carries a control character", s, width, cell)
		}
	})
}

// FuzzJSON: whatever strings a record holds, the JSON printed for it decodes
// to the same strings and carries no character a terminal would act on.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{"", "ok", "\x7f", "\u009b31m", "\u202eevil", "配\u2066", "\x1b[2J", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := json.Marshal(map[string]string{s: s})
		if err != nil {
			t.Fatal(err)
		}
		safe := JSON(raw)
		var back map[string]string
		if err := json.Unmarshal(safe, &back); err != nil {
			t.Fatalf("JSON(%s) = %s does not parse: %v", raw, safe, err)
		}
		var want map[string]string
		_ = json.Unmarshal(raw, &want)
		if len(back) != 1 || back[strings.ToValidUTF8(s, "\ufffd")] != want[strings.ToValidUTF8(s, "\ufffd")] {
			t.Fatalf("JSON changed the value: %q → %q", want, back)
		}
		if strings.ContainsFunc(string(safe), func(r rune) bool { return r != '\n' && unsafeRune(r) }) {
			t.Fatalf("JSON(%q) = %q keeps a control character", raw, safe)
		}
	})
}
