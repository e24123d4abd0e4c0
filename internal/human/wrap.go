package human

import (
	"strings"

	"wsops/sanitize"
)

// Wrap breaks text into lines of at most width cells, at spaces where it
// can; the lines after the first start with indent. Nothing is cut off: a
// word longer than a line is broken across lines. A width too narrow to
// hold the indent and a few cells leaves text as one line.
func Wrap(text string, width int, indent string) []string {
	if width <= len(indent)+8 || sanitize.Width(text) <= width {
		return []string{text}
	}
	var lines []string
	line := ""
	for _, word := range strings.Split(text, " ") {
		switch {
		case line == "":
			line = word
		case sanitize.Width(line)+1+sanitize.Width(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = indent + word
		}
		for sanitize.Width(line) > width { // a word longer than a line
			r := []rune(line)
			cut := max(1, min(len(r), width))
			lines = append(lines, string(r[:cut]))
			line = indent + string(r[cut:])
		}
	}
	return append(lines, line)
}
