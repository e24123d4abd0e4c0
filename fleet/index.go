package fleet

import (
	"hash/maphash"
	"math/bits"
)

// idIndex maps connection ids to row indices in 12 to 24 bytes per row. It is a
// short list of open-addressing hash tables ("segments"), each covering a
// contiguous range of rows. Each Add seals one segment for its rows; small
// neighbours are merged into a new one (as in a log-structured merge tree), so
// a lookup visits O(log n) segments and each row is rehashed O(log n) times.
//
// A sealed segment is never written again, and the segment list is replaced,
// not modified, once sealed: a view's copy of the index stays valid while the
// owner keeps adding.
type idIndex struct {
	seed maphash.Seed
	segs []*idSegment
}

// idSegment indexes rows [lo, hi). A slot holds the row index + 1 in its low
// 32 bits (0: empty) and the high 32 bits of the id's hash in its high bits,
// so a probe rarely has to read a row to rule it out.
type idSegment struct {
	lo, hi int
	slots  []uint64
}

func newSegment(lo, rows int) *idSegment {
	size := 8
	if want := rows + rows/2 + 1; want > size { // load factor at most 2/3
		size = 1 << bits.Len(uint(want-1))
	}
	return &idSegment{lo: lo, hi: lo, slots: make([]uint64, size)}
}

func (s *idSegment) insert(hash uint64, row int) {
	mask := uint64(len(s.slots) - 1)
	for j := hash & mask; ; j = (j + 1) & mask {
		if s.slots[j] == 0 {
			s.slots[j] = hash&^0xffffffff | uint64(row+1)
			return
		}
	}
}

func (s *idSegment) find(rows *chunks[Row], id string, hash uint64) int {
	mask := uint64(len(s.slots) - 1)
	for j := hash & mask; ; j = (j + 1) & mask {
		v := s.slots[j]
		if v == 0 {
			return -1
		}
		if row := int(uint32(v)) - 1; v>>32 == hash>>32 && rows.at(row).ID == id {
			return row
		}
	}
}

func (x *idIndex) hash(id string) uint64 { return maphash.String(x.seed, id) }

// find returns the index of the row with this id, or -1.
func (x *idIndex) find(rows *chunks[Row], id string, hash uint64) int {
	for i := len(x.segs) - 1; i >= 0; i-- {
		if row := x.segs[i].find(rows, id, hash); row >= 0 {
			return row
		}
	}
	return -1
}

// seal adds a filled segment to the index and merges small neighbours.
func (x *idIndex) seal(rows *chunks[Row], s *idSegment) {
	if s.hi == s.lo {
		return
	}
	segs := append(x.segs[:len(x.segs):len(x.segs)], s) // a new list: views hold the old one
	for n := len(segs); n >= 2 && segs[n-2].hi-segs[n-2].lo <= 2*(segs[n-1].hi-segs[n-1].lo); n = len(segs) {
		merged := newSegment(segs[n-2].lo, segs[n-1].hi-segs[n-2].lo)
		for i := merged.lo; i < segs[n-1].hi; i++ {
			merged.insert(x.hash(rows.at(i).ID), i)
		}
		merged.hi = segs[n-1].hi
		segs[n-2] = merged
		segs = segs[:n-1]
	}
	x.segs = segs
}

// view is a copy of the index that later seals do not change.
func (x *idIndex) view() idIndex {
	return idIndex{seed: x.seed, segs: x.segs[:len(x.segs):len(x.segs)]}
}
