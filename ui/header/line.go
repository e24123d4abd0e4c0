package header

import (
	"strings"

	"github.com/charmbracelet/lipgloss"

	"wsops/sanitize"
)

// seg is a run of sanitized text and its style.
type seg struct {
	text  string
	style lipgloss.Style
}

func width(segs []seg) int {
	w := 0
	for _, s := range segs {
		w += sanitize.Width(s.text)
	}
	return w
}

// line lays left and right out on exactly width cells, right flush against
// the right edge. It reports false when they do not fit side by side with at
// least gap cells between them.
func line(w int, left, right []seg, gap int) (string, bool) {
	lw, rw := width(left), width(right)
	if len(right) == 0 {
		gap = 0
	}
	if lw+gap+rw > w {
		return "", false
	}
	segs := append(append(append([]seg(nil), left...), seg{text: strings.Repeat(" ", w-lw-rw)}), right...)
	return render(segs), true
}

// cut lays segs out on exactly w cells, padded. The segment that crosses the
// edge is cut with "…" when at least minCut cells of it fit; otherwise it is
// dropped, with the gap before it, and the line ends in "…".
func cut(w int, segs []seg) string {
	var out []seg
	x := 0
	for _, s := range segs {
		sw := sanitize.Width(s.text)
		if x+sw <= w {
			out = append(out, s)
			x += sw
			continue
		}
		if rest := w - x; rest >= minCut && strings.TrimSpace(s.text) != "" {
			out = append(out, seg{text: sanitize.Cell(s.text, rest), style: s.style})
			x = w
			break
		}
		for len(out) > 0 && strings.TrimSpace(out[len(out)-1].text) == "" {
			x -= sanitize.Width(out[len(out)-1].text)
			out = out[:len(out)-1]
		}
		ell := seg{text: "…", style: s.style}
		if len(out) > 0 {
			ell.style = out[len(out)-1].style // gaps carry no style of their own
		}
		switch {
		case x == 0 && w > 0:
			out = append(out, seg{text: sanitize.Cell(s.text, w), style: s.style})
			x = w
		case x+2 <= w:
			out = append(out, seg{text: " "}, ell)
			x += 2
		case x+1 <= w:
			out = append(out, ell)
			x++
		}
		break
	}
	if x < w {
		out = append(out, seg{text: strings.Repeat(" ", w-x)})
	}
	return render(out)
}

// minCut is the fewest cells of a segment worth showing before a "…".
const minCut = 4

func render(segs []seg) string {
	var b strings.Builder
	for _, s := range segs {
		if s.text == "" {
			continue
		}
		if strings.TrimSpace(s.text) == "" {
			b.WriteString(s.text) // padding stays unstyled
			continue
		}
		b.WriteString(s.style.Render(s.text))
	}
	return b.String()
}
