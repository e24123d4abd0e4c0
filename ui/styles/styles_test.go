package styles

import (
	"io"
	"reflect"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

func renderer(p termenv.Profile) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	r.SetHasDarkBackground(true)
	return r
}

// each calls f with the name and value of every field of st.
func each(st Styles, f func(name string, s lipgloss.Style)) {
	v := reflect.ValueOf(st)
	for i := range v.NumField() {
		f(v.Type().Field(i).Name, v.Field(i).Interface().(lipgloss.Style))
	}
}

func TestStylesKeepWidth(t *testing.T) {
	for _, p := range []termenv.Profile{termenv.Ascii, termenv.ANSI256, termenv.TrueColor} {
		n := 0
		each(NewFor(renderer(p), DefaultTheme()), func(name string, s lipgloss.Style) {
			n++
			if f := s.GetHorizontalFrameSize() + s.GetVerticalFrameSize(); f != 0 {
				t.Errorf("%s: frame size %d, want 0 (styles carry no padding, margin or border)", name, f)
			}
			if s.GetWidth() != 0 || s.GetMaxWidth() != 0 {
				t.Errorf("%s sets a width", name)
			}
			out := s.Render("ab 山")
			if w := lipgloss.Width(out); w != 5 {
				t.Errorf("%s (profile %d): width %d, want 5: %q", name, p, w, out)
			}
			if p == termenv.Ascii && out != "ab 山" {
				t.Errorf("%s: ASCII profile rendered %q", name, out)
			}
		})
		if n != reflect.TypeFor[Styles]().NumField() || n < 26 {
			t.Fatalf("visited %d styles", n)
		}
	}
}

func TestStylesAreDistinctWhereItMatters(t *testing.T) {
	st := NewFor(renderer(termenv.TrueColor), DefaultTheme())
	if _, ok := st.RowCursor.GetForeground().(lipgloss.NoColor); !ok {
		t.Errorf("RowCursor sets a foreground; it must let the row's state colour through")
	}
	seen := map[string]string{}
	for name, s := range map[string]lipgloss.Style{
		"Row": st.Row, "RowCursor": st.RowCursor, "RowAppeared": st.RowAppeared, "RowVanished": st.RowVanished,
		"Problem": st.Problem, "Gone": st.Gone, "Production": st.Production, "ReadOnly": st.ReadOnly,
	} {
		out := s.Render("x")
		if out == "x" {
			t.Errorf("%s renders without any attribute under a colour profile", name)
		}
		if other, dup := seen[out]; dup {
			t.Errorf("%s renders like %s", name, other)
		}
		seen[out] = name
	}
}

func TestDefaultThemeIsComplete(t *testing.T) {
	v := reflect.ValueOf(DefaultTheme())
	for i := range v.NumField() {
		c := v.Field(i).Interface().(lipgloss.AdaptiveColor)
		if c.Light == "" || c.Dark == "" {
			t.Errorf("%s: %+v has an empty side", v.Type().Field(i).Name, c)
		}
	}
}
