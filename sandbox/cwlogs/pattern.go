package cwlogs

import (
	"fmt"
	"strings"
)

// maxPatternLen is the longest filter pattern CloudWatch Logs accepts.
const maxPatternLen = 1024

// pattern is a parsed filter pattern of the subset the sandbox serves, the
// one for unstructured events: terms, each a word of letters, digits and
// underscores or a quoted phrase ("L0SM9cOFvHcCIhw=", with \" and \\
// escaped inside), matched case-sensitively anywhere in the message. Terms
// side by side must all match (ERROR Exception); terms each prefixed with
// ? match when any does (?"a" ?"b"). An empty pattern matches every event.
// JSON ({ $.x = 1 }), space-delimited ([ip, ...]) and regular expression
// (%…%) patterns, exclusions (-term) and a mix of ?-terms and plain terms
// are refused with InvalidParameterException: the sandbox never answers a
// pattern it does not understand by matching something else.
type pattern struct {
	terms []string
	any   bool // match when any term does (else when all do)
}

// parsePattern reads a filter pattern; the error says what is not served.
func parsePattern(s string) (*pattern, error) {
	if len(s) > maxPatternLen {
		return nil, fmt.Errorf("the filter pattern is %d characters long: at most %d are allowed", len(s), maxPatternLen)
	}
	p := &pattern{}
	optional, plain := 0, 0
	rest := strings.TrimSpace(s)
	for rest != "" {
		opt := false
		if rest[0] == '?' {
			opt = true
			rest = rest[1:]
		}
		term, after, err := readTerm(rest)
		if err != nil {
			return nil, err
		}
		if opt {
			optional++
		} else {
			plain++
		}
		p.terms = append(p.terms, term)
		rest = strings.TrimLeft(after, " \t")
	}
	if optional > 0 && plain > 0 {
		return nil, fmt.Errorf("the filter pattern %q mixes ?-terms and plain terms: the wsops sandbox serves either terms that must all match or ?-terms of which one must", clip(s))
	}
	p.any = optional > 0
	return p, nil
}

// readTerm reads one term at the start of s: a quoted phrase or a word.
func readTerm(s string) (term, rest string, err error) {
	switch {
	case s == "" || s[0] == ' ' || s[0] == '\t':
		return "", "", fmt.Errorf("a ? must be followed by a term")
	case s[0] == '"':
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch c := s[i]; {
			case c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
				b.WriteByte(s[i+1])
				i++
			case c == '"':
				if b.Len() == 0 {
					return "", "", fmt.Errorf("the filter pattern has an empty quoted term")
				}
				if i+1 < len(s) && s[i+1] != ' ' && s[i+1] != '\t' {
					return "", "", fmt.Errorf("a quoted term must be followed by a space or the end of the pattern, not %q", s[i+1:i+2])
				}
				return b.String(), s[i+1:], nil
			default:
				b.WriteByte(c)
			}
		}
		return "", "", fmt.Errorf("the filter pattern has an unterminated quoted term")
	}
	end := strings.IndexAny(s, " \t")
	if end < 0 {
		end = len(s)
	}
	word := s[:end]
	for i := 0; i < len(word); i++ {
		if c := word[i]; !isWordChar(c) {
			return "", "", unsupported(word, c)
		}
	}
	return word, s[end:], nil
}

// unsupported says why a bare term is refused.
func unsupported(word string, c byte) error {
	switch word[0] {
	case '{':
		return fmt.Errorf("JSON filter patterns ({ $.field = value }) are not served by the wsops sandbox")
	case '[':
		return fmt.Errorf("space-delimited filter patterns ([a, b, ...]) are not served by the wsops sandbox")
	case '%':
		return fmt.Errorf("regular expression filter patterns (%%…%%) are not served by the wsops sandbox")
	case '-':
		return fmt.Errorf("exclusions (-term) are not served by the wsops sandbox")
	}
	return fmt.Errorf("the term %s contains %q: a term with characters other than letters, digits and underscores must be quoted (\"%s\")", clip(word), c, clip(word))
}

func isWordChar(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// match reports whether message matches p (a nil p matches everything).
func (p *pattern) match(message string) bool {
	if p == nil || len(p.terms) == 0 {
		return true
	}
	for _, t := range p.terms {
		if strings.Contains(message, t) == p.any {
			return p.any
		}
	}
	return !p.any
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
