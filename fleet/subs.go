package fleet

import (
	"cmp"
	"slices"
	"strings"

	"wsops/data"
)

// Sub is one subscription record as the console keeps it. A stored Sub is
// never changed: do not modify it or its Problems.
type Sub struct {
	ConnectionID string
	Key          string // the topic, e.g. order#123
	User         string
	Entity       string // interned
	Active       bool
	CreatedAt    int64    // Unix milliseconds; 0 when unknown
	Problems     []string // interned
}

type subCodes struct{ entity, problems uint32 }

// Subs is the subscriptions list: append-only between Resets, owned by one
// goroutine, read by others through SubsSnapshots.
type Subs struct {
	entities values
	problems problemSets
	rows     chunks[Sub]
	codes    chunks[subCodes]
	version  uint64
	last     *subsView
}

// NewSubs returns an empty list.
func NewSubs() *Subs {
	return &Subs{entities: newValues(), problems: newProblemSets()}
}

// Reset empties the list. Existing snapshots are unchanged.
func (s *Subs) Reset() {
	*s = Subs{entities: newValues(), problems: newProblemSets(), version: s.version + 1}
}

// Add appends subscriptions, as a scan delivers them.
func (s *Subs) Add(subs []data.Subscription) {
	if len(subs) == 0 {
		return
	}
	n := 0
	for _, sub := range subs {
		n += len(sub.ConnectionID) + len(sub.Key) + len(sub.User)
	}
	var b strings.Builder
	b.Grow(n)
	for _, sub := range subs {
		b.WriteString(sub.ConnectionID)
		b.WriteString(sub.Key)
		b.WriteString(sub.User)
	}
	blob := b.String()
	next := func(n int) string {
		v := blob[:n]
		blob = blob[n:]
		return v
	}
	for _, sub := range subs {
		c := subCodes{entity: s.entities.intern(sub.EntityType), problems: s.problems.intern(sub.Problems)}
		row := Sub{
			ConnectionID: next(len(sub.ConnectionID)), Key: next(len(sub.Key)), User: next(len(sub.User)),
			Entity: s.entities.list[c.entity], Active: sub.Active, Problems: s.problems.list[c.problems].list,
		}
		if !sub.CreatedAt.IsZero() {
			row.CreatedAt = sub.CreatedAt.UnixMilli()
		}
		s.rows.add(row)
		s.codes.add(c)
	}
	s.version++
}

// Snapshot returns the list as an immutable value, safe to use from any
// goroutine.
func (s *Subs) Snapshot() SubsSnapshot {
	if s.last == nil || s.last.version != s.version {
		s.last = &subsView{version: s.version, rows: s.rows.view(), codes: s.codes.view(),
			entities: s.entities.view(), problems: s.problems.view()}
	}
	return SubsSnapshot{s.last}
}

// SubsSnapshot is the subscriptions list at one moment. The zero value is
// empty.
type SubsSnapshot struct{ v *subsView }

type subsView struct {
	version  uint64
	rows     chunks[Sub]
	codes    chunks[subCodes]
	entities []string
	problems []problemSet
}

// Gen changes whenever the list changes.
func (s SubsSnapshot) Gen() uint64 {
	if s.v == nil {
		return 0
	}
	return s.v.version
}

// Len is the number of subscriptions.
func (s SubsSnapshot) Len() int {
	if s.v == nil {
		return 0
	}
	return s.v.rows.n
}

// Sub returns subscription i, or nil when i is out of range.
func (s SubsSnapshot) Sub(i int) *Sub {
	if i < 0 || i >= s.Len() {
		return nil
	}
	return s.v.rows.at(i)
}

// Query returns the indices of the subscriptions that match q, ordered by key,
// then connection id. Free words match the key, connection id, user, entity
// type or a problem; topic:, user: and entity: must equal the record's value;
// is:problem keeps records with problems, is:stale those whose TTL expired.
// Subscriptions carry no probe results, so is:gone matches none; app: and
// platform: are not applied here (the registry serves them by joining the
// connection, through Query.Select).
func (s SubsSnapshot) Query(q Query) []int32 {
	idx := []int32{}
	if s.v == nil || q.Gone {
		return idx
	}
	v := s.v
	entity := code{}
	if q.Entity != "" {
		i := slices.Index(v.entities, q.Entity)
		if i < 0 {
			return idx
		}
		entity = code{value: uint32(i), set: true}
	}
	words := make([]wordMatch, len(q.Words))
	for k, w := range q.Words {
		words[k] = wordMatch{word: w, ascii: isASCII(w)}
		words[k].entities = matchEach(v.entities, words[k])
		words[k].problems = make([]bool, len(v.problems))
		for i, ps := range v.problems {
			words[k].problems[i] = slices.ContainsFunc(ps.list, func(p string) bool { return containsFold(p, w, words[k].ascii) })
		}
	}
	for i := range v.rows.n {
		r, c := v.rows.at(i), v.codes.at(i)
		switch {
		case entity.rejects(c.entity),
			q.Topic != "" && r.Key != q.Topic,
			q.User != "" && r.User != q.User,
			q.Problem && c.problems == 0,
			q.Stale && !v.problems[c.problems].stale,
			!subMatchesWords(r, *c, words):
			continue
		}
		idx = append(idx, int32(i))
	}
	slices.SortFunc(idx, func(a, b int32) int {
		ra, rb := v.rows.at(int(a)), v.rows.at(int(b))
		return cmp.Or(strings.Compare(ra.Key, rb.Key), strings.Compare(ra.ConnectionID, rb.ConnectionID), cmp.Compare(a, b))
	})
	return idx
}

func subMatchesWords(r *Sub, c subCodes, words []wordMatch) bool {
	for _, w := range words {
		if !w.entities[c.entity] && !w.problems[c.problems] && !containsFold(r.Key, w.word, w.ascii) &&
			!containsFold(r.ConnectionID, w.word, w.ascii) && !containsFold(r.User, w.word, w.ascii) {
			return false
		}
	}
	return true
}
