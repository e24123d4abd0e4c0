package fleet

import (
	"strconv"
	"strings"
)

// values interns the distinct strings of one field. Code 0 is "". The values
// slice is append-only, so a view of it stays valid while the owner interns
// more.
type values struct {
	codes map[string]uint32
	list  []string
}

func newValues() values { return values{codes: map[string]uint32{"": 0}, list: []string{""}} }

// intern returns the code of s, adding a copy of s when it is new (the copy
// keeps the caller's buffer from being retained).
func (v *values) intern(s string) uint32 {
	if c, ok := v.codes[s]; ok {
		return c
	}
	s = strings.Clone(s)
	c := uint32(len(v.list))
	v.list = append(v.list, s)
	v.codes[s] = c
	return c
}

func (v *values) view() []string { return v.list[:len(v.list):len(v.list)] }

// problemSet is one distinct list of problems and what the filters need to
// know about it.
type problemSet struct {
	list  []string // shared by every row with these problems; cap == len
	stale bool
}

// problemSets interns problem lists: each problem string once, and each
// distinct list once. Code 0 is the empty list.
type problemSets struct {
	strings map[string]string
	codes   map[string]uint32
	list    []problemSet
	key     []byte // scratch for lookups
}

func newProblemSets() problemSets {
	return problemSets{strings: map[string]string{}, codes: map[string]uint32{}, list: []problemSet{{}}}
}

// intern returns the code of the list ps.
func (p *problemSets) intern(ps []string) uint32 {
	if len(ps) == 0 {
		return 0
	}
	p.key = p.key[:0]
	for _, s := range ps { // length-prefixed, so no two lists share a key
		p.key = strconv.AppendInt(p.key, int64(len(s)), 10)
		p.key = append(p.key, ':')
		p.key = append(p.key, s...)
	}
	if c, ok := p.codes[string(p.key)]; ok {
		return c
	}
	list := make([]string, len(ps))
	for i, s := range ps {
		interned, ok := p.strings[s]
		if !ok {
			interned = strings.Clone(s)
			p.strings[interned] = interned
		}
		list[i] = interned
	}
	c := uint32(len(p.list))
	p.list = append(p.list, problemSet{list: list, stale: isStale(list)})
	p.codes[string(p.key)] = c
	return c
}

func (p *problemSets) view() []problemSet { return p.list[:len(p.list):len(p.list)] }

// dictionary holds the interned values of a fleet.
type dictionary struct {
	apps, entities, platforms values
	problems                  problemSets
}

func newDictionary() *dictionary {
	return &dictionary{apps: newValues(), entities: newValues(), platforms: newValues(), problems: newProblemSets()}
}

// dictView is a dictionary as a snapshot sees it: every code its rows use.
type dictView struct {
	apps, entities, platforms []string
	problems                  []problemSet
}

func (d *dictionary) view() dictView {
	return dictView{apps: d.apps.view(), entities: d.entities.view(), platforms: d.platforms.view(), problems: d.problems.view()}
}
