package fleet

import (
	"hash/maphash"
	"slices"
	"strings"

	"wsops/data"
)

// Fleet is the console's set of connection rows, one generation per refresh
// (scan) of the connections table. It is not safe for concurrent use: one
// goroutine owns it and hands Snapshots to the others.
type Fleet struct {
	dict *dictionary
	seed maphash.Seed
	cur  *generation // the visible generation
	// next collects the rows of a refresh in progress, when a previous one
	// has finished; nil otherwise.
	next *refresh
	// streaming is true during the first scan: its rows go straight into
	// cur, so they are visible at once.
	streaming bool
	// baseline is true once a scan has finished (or been aborted): later
	// scans are diffed against the visible generation.
	baseline bool
	version  uint64
	last     *view // the last snapshot handed out
	// statesShared is true when last holds cur.states: it is copied
	// before a probe result changes it.
	statesShared bool
}

// generation is the rows of one scan. Rows, codes and the index are
// append-only; states is replaced before a change once a view holds it.
type generation struct {
	rows   chunks[Row]
	codes  chunks[rowCodes]
	states []State
	index  idIndex
}

// refresh is a scan in progress after the first one.
type refresh struct {
	gen  *generation
	prev []int32  // per collected row: its index in the visible generation, or -1
	seen []uint64 // bit set over the visible generation: rows found again
}

// Diff is what a refresh changed.
type Diff struct {
	Appeared int // rows not in the previous generation
	Vanished int // rows of the previous generation absent now
}

// New returns an empty Fleet.
func New() *Fleet {
	f := &Fleet{dict: newDictionary(), seed: maphash.MakeSeed()}
	f.cur = f.newGeneration()
	return f
}

func (f *Fleet) newGeneration() *generation {
	return &generation{index: idIndex{seed: f.seed}}
}

// Reset forgets every row, as for a new profile or table: the next scan
// streams into view again and is not diffed. Existing snapshots are unchanged.
func (f *Fleet) Reset() {
	f.dict, f.cur, f.next, f.last = newDictionary(), f.newGeneration(), nil, nil
	f.streaming, f.baseline, f.statesShared = false, false, false
	f.version++
}

// BeginRefresh starts collecting the next generation. A refresh still in
// progress is abandoned, as by AbortRefresh. The first scan of a Fleet
// streams: its rows are visible as they are added.
func (f *Fleet) BeginRefresh() {
	f.AbortRefresh()
	if !f.baseline {
		f.streaming = true
		return
	}
	f.next = &refresh{gen: f.newGeneration(), seen: make([]uint64, (f.cur.rows.n+63)/64)}
}

// AbortRefresh ends a refresh that failed: the visible generation stays. For
// the first scan, the rows streamed so far stay and become the generation the
// next refresh is diffed against.
func (f *Fleet) AbortRefresh() {
	if f.streaming {
		f.streaming, f.baseline = false, true
	}
	f.next = nil
}

// Add adds scan results to the refresh in progress (starting one if none is).
// During the first scan they are visible at once. A connection id already
// added in this refresh is ignored.
func (f *Fleet) Add(conns []data.Connection) {
	if len(conns) == 0 {
		return
	}
	if !f.streaming && f.next == nil {
		f.BeginRefresh()
	}
	g := f.cur
	if f.next != nil {
		g = f.next.gen
	}
	blob := packIDs(conns)
	open := newSegment(g.rows.n, len(conns))
	for _, c := range conns {
		id, user, business := cut(&blob, len(c.ID)), cut(&blob, len(c.User)), cut(&blob, len(c.BusinessID))
		hash := g.index.hash(id)
		if g.add(f.newRow(id, user, business, c), hash, 0, open) && f.next != nil {
			f.next.matchPrevious(f.cur, id, hash)
		}
	}
	g.index.seal(&g.rows, open)
	if f.streaming {
		f.version++
	}
}

// matchPrevious records where the row just collected was in the visible
// generation, if anywhere.
func (r *refresh) matchPrevious(cur *generation, id string, hash uint64) {
	prev := cur.index.find(&cur.rows, id, hash)
	if prev >= 0 {
		r.seen[prev/64] |= 1 << (prev % 64)
	}
	r.prev = append(r.prev, int32(prev))
}

// storedRow is a Row with its dictionary codes.
type storedRow struct {
	row   Row
	codes rowCodes
}

// cut returns the first n bytes of *blob and moves *blob past them.
func cut(blob *string, n int) string {
	s := (*blob)[:n]
	*blob = (*blob)[n:]
	return s
}

func (f *Fleet) newRow(id, user, business string, c data.Connection) storedRow {
	d := f.dict
	codes := rowCodes{
		app:      d.apps.intern(c.App),
		entity:   d.entities.intern(c.EntityType),
		platform: d.platforms.intern(c.Platform),
		problems: d.problems.intern(c.Problems),
	}
	row := Row{
		ID: id, User: user, Business: business,
		App: d.apps.list[codes.app], Entity: d.entities.list[codes.entity], Platform: d.platforms.list[codes.platform],
		Problems: d.problems.list[codes.problems].list,
	}
	if !c.ConnectedAt.IsZero() {
		row.ConnectedAt = c.ConnectedAt.UnixMilli()
	}
	return storedRow{row: row, codes: codes}
}

// packIDs copies the ids, users and business ids of a page into one
// string, so that a page costs one allocation and keeps nothing of the
// decoded items alive.
func packIDs(conns []data.Connection) string {
	n := 0
	for _, c := range conns {
		n += len(c.ID) + len(c.User) + len(c.BusinessID)
	}
	var b strings.Builder
	b.Grow(n)
	for _, c := range conns {
		b.WriteString(c.ID)
		b.WriteString(c.User)
		b.WriteString(c.BusinessID)
	}
	return b.String()
}

// add appends r unless its id is already in g; open is the index segment
// being filled.
func (g *generation) add(r storedRow, hash uint64, s State, open *idSegment) bool {
	if g.index.find(&g.rows, r.row.ID, hash) >= 0 || open.find(&g.rows, r.row.ID, hash) >= 0 {
		return false
	}
	i := g.rows.add(r.row)
	g.codes.add(r.codes)
	g.states = append(g.states, s)
	open.insert(hash, i)
	open.hi = i + 1
	return true
}

// EndRefresh makes the collected rows the visible generation and reports
// what changed. New rows are marked Appeared; rows of the previous
// generation that are absent are kept, marked Vanished, for this one cycle.
// Probe results carry over to the rows that remain. The first scan reports no
// change: there was nothing to compare it with.
func (f *Fleet) EndRefresh() Diff {
	if f.streaming {
		f.streaming, f.baseline = false, true
		return Diff{}
	}
	r, cur := f.next, f.cur
	if r == nil {
		return Diff{}
	}
	f.next = nil
	g := r.gen
	var d Diff
	for i, prev := range r.prev {
		if prev >= 0 && cur.states[prev]&Vanished == 0 {
			g.states[i] = cur.states[prev] & probeBits
			continue
		}
		g.states[i] = Appeared
		d.Appeared++
	}
	d.Vanished = f.keepVanished(g, cur, r.seen)
	f.cur, f.statesShared = g, false
	f.version++
	return d
}

// keepVanished appends to g, marked Vanished, the rows of prev that were not
// seen again, except those already vanished. Their ids and users are copied
// so that nothing else of prev stays in memory.
func (f *Fleet) keepVanished(g, prev *generation, seen []uint64) int {
	var gone []int
	for i := range prev.rows.n {
		if seen[i/64]&(1<<(i%64)) == 0 && prev.states[i]&Vanished == 0 {
			gone = append(gone, i)
		}
	}
	var b strings.Builder
	for _, i := range gone {
		b.WriteString(prev.rows.at(i).ID)
		b.WriteString(prev.rows.at(i).User)
	}
	blob := b.String()
	open := newSegment(g.rows.n, len(gone))
	for _, i := range gone {
		r := storedRow{row: *prev.rows.at(i), codes: *prev.codes.at(i)}
		r.row.ID, r.row.User = blob[:len(r.row.ID)], blob[len(r.row.ID):len(r.row.ID)+len(r.row.User)]
		blob = blob[len(r.row.ID)+len(r.row.User):]
		g.add(r, g.index.hash(r.row.ID), Vanished|prev.states[i]&probeBits, open)
	}
	g.index.seal(&g.rows, open)
	return len(gone)
}

// SetProbe records a probe result on the visible row with this id: Gone when
// GetConnection said gone, else Live. It does nothing when no row has the id.
// The result stays on the row through later refreshes that still find it.
func (f *Fleet) SetProbe(id string, gone bool) {
	g := f.cur
	i := g.index.find(&g.rows, id, g.index.hash(id))
	if i < 0 {
		return
	}
	s := g.states[i]&^probeBits | Live
	if gone {
		s = g.states[i]&^probeBits | Gone
	}
	if s == g.states[i] {
		return
	}
	if f.statesShared {
		g.states = slices.Clone(g.states)
		f.statesShared = false
	}
	g.states[i] = s
	f.version++
}

// Snapshot returns the visible rows as an immutable value, safe to use from
// any goroutine. It costs one small allocation, none when nothing changed
// since the last call.
func (f *Fleet) Snapshot() Snapshot {
	if f.last != nil && f.last.version == f.version {
		return Snapshot{f.last}
	}
	g := f.cur
	f.last = &view{
		version: f.version,
		rows:    g.rows.view(),
		codes:   g.codes.view(),
		states:  g.states[:g.rows.n:g.rows.n],
		index:   g.index.view(),
		dict:    f.dict.view(),
	}
	f.statesShared = true
	return Snapshot{f.last}
}
