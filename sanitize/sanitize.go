// Package sanitize makes text from records and the network safe to show on a
// terminal: control characters and escape sequences become visible escapes,
// invalid UTF-8 becomes \xNN, and cell widths account for wide characters.
package sanitize

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

// Text returns s with every control character (C0, DEL, C1, and the Unicode
// bidi controls that can reorder a line) written as a visible escape such as
// \x1b or \u202e, and every invalid UTF-8 byte as \xNN. Printable text, wide
// and combining characters included, is kept as it is.
func Text(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && unsafeRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// unsafeRune reports runes a terminal would act on instead of printing.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f:
		return true // bidi embedding, override and isolate controls
	}
	return false
}

// isClean reports whether Text would return s unchanged; the common pure
// ASCII case costs one pass and no allocation.
func isClean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return utf8.ValidString(s) && !strings.ContainsFunc(s, unsafeRune)
		}
	}
	return true
}

// Width is the number of terminal cells s occupies once sanitized.
func Width(s string) int { return runewidth.StringWidth(s) }

// Cell sanitizes s and fits it to exactly width cells: truncated with "…" when
// too wide, padded with spaces when too narrow.
//
// Widths are measured on the final string, grapheme clusters and all: a
// mark that joins what follows it (U+0601, a prepended concatenation mark)
// takes a padding space into its cluster, so padding is measured again
// rather than counted.
func Cell(s string, width int) string {
	s = Text(s)
	if Width(s) > width {
		s = runewidth.Truncate(s, width, "…")
		for Width(s) > width { // a cluster the truncation measured apart
			r := []rune(strings.TrimSuffix(s, "…"))
			if len(r) == 0 {
				return runewidth.FillRight("…", width)
			}
			s = string(r[:len(r)-1]) + "…"
		}
	}
	for w := Width(s); w < width; w = Width(s) {
		s += strings.Repeat(" ", width-w)
	}
	return s
}

// JSON returns b, a JSON document, with every character a terminal would act
// on that encoding/json leaves as it is (DEL, C1 controls, bidi controls)
// written as a \uXXXX escape. Those characters only occur inside JSON
// strings, so the document decodes to the same values; it is also safe to
// print. b is returned unchanged when it has none.
func JSON(b []byte) []byte {
	clean := true
	for i := 0; i < len(b); i++ {
		if b[i] >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return b
	}
	s := string(b)
	if !strings.ContainsFunc(s, unsafeRune) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for _, r := range s {
		if r >= 0x7f && unsafeRune(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
			continue
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}
