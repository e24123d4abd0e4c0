package fleet

import (
	"strings"
	"unicode/utf8"
)

// containsFold reports whether lower, a lower-cased word, occurs in s when s
// is lower-cased. ASCII text (ids, users, most values) is compared in place
// without allocating; anything else goes through strings.ToLower, so the
// result is exactly strings.Contains(strings.ToLower(s), lower).
func containsFold(s, lower string, lowerIsASCII bool) bool {
	if !isASCII(s) {
		return strings.Contains(strings.ToLower(s), lower)
	}
	if !lowerIsASCII {
		return false // lower-cased ASCII stays ASCII
	}
	n := len(lower)
	if n == 0 {
		return true
	}
	first := lower[0]
	for i := 0; i+n <= len(s); i++ {
		if toLowerASCII(s[i]) != first {
			continue
		}
		j := 1
		for j < n && toLowerASCII(s[i+j]) == lower[j] {
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func toLowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
