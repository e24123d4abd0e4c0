package table

import (
	"strings"
	"testing"

	"github.com/muesli/termenv"
)

// A problems cell too long for its column shows a marker and the count (the
// details spell them out), not the text's first letters.
func TestProblemsTooLongShowACount(t *testing.T) {
	cols := []Column{{Title: "ID", Width: 4}, {Title: "PROBLEMS", Flex: true, Min: 3, Brief: ProblemsBrief}}
	src := rows{cells: [][]string{
		{"a", JoinProblems([]string{`entityType "customer" but appId order-receiver`, "older than 2h"})},
		{"b", JoinProblems([]string{"missing userId"})},
		{"c", ""},
	}}
	for _, c := range []struct {
		width int
		want  []string
	}{
		{80, []string{`entityType "customer" but appId order-receiver; older than 2h`, "missing userId"}},
		{30, []string{"! 2 problems", "missing userId"}},
		{19, []string{"! 2 problems", "! 1 problem"}},
		{12, []string{"! 2", "! 1"}},
	} {
		m := New(cols, testStyles(termenv.Ascii))
		m.SetSize(c.width, 5)
		m.SetSource(src)
		lines := strings.Split(sgr.ReplaceAllString(m.View(), ""), "\n")
		for i, want := range c.want {
			if got := strings.TrimSpace(lines[1+i][2+4+1:]); got != want {
				t.Errorf("width %d row %d: %q, want %q", c.width, i, got, want)
			}
		}
	}
}
