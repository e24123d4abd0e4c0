package secret

import (
	"math"
	"strings"
)

// Thresholds of the high-entropy rule, calibrated so that random tokens of 32
// characters or more are caught while table names, index names and other
// snake_case, kebab-case or camelCase identifiers are not.
const (
	minTokenLen       = 32
	minEntropyBits    = 4.0 // Shannon entropy per character
	minClassSwitches  = 0.3 // share of neighbours whose character classes differ
	maxWordLen        = 8   // a longer run of same-case letters reads as a word
	minDigitShare     = 0.2 // share of digits in a digit-scattered token
	minDigitRuns      = 5   // separate groups of digits in such a token
	awsSecretKeyLen   = 40
	awsAccessKeyIDLen = 20
)

// LooksLikeSecret reports whether s, as a whole, has the shape of a
// credential: a JWT (three base64url segments, the first starting "eyJ"), an
// AWS access key id (AKIA/ASIA and 16 more characters), an AWS secret access
// key (40 base64 characters with upper case, lower case and digits), or a
// long random-looking token (at least 32 characters of [A-Za-z0-9+/=_-]
// whose characters switch class like random text does, or a long hex
// string). URLs, table names, ordinary words and ${env:NAME} references do
// not look like secrets. It is a heuristic for warnings, not a guarantee.
func LooksLikeSecret(s string) bool {
	return isJWT(s) || isAWSAccessKeyID(s) || isAWSSecretKey(s) || isRandomToken(s)
}

// isJWT reports whether s is header.payload.signature in base64url with a
// JSON header ("eyJ" is the encoding of `{"`). The signature may be empty.
func isJWT(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "eyJ") || parts[1] == "" {
		return false
	}
	for _, p := range parts {
		if p != "" && !allBytes(p, isBase64URLChar) {
			return false
		}
	}
	return true
}

// isAWSAccessKeyID reports whether s is a long-term (AKIA) or temporary
// (ASIA) access key id.
func isAWSAccessKeyID(s string) bool {
	if len(s) != awsAccessKeyIDLen || !(strings.HasPrefix(s, "AKIA") || strings.HasPrefix(s, "ASIA")) {
		return false
	}
	return allBytes(s, func(c byte) bool { return isUpper(c) || isDigit(c) })
}

// isAWSSecretKey reports whether s has the shape of an AWS secret access key.
func isAWSSecretKey(s string) bool {
	if len(s) != awsSecretKeyLen {
		return false
	}
	if !allBytes(s, func(c byte) bool { return isAlnum(c) || c == '+' || c == '/' }) {
		return false
	}
	return strings.ContainsFunc(s, isUpperRune) && strings.ContainsFunc(s, isLowerRune) &&
		strings.ContainsFunc(s, isDigitRune)
}

// isRandomToken reports whether s is a long token that reads like random
// characters rather than words.
func isRandomToken(s string) bool {
	if len(s) < minTokenLen || !allBytes(s, func(c byte) bool { return isBase64URLChar(c) || c == '+' || c == '/' || c == '=' }) {
		return false
	}
	body := strings.TrimRight(s, "=")
	if len(body) < minTokenLen {
		return false
	}
	if isHexToken(body) {
		return true
	}
	st := measure(body)
	if st.classes < 2 {
		return false
	}
	if st.digitShare >= minDigitShare && st.digitRuns >= minDigitRuns {
		return true
	}
	return st.longestWord <= maxWordLen && st.entropy >= minEntropyBits && st.switches >= minClassSwitches
}

// isHexToken reports whether s is all hex digits of one case, with both
// digits and letters (a digest or a hex key).
func isHexToken(s string) bool {
	lower := allBytes(s, func(c byte) bool { return isDigit(c) || (c >= 'a' && c <= 'f') })
	upper := allBytes(s, func(c byte) bool { return isDigit(c) || (c >= 'A' && c <= 'F') })
	return (lower || upper) && strings.ContainsFunc(s, isDigitRune) &&
		strings.ContainsFunc(s, func(r rune) bool { return !isDigitRune(r) })
}

// tokenStats are the measures isRandomToken decides on.
type tokenStats struct {
	classes     int     // how many of upper, lower, digit occur
	entropy     float64 // Shannon entropy, bits per character
	switches    float64 // share of neighbouring pairs of different classes
	longestWord int     // longest run of letters of one case
	digitShare  float64 // share of digits
	digitRuns   int     // separate groups of digits
}

// measure computes tokenStats for an ASCII string of at least two characters.
func measure(s string) tokenStats {
	var st tokenStats
	var counts [256]int
	var seen [4]bool
	switches, digits, run := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		counts[c]++
		cl := classOf(c)
		seen[cl] = true
		same := i > 0 && classOf(s[i-1]) == cl
		if i > 0 && !same {
			switches++
		}
		if cl == classDigit {
			digits++
			if !same {
				st.digitRuns++
			}
		}
		switch {
		case cl != classUpper && cl != classLower:
			run = 0
		case same:
			run++
		default:
			run = 1
		}
		st.longestWord = max(st.longestWord, run)
	}
	for _, cl := range []int{classUpper, classLower, classDigit} {
		if seen[cl] {
			st.classes++
		}
	}
	n := float64(len(s))
	for _, k := range counts {
		if k > 0 {
			p := float64(k) / n
			st.entropy -= p * math.Log2(p)
		}
	}
	st.switches = float64(switches) / (n - 1)
	st.digitShare = float64(digits) / n
	return st
}

// Character classes for measure.
const (
	classUpper = iota
	classLower
	classDigit
	classOther
)

// classOf returns the character class of c.
func classOf(c byte) int {
	switch {
	case isUpper(c):
		return classUpper
	case c >= 'a' && c <= 'z':
		return classLower
	case isDigit(c):
		return classDigit
	}
	return classOther
}

func isUpper(c byte) bool         { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool         { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool         { return isUpper(c) || isDigit(c) || (c >= 'a' && c <= 'z') }
func isBase64URLChar(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }
func isUpperRune(r rune) bool     { return r >= 'A' && r <= 'Z' }
func isLowerRune(r rune) bool     { return r >= 'a' && r <= 'z' }
func isDigitRune(r rune) bool     { return r >= '0' && r <= '9' }

// allBytes reports whether s is non-empty and every byte of it satisfies ok.
func allBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return s != ""
}
