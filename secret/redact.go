// Package secret keeps tokens and keys out of sight: it redacts them for
// display and recognizes strings that look like credentials so that config
// loading can warn about them and logs can scrub them.
package secret

import (
	"strconv"
	"strings"
)

// shownPrefix is how many leading characters Redact keeps of a long secret.
const shownPrefix = 4

// shortSecret is the longest secret Redact hides entirely: showing 4
// characters of an 8-character secret would give half of it away.
const shortSecret = 8

// Redact returns a form of s safe to print: its first four characters, an
// ellipsis and its length in characters, as in "eyJh…(312 chars)". Secrets of
// eight characters or fewer show no prefix ("…(6 chars)"), and "" stays "".
// Characters are runes; invalid UTF-8 counts one character per bad byte.
func Redact(s string) string {
	if s == "" {
		return ""
	}
	runes := []rune(s)
	prefix := ""
	if len(runes) > shortSecret {
		prefix = string(runes[:shownPrefix])
	}
	return prefix + "…(" + countChars(len(runes)) + ")"
}

// countChars formats n as "n chars", or "1 char".
func countChars(n int) string {
	if n == 1 {
		return "1 char"
	}
	return strconv.Itoa(n) + " chars"
}

// Scrub returns text with every word that LooksLikeSecret replaced by its
// Redact form. A word is a run of characters that can appear in a token
// (letters, digits and + / = _ . -); a word such as "token=eyJ…" is also
// examined piece by piece around its "=" signs, so query strings and
// key=value pairs are scrubbed too, and so is the password of every URI
// (ScrubURIs). Everything else is left as it is.
func Scrub(text string) string {
	text = ScrubURIs(text)
	var b strings.Builder
	forEachWord(text, func(word string, isWord bool) {
		if isWord {
			word = scrubWord(word)
		}
		b.WriteString(word)
	})
	return b.String()
}

// ContainsSecret reports whether any word of text looks like a secret, by the
// rules of Scrub (a URI with a password included).
func ContainsSecret(text string) bool {
	found := ScrubURIs(text) != text
	forEachWord(text, func(word string, isWord bool) {
		if isWord && !found && scrubWord(word) != word {
			found = true
		}
	})
	return found
}

// scrubWord redacts word if it is a secret, else each of its "="-separated
// pieces that is one.
func scrubWord(word string) string {
	if LooksLikeSecret(word) {
		return Redact(word)
	}
	if !strings.Contains(strings.TrimRight(word, "="), "=") {
		return word
	}
	pieces := strings.Split(word, "=")
	for i, p := range pieces {
		if LooksLikeSecret(p) {
			pieces[i] = Redact(p)
		}
	}
	return strings.Join(pieces, "=")
}

// forEachWord calls fn for each maximal run of token characters (isWord true)
// and each run of other characters (isWord false), in order, so that the
// pieces concatenate back to text.
func forEachWord(text string, fn func(piece string, isWord bool)) {
	start := 0
	for start < len(text) {
		inWord := isTokenChar(text[start])
		end := start + 1
		for end < len(text) && isTokenChar(text[end]) == inWord {
			end++
		}
		fn(text[start:end], inWord)
		start = end
	}
}

// isTokenChar reports whether c can be part of a token, a key or a JWT.
func isTokenChar(c byte) bool {
	return isBase64URLChar(c) || c == '+' || c == '/' || c == '=' || c == '.'
}

// ScrubLog is Scrub for log lines: request ids, which AWS writes as
// canonical UUIDs (8-4-4-4-12 hex digits) in every Lambda and execution
// line, are kept, since a trail is joined on them; everything else that
// looks like a secret is redacted, URIs' passwords included.
func ScrubLog(text string) string {
	text = ScrubURIs(text)
	var b strings.Builder
	forEachWord(text, func(word string, isWord bool) {
		if isWord && !IsUUID(word) {
			word = scrubWord(word)
		}
		b.WriteString(word)
	})
	return b.String()
}

// IsUUID reports whether s is a canonical UUID: 8-4-4-4-12 hex digits.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isDigit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
