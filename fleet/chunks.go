package fleet

// chunkShift sets the chunk size: rows are stored in fixed arrays of
// 1<<chunkShift, so growing never copies the rows already stored and no more
// than one chunk is ever partly empty.
const (
	chunkShift = 10
	chunkSize  = 1 << chunkShift
	chunkMask  = chunkSize - 1
)

// chunks is an append-only list of T in fixed-size arrays. Elements are never
// changed once appended, so a copy of the list header (a view) stays valid and
// unchanged while the owner keeps appending: appends only write past the
// view's length.
type chunks[T any] struct {
	arrays []*[chunkSize]T
	n      int
}

// add appends v and returns its index.
func (c *chunks[T]) add(v T) int {
	if c.n>>chunkShift == len(c.arrays) {
		c.arrays = append(c.arrays, new([chunkSize]T))
	}
	i := c.n
	c.arrays[i>>chunkShift][i&chunkMask] = v
	c.n++
	return i
}

// at returns the element at i, which must be below the length.
func (c *chunks[T]) at(i int) *T { return &c.arrays[i>>chunkShift][i&chunkMask] }

// view is a copy of the list that the owner's later appends do not change.
func (c *chunks[T]) view() chunks[T] {
	return chunks[T]{arrays: c.arrays[:len(c.arrays):len(c.arrays)], n: c.n}
}
