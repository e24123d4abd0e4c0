package clientview

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"wsops/ui/styles"
)

// The new-client form shows a prefilled value as a value and a hint as a
// hint: hints in parentheses, drawn faint and italic; values drawn plain.
func TestFormValuesLookLikeValuesAndHintsLikeHints(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	r.SetHasDarkBackground(true)
	st := styles.NewFor(r, styles.DefaultTheme())
	var f form
	f.setWidth(120)
	f.open(Identity{User: "sandbox-user", App: "customers", Platform: "web", Ping: "5s"}, st)
	f.fields[0].Blur() // every field as it shows unfocused
	lines := strings.Split(f.view("New test client", st), "\n")
	row := func(label string) string {
		for _, l := range lines {
			if strings.Contains(stripSGR(l), label+" ") {
				return l
			}
		}
		t.Fatalf("no %s row", label)
		return ""
	}
	const faintItalic = "\x1b[3;2;"
	for _, label := range []string{"user", "app", "platform", "ping"} {
		if l := row(label); strings.Contains(l, faintItalic) || strings.Contains(stripSGR(l), "(") {
			t.Errorf("the %s value is drawn as a hint: %q", label, l)
		}
	}
	for _, label := range []string{"entity", "business", "token", "query", "headers", "reconnect"} {
		l := row(label)
		if !strings.Contains(l, faintItalic) || !strings.Contains(stripSGR(l), "(") {
			t.Errorf("the empty %s field's hint is not drawn as one: %q", label, l)
		}
	}
}

// stripSGR drops the colour sequences of a rendered line.
func stripSGR(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
