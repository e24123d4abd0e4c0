package fleet

// Snapshot is the fleet's visible rows at one moment. It never changes, so it
// may be read from any goroutine while the Fleet moves on. The zero Snapshot
// is empty. Indices are valid for this snapshot only.
type Snapshot struct {
	v *view
}

// view is what a Snapshot holds: copies of the generation's list headers,
// which the Fleet's later appends and swaps do not touch.
type view struct {
	version uint64
	rows    chunks[Row]
	codes   chunks[rowCodes]
	states  []State
	index   idIndex
	dict    dictView
}

// Gen identifies the visible data: it changes whenever rows or states change,
// so an unchanged Gen means a cached query result is still right.
func (s Snapshot) Gen() uint64 {
	if s.v == nil {
		return 0
	}
	return s.v.version
}

// Len is the number of rows, Vanished ones included.
func (s Snapshot) Len() int {
	if s.v == nil {
		return 0
	}
	return s.v.rows.n
}

// Row returns row i, or nil when i is out of range.
func (s Snapshot) Row(i int) *Row {
	if i < 0 || i >= s.Len() {
		return nil
	}
	return s.v.rows.at(i)
}

// State returns the state of row i, or 0 when i is out of range.
func (s Snapshot) State(i int) State {
	if i < 0 || i >= s.Len() {
		return 0
	}
	return s.v.states[i]
}

// Index returns the index of the row with this connection id.
func (s Snapshot) Index(id string) (int, bool) {
	if s.v == nil {
		return 0, false
	}
	i := s.v.index.find(&s.v.rows, id, s.v.index.hash(id))
	return i, i >= 0
}
