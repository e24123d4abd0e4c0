package fleet

import (
	"slices"
)

// Query returns the indices of the rows that match q, sorted by key (desc
// reverses it; ties are always broken by ascending ID, so the order is total
// and stable across refreshes). Free words match, case-insensitively, the id,
// user, app, entity type, platform, business id or any problem; app:,
// entity:, user:, platform: and business: must equal the row's value; is:problem keeps rows with problems,
// is:stale (or is:gone) rows a probe found gone — what conns --stale lists
// and prune deletes; a record too old or past its TTL is a problem, not
// stale, until a probe says so.
// topic: is not applied here: rows carry no topics, so the console pushes it
// down to DynamoDB (Query.Select). Vanished rows are included.
//
// It reads every row: call it from a command, not from Update.
func (s Snapshot) Query(q Query, key SortKey, desc bool) []int32 {
	if s.v == nil {
		return nil
	}
	m, ok := s.v.newMatcher(q)
	if !ok {
		return []int32{}
	}
	idx := s.v.scan(m)
	s.v.sort(idx, key, desc)
	return idx
}

// matcher is a query resolved against one snapshot's dictionary: token values
// become codes, and each free word is matched once against every distinct
// app, entity, platform and problem list.
type matcher struct {
	app, entity, platform code
	user, business        string
	stale, problem        bool
	words                 []wordMatch
}

// code is a dictionary code to match, when set.
type code struct {
	value uint32
	set   bool
}

func (c code) rejects(v uint32) bool { return c.set && c.value != v }

// wordMatch is one free word and, per code, whether the value contains it.
type wordMatch struct {
	word                      string
	ascii                     bool
	apps, entities, platforms []bool
	problems                  []bool
}

// newMatcher resolves q; ok is false when no row can match (a token value
// that no row has).
func (v *view) newMatcher(q Query) (m matcher, ok bool) {
	m = matcher{user: q.User, business: q.Business, stale: q.Stale || q.Gone, problem: q.Problem}
	for _, t := range []struct {
		value  string
		values []string
		code   *code
	}{{q.App, v.dict.apps, &m.app}, {q.Entity, v.dict.entities, &m.entity}, {q.Platform, v.dict.platforms, &m.platform}} {
		if t.value == "" {
			continue
		}
		i := slices.Index(t.values, t.value)
		if i < 0 {
			return matcher{}, false
		}
		*t.code = code{value: uint32(i), set: true}
	}
	for _, w := range q.Words {
		wm := wordMatch{word: w, ascii: isASCII(w)}
		wm.apps = matchEach(v.dict.apps, wm)
		wm.entities = matchEach(v.dict.entities, wm)
		wm.platforms = matchEach(v.dict.platforms, wm)
		wm.problems = make([]bool, len(v.dict.problems))
		for i, ps := range v.dict.problems {
			wm.problems[i] = slices.ContainsFunc(ps.list, func(p string) bool { return containsFold(p, w, wm.ascii) })
		}
		m.words = append(m.words, wm)
	}
	return m, true
}

func matchEach(values []string, w wordMatch) []bool {
	match := make([]bool, len(values))
	for i, s := range values {
		match[i] = containsFold(s, w.word, w.ascii)
	}
	return match
}

// scan returns the indices of the rows m matches, in row order.
func (v *view) scan(m matcher) []int32 {
	var idx []int32
	for ci, rows := range v.rows.arrays {
		base := ci << chunkShift
		codes := v.codes.arrays[ci]
		for j := range min(chunkSize, v.rows.n-base) {
			if m.matches(&rows[j], codes[j], v.states[base+j], v.dict.problems) {
				idx = append(idx, int32(base+j))
			}
		}
	}
	if idx == nil {
		idx = []int32{}
	}
	return idx
}

func (m *matcher) matches(r *Row, c rowCodes, st State, problems []problemSet) bool {
	switch {
	case m.app.rejects(c.app), m.entity.rejects(c.entity), m.platform.rejects(c.platform),
		m.user != "" && r.User != m.user,
		m.business != "" && r.Business != m.business,
		m.problem && c.problems == 0,
		m.stale && st&Gone == 0:
		return false
	}
	for i := range m.words {
		w := &m.words[i]
		if w.apps[c.app] || w.entities[c.entity] || w.platforms[c.platform] || w.problems[c.problems] {
			continue
		}
		if !containsFold(r.ID, w.word, w.ascii) && !containsFold(r.User, w.word, w.ascii) && !containsFold(r.Business, w.word, w.ascii) {
			return false
		}
	}
	return true
}
