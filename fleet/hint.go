package fleet

import (
	"fmt"
	"slices"
	"strings"
)

// Hint says which of q's app: and entity: values neither the data nor the
// preset knows, with the closest known value — "no app order-reciever (did
// you mean order-receiver?)" — or "" when all are known. Such a filter is
// valid, and matches nothing.
func Hint(q Query, apps, entities []string) string {
	var hints []string
	for _, f := range []struct {
		name, value string
		known       []string
	}{{"app", q.App, apps}, {"entity type", q.Entity, entities}} {
		if f.value == "" || slices.Contains(f.known, f.value) {
			continue
		}
		h := fmt.Sprintf("no %s %s", f.name, f.value)
		if c := closest(f.value, f.known); c != "" {
			h += fmt.Sprintf(" (did you mean %s?)", c)
		}
		hints = append(hints, h)
	}
	return strings.Join(hints, "; ")
}

// closest is the known value nearest to s by edit distance, if it is near
// enough to be a typo (a third of its length, at least 2 edits).
func closest(s string, known []string) string {
	best, bestD := "", max(2, len([]rune(s))/3)+1
	for _, k := range known {
		if d := distance(strings.ToLower(s), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}
