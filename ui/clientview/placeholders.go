package clientview

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
)

// placeholderRE matches {{name}} in a saved message.
var placeholderRE = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}`)

// placeholders lists a template's placeholder names, first occurrence first.
func placeholders(tmpl string) []string {
	var names []string
	for _, m := range placeholderRE.FindAllStringSubmatch(tmpl, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	return names
}

// fillPlaceholders replaces each {{name}} with its value: escaped as JSON
// string content where the placeholder sits inside a string ("{{orderId}}"),
// as typed elsewhere ({{count}}), so a value with a quote cannot break the JSON.
func fillPlaceholders(tmpl string, values map[string]string) string {
	var b strings.Builder
	last := 0
	for _, loc := range placeholderRE.FindAllStringSubmatchIndex(tmpl, -1) {
		b.WriteString(tmpl[last:loc[0]])
		v := values[tmpl[loc[2]:loc[3]]]
		if insideString(tmpl[:loc[0]]) {
			q, _ := json.Marshal(v)
			v = string(q[1 : len(q)-1])
		}
		b.WriteString(v)
		last = loc[1]
	}
	b.WriteString(tmpl[last:])
	return b.String()
}

// insideString reports whether JSON text ending with prefix is inside a string.
func insideString(prefix string) bool {
	in, esc := false, false
	for i := 0; i < len(prefix); i++ {
		c := prefix[i]
		switch {
		case esc:
			esc = false
		case c == '\\' && in:
			esc = true
		case c == '"':
			in = !in
		}
	}
	return in
}
