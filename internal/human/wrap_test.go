package human

import (
	"strings"
	"testing"

	"wsops/sanitize"
)

// A change's diff wraps on a narrow terminal: no line is wider than asked,
// and nothing is cut off.
func TestWrapKeepsEveryWord(t *testing.T) {
	text := `[x] connections   connectionId=Conn00000000006=  entityType: - "customer" + "merchant"`
	for _, width := range []int{80, 40, 24, 13} {
		lines := Wrap(text, width, "    ")
		joined := ""
		for i, l := range lines {
			if w := sanitize.Width(l); w > width {
				t.Errorf("width %d: line %d is %d cells: %q", width, i, w, l)
			}
			joined += strings.TrimSpace(l)
		}
		if strings.ReplaceAll(text, " ", "") != strings.ReplaceAll(joined, " ", "") {
			t.Errorf("width %d: %q lost text of %q", width, lines, text)
		}
	}
}
