package fleet

import (
	"cmp"
	"slices"
	"strings"
)

// SortKey is the column query results are ordered by.
type SortKey int

// The sort keys. Ascending order is: ID, user, app, entity type and platform
// alphabetically; ByAge youngest first (an unknown connect time counts as
// oldest); ByProblems fewest problems first, then by the problems' text.
const (
	ByID SortKey = iota
	ByUser
	ByApp
	ByEntity
	ByPlatform
	ByAge
	ByProblems
)

// String is the key's column name, e.g. "user".
func (k SortKey) String() string {
	switch k {
	case ByID:
		return "id"
	case ByUser:
		return "user"
	case ByApp:
		return "app"
	case ByEntity:
		return "entity"
	case ByPlatform:
		return "platform"
	case ByAge:
		return "age"
	case ByProblems:
		return "problems"
	}
	return "unknown"
}

// sortEntry carries what the comparison needs next to each index, so sorting
// compares local integers and strings instead of chasing rows.
type sortEntry struct {
	key uint64 // primary key when it is a number or a rank
	str string // primary key when it is a string
	id  string // the tie-breaker
	idx int32
}

// sort orders idx by key (desc reverses the key, not the ID tie-break).
func (v *view) sort(idx []int32, key SortKey, desc bool) {
	entries := make([]sortEntry, len(idx))
	var rank []uint32
	switch key {
	case ByApp:
		rank = ranks(v.dict.apps, strings.Compare)
	case ByEntity:
		rank = ranks(v.dict.entities, strings.Compare)
	case ByPlatform:
		rank = ranks(v.dict.platforms, strings.Compare)
	case ByProblems:
		rank = ranks(v.dict.problems, func(a, b problemSet) int {
			return cmp.Or(cmp.Compare(len(a.list), len(b.list)), slices.Compare(a.list, b.list))
		})
	}
	for k, i := range idx {
		r, c := v.rows.at(int(i)), v.codes.at(int(i))
		e := sortEntry{id: r.ID, idx: i}
		switch key {
		default: // ByID, and any unknown key
			e.str = r.ID
		case ByUser:
			e.str = r.User
		case ByApp:
			e.key = uint64(rank[c.app])
		case ByEntity:
			e.key = uint64(rank[c.entity])
		case ByPlatform:
			e.key = uint64(rank[c.platform])
		case ByAge: // youngest first: the latest connect time first
			e.key = ^(uint64(r.ConnectedAt) ^ 1<<63)
		case ByProblems:
			e.key = uint64(rank[c.problems])
		}
		entries[k] = e
	}
	sign := 1
	if desc {
		sign = -1
	}
	slices.SortFunc(entries, func(a, b sortEntry) int {
		if c := cmp.Or(cmp.Compare(a.key, b.key), strings.Compare(a.str, b.str)); c != 0 {
			return sign * c
		}
		return strings.Compare(a.id, b.id)
	})
	for k, e := range entries {
		idx[k] = e.idx
	}
}

// ranks returns, for each dictionary code, its position when the values are
// sorted by compare.
func ranks[T any](values []T, compare func(a, b T) int) []uint32 {
	order := make([]int, len(values))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return compare(values[a], values[b]) })
	rank := make([]uint32, len(values))
	for pos, code := range order {
		rank[code] = uint32(pos)
	}
	return rank
}
