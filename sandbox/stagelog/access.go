package stagelog

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// contextVar matches one $context variable of an access log format.
var contextVar = regexp.MustCompile(`\$context\.([A-Za-z0-9_.]*[A-Za-z0-9_])`)

// accessFormat is a stage's access log format, split at its variables.
type accessFormat struct {
	literals []string // len(vars)+1 pieces around the variables
	vars     []string
	json     bool // a JSON format: values are escaped as JSON strings' contents
}

func parseAccessFormat(format string) *accessFormat {
	f := &accessFormat{json: strings.HasPrefix(strings.TrimSpace(format), "{")}
	last := 0
	for _, m := range contextVar.FindAllStringSubmatchIndex(format, -1) {
		f.literals = append(f.literals, format[last:m[0]])
		f.vars = append(f.vars, format[m[2]:m[3]])
		last = m[1]
	}
	f.literals = append(f.literals, format[last:])
	return f
}

// render is the access line: each variable replaced by its value, or "-"
// when it has none, as API Gateway writes them.
func (f *accessFormat) render(value func(name string) string) string {
	var b strings.Builder
	for i, v := range f.vars {
		b.WriteString(f.literals[i])
		s := value(v)
		switch {
		case s == "":
			b.WriteByte('-')
		case f.json:
			b.WriteString(jsonContent(s))
		default:
			b.WriteString(s)
		}
	}
	b.WriteString(f.literals[len(f.vars)])
	return b.String()
}

// jsonContent is s escaped as the inside of a JSON string (without HTML
// escaping: a query string's & stays &).
func jsonContent(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	return string(out[1 : len(out)-1])
}
