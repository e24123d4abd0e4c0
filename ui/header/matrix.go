package header

import (
	"strings"

	"github.com/mattn/go-runewidth"

	"wsops/ops"
	"wsops/sanitize"
	"wsops/ui/styles"
)

// Matrix geometry: the gap between columns, the widest an entity column's
// title gets, and the share of the width the app column may take.
const (
	colGap      = 2
	maxEntityW  = 16
	minAppW     = 8
	appWidthDiv = 3
)

// matrix renders the app × entity type counts: a title row of entity types,
// then one row per app. A count is followed by a one-cell marker slot that
// holds `!` when the cell breaks the preset's rule.
func matrix(info Info, w int, st styles.Styles) []string {
	if len(info.Apps) == 0 || len(info.Entities) == 0 {
		return nil
	}
	apps := make([]string, len(info.Apps))
	appW := 0
	for i, a := range info.Apps {
		apps[i] = sanitize.Text(a)
		appW = max(appW, sanitize.Width(apps[i]))
	}
	appW = min(appW, max(minAppW, w/appWidthDiv))

	type cell struct {
		text  string
		n     int
		broke bool
	}
	grid := make([][]cell, len(info.Apps))
	colW := make([]int, len(info.Entities))
	ents := make([]string, len(info.Entities))
	anyBreak := false
	for j, e := range info.Entities {
		ents[j] = sanitize.Text(e)
		colW[j] = min(sanitize.Width(ents[j]), maxEntityW)
	}
	for i, a := range info.Apps {
		grid[i] = make([]cell, len(info.Entities))
		for j, e := range info.Entities {
			key := ops.AppEntity{App: a, EntityType: e} // raw: the caller's keys
			c := cell{n: info.Cells[key], text: "·"}
			if c.n != 0 {
				c.text = thousands(c.n)
			}
			c.broke = c.n > 0 && info.Breaks != nil && info.Breaks(key)
			anyBreak = anyBreak || c.broke
			grid[i][j] = c
			colW[j] = max(colW[j], sanitize.Width(c.text)+1)
		}
	}

	// Whole columns or none: a cut count would read as another number.
	shown, x := 0, appW
	for _, cw := range colW {
		if x+colGap+cw > w {
			break
		}
		shown, x = shown+1, x+colGap+cw
	}
	more := []seg(nil)
	if shown < len(colW) {
		more = []seg{{text: " "}, {"…", st.Muted}}
	}

	gap := seg{text: strings.Repeat(" ", colGap)}
	title := []seg{{text: strings.Repeat(" ", appW)}}
	for j, e := range ents[:shown] {
		title = append(title, gap, seg{rightAlign(e, colW[j]), st.MatrixHeader})
	}
	title = append(title, more...)
	lines := make([]string, 0, len(apps)+1)
	legend := []seg{{"! breaks the app rule", st.Muted}}
	if s, ok := line(w, title, legend, 4); anyBreak && ok {
		lines = append(lines, s)
	} else {
		lines = append(lines, cut(w, title))
	}
	for i, a := range apps {
		row := []seg{{sanitize.Cell(a, appW), st.MatrixHeader}}
		for j, c := range grid[i][:shown] {
			row = append(row, gap, seg{text: strings.Repeat(" ", colW[j]-sanitize.Width(c.text)-1)})
			switch {
			case c.broke:
				row = append(row, seg{c.text + "!", st.MatrixBreak})
			case c.n == 0:
				row = append(row, seg{c.text, st.Muted}, seg{text: " "})
			default:
				row = append(row, seg{c.text, st.MatrixCell}, seg{text: " "})
			}
		}
		lines = append(lines, cut(w, append(row, more...)))
	}
	return lines
}

// rightAlign fits s (sanitized) into w cells against the right edge.
func rightAlign(s string, w int) string {
	if sanitize.Width(s) > w {
		return sanitize.Cell(s, w)
	}
	return runewidth.FillLeft(s, w)
}
