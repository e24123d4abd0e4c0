package fleet

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SyntaxError is a filter Parse rejects, with where the offending token starts
// so the console can point at it.
type SyntaxError struct {
	Token  string // the offending token as typed
	Offset int    // byte offset of the token in the input
	Column int    // 1-based column of the token, counted in runes as a text input counts them
	Reason string // what is wrong, e.g. "unknown key foo: (want …)"
}

// Error implements error.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("filter: %q at column %d: %s", e.Token, e.Column, e.Reason)
}

func newSyntaxError(src string, tok token, format string, args ...any) *SyntaxError {
	return &SyntaxError{
		Token:  src[tok.start:tok.end],
		Offset: tok.start,
		Column: utf8.RuneCountInString(src[:tok.start]) + 1,
		Reason: fmt.Sprintf(format, args...),
	}
}

// token is one space-separated piece of a filter: a free word, or key:value.
type token struct {
	key        string // as typed; "" for a free word
	hasKey     bool
	value      string // quotes removed, escapes resolved
	start, end int    // byte range in the source
}

// lexer splits a filter into tokens.
type lexer struct {
	src string
	pos int
}

// next returns the next token; ok is false at the end of the input.
func (lx *lexer) next() (tok token, ok bool, err error) {
	lx.skipSpace()
	if lx.pos >= len(lx.src) {
		return token{}, false, nil
	}
	tok.start = lx.pos
	if n := keyLength(lx.src[lx.pos:]); n > 0 {
		tok.key, tok.hasKey = lx.src[lx.pos:lx.pos+n], true
		lx.pos += n + 1 // the key and its colon
	}
	var b strings.Builder
	quoted := false
	for lx.pos < len(lx.src) {
		r, size := utf8.DecodeRuneInString(lx.src[lx.pos:])
		switch {
		case !quoted && unicode.IsSpace(r):
			tok.end = lx.pos
			tok.value = b.String()
			return tok, true, nil
		case r == '"':
			quoted = !quoted
		case quoted && r == '\\' && lx.pos+size < len(lx.src):
			lx.pos += size
			_, size = utf8.DecodeRuneInString(lx.src[lx.pos:])
			b.WriteString(lx.src[lx.pos : lx.pos+size])
		default:
			b.WriteString(lx.src[lx.pos : lx.pos+size]) // the bytes as typed, even invalid UTF-8
		}
		lx.pos += size
	}
	tok.end = lx.pos
	if quoted {
		return token{}, false, newSyntaxError(lx.src, tok, "unterminated quote")
	}
	tok.value = b.String()
	return tok, true, nil
}

func (lx *lexer) skipSpace() {
	for lx.pos < len(lx.src) {
		r, size := utf8.DecodeRuneInString(lx.src[lx.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		lx.pos += size
	}
}

// keyLength is the length of the key when s starts with ASCII letters and a
// colon (`app:`), else 0: such a token is key:value, anything else a word.
func keyLength(s string) int {
	n := 0
	for n < len(s) && isASCIILetter(s[n]) {
		n++
	}
	if n > 0 && n < len(s) && s[n] == ':' {
		return n
	}
	return 0
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// String is q in canonical form: free words, then app:, entity:, user:,
// platform:, topic:, business:, route:, status:, then is: tokens, quoted
// where needed. Parse(q.String()) gives back q.
func (q Query) String() string {
	var parts []string
	for _, w := range q.Words {
		if w == "" {
			continue
		}
		if keyLength(w) > 0 || needsQuotes(w) {
			w = quote(w)
		}
		parts = append(parts, w)
	}
	for _, kv := range []struct{ key, value string }{
		{KeyApp, q.App}, {KeyEntity, q.Entity}, {KeyUser, q.User}, {KeyPlatform, q.Platform}, {KeyTopic, q.Topic},
		{KeyBusiness, q.Business}, {KeyRoute, q.Route}, {KeyStatus, q.Status},
	} {
		if kv.value == "" {
			continue
		}
		v := kv.value
		if needsQuotes(v) {
			v = quote(v)
		}
		parts = append(parts, kv.key+":"+v)
	}
	for _, f := range []struct {
		on    bool
		value string
	}{{q.Stale, IsStale}, {q.Problem, IsProblem}, {q.Gone, IsGone}} {
		if f.on {
			parts = append(parts, KeyIs+":"+f.value)
		}
	}
	return strings.Join(parts, " ")
}

// needsQuotes reports whether s would not read back as one token unquoted.
func needsQuotes(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r == '"' || unicode.IsSpace(r) }) >= 0
}

// quote wraps s in double quotes, escaping quotes and backslashes.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
