package data

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
)

// Summary counts connections by app × entity type, with the rows that have
// problems and the cells that break the schema's app rule.
type Summary struct {
	Total    int
	Problems int
	Counts   map[AppEntity]int
}

// Add counts one connection.
func (s *Summary) Add(c Connection) {
	if s.Counts == nil {
		s.Counts = map[AppEntity]int{}
	}
	s.Total++
	if len(c.Problems) > 0 {
		s.Problems++
	}
	s.Counts[AppEntity{App: c.App, EntityType: c.EntityType}]++
}

// Cells returns the non-empty cells ordered by app, then entity type.
func (s Summary) Cells() []AppEntity {
	return slices.SortedFunc(maps.Keys(s.Counts), func(a, b AppEntity) int {
		return cmp.Or(strings.Compare(a.App, b.App), strings.Compare(a.EntityType, b.EntityType))
	})
}

// Breaks reports whether a cell breaks the schema's app → entity type rule.
func (s Schema) Breaks(cell AppEntity) bool {
	want, ok := s.AppEntity[cell.App]
	return ok && want != cell.EntityType
}

// Summarize drains a connection stream read under ctx into a Summary. It
// returns what it counted so far together with the stream's error, or ctx's
// when the read was cut short.
func Summarize(ctx context.Context, pages <-chan Page[Connection]) (Summary, error) {
	var s Summary
	for pg := range pages {
		if pg.Err != nil {
			return s, pg.Err
		}
		for _, c := range pg.Items {
			s.Add(c)
		}
	}
	return s, ctx.Err()
}
