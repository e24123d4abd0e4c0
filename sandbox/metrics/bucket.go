package metrics

import (
	"math"
	"sync"
	"sync/atomic"

	"wsops/sandbox/gateway"
)

// bucket is one minute's (or 5 minutes') data. Recording is lock-free: a
// handful of atomic adds. The mutex is taken only to recycle the bucket for
// a newer minute, once per minute, by the first event of that minute.
type bucket struct {
	mu       sync.Mutex
	index    atomic.Int64  // the unit index (Unix seconds / ring.unit) held; -1: none yet
	connects atomic.Uint64 // ConnectCount samples (each 1)
	messages atomic.Uint64 // MessageCount samples (each 1)
	requests atomic.Uint64 // samples of each error metric (0 or 1)
	errors   [3]atomic.Uint64
	latency  atomicLatency
}

// errorSlot is where an error metric's ones are counted in bucket.errors.
func errorSlot(m metric) int { return int(m - mClientError) }

// atomicLatency holds IntegrationLatency's samples.
type atomicLatency struct {
	n        atomic.Uint64
	sumNanos atomic.Uint64
	minNanos atomic.Int64 // math.MaxInt64 while n is 0
	maxNanos atomic.Int64
	hist     [histBuckets]atomic.Uint32 // by histIndex of the value in µs
}

// record adds e to the bucket of unit index n, recycling the bucket when
// it holds an older index (and folding that index's data into the coarser
// ring fold, if any); an event older than the bucket's data is dropped.
func (b *bucket) record(n int64, e gateway.Event, fold *ring, unit int64) {
	if held := b.index.Load(); held != n && (held > n || !b.recycle(n, fold, unit)) {
		return
	}
	switch e.Kind {
	case gateway.KindConnect:
		b.connects.Add(1)
	case gateway.KindMessage:
		b.messages.Add(1)
	case gateway.KindPost:
		if e.Outcome == gateway.OK {
			b.messages.Add(1)
		}
	}
	if e.Kind != gateway.KindDisconnect {
		b.requests.Add(1)
		switch e.Outcome {
		case gateway.ClientError:
			b.errors[errorSlot(mClientError)].Add(1)
		case gateway.IntegrationError:
			b.errors[errorSlot(mIntegrationError)].Add(1)
		case gateway.ExecutionError:
			b.errors[errorSlot(mExecutionError)].Add(1)
		}
	}
	if e.Integrated {
		b.latency.add(max(e.Integration.Nanoseconds(), 0))
	}
}

// recycle makes the bucket hold index n, cleared, unless it already holds
// n (true) or a newer index (false). The data it held is first folded into
// the coarser ring fold (whose unit index it falls in), if any.
func (b *bucket) recycle(n int64, fold *ring, unit int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	held := b.index.Load()
	switch {
	case held == n:
		return true
	case held > n:
		return false
	case held >= 0 && fold != nil:
		f := held * unit / fold.unit
		fold.slots[f%int64(len(fold.slots))].absorb(f, b)
	}
	b.connects.Store(0)
	b.messages.Store(0)
	b.requests.Store(0)
	for i := range b.errors {
		b.errors[i].Store(0)
	}
	l := &b.latency
	l.n.Store(0)
	l.sumNanos.Store(0)
	l.minNanos.Store(math.MaxInt64)
	l.maxNanos.Store(0)
	for i := range l.hist {
		l.hist[i].Store(0)
	}
	// Stored last: an event that sees index n finds the bucket cleared.
	b.index.Store(n)
	return true
}

// absorb adds the data of src (a finer bucket being recycled) to the
// bucket of index n, as record adds an event.
func (b *bucket) absorb(n int64, src *bucket) {
	if held := b.index.Load(); held != n && (held > n || !b.recycle(n, nil, 0)) {
		return
	}
	b.connects.Add(src.connects.Load())
	b.messages.Add(src.messages.Load())
	b.requests.Add(src.requests.Load())
	for i := range b.errors {
		b.errors[i].Add(src.errors[i].Load())
	}
	s, l := &src.latency, &b.latency
	if s.n.Load() == 0 {
		return
	}
	l.lower(s.minNanos.Load())
	l.raise(s.maxNanos.Load())
	l.sumNanos.Add(s.sumNanos.Load())
	for i := range s.hist {
		if c := s.hist[i].Load(); c > 0 {
			l.hist[i].Add(c)
		}
	}
	l.n.Add(s.n.Load())
}

func (l *atomicLatency) add(nanos int64) {
	l.lower(nanos)
	l.raise(nanos)
	l.sumNanos.Add(uint64(nanos))
	l.hist[histIndex(uint64(min(nanos/1000, maxHistValue)))].Add(1)
	l.n.Add(1) // last: a reader that sees the sample counted sees its min and max
}

// lower makes the minimum at most nanos.
func (l *atomicLatency) lower(nanos int64) {
	for old := l.minNanos.Load(); nanos < old && !l.minNanos.CompareAndSwap(old, nanos); old = l.minNanos.Load() {
	}
}

// raise makes the maximum at least nanos.
func (l *atomicLatency) raise(nanos int64) {
	for old := l.maxNanos.Load(); nanos > old && !l.maxNanos.CompareAndSwap(old, nanos); old = l.maxNanos.Load() {
	}
}

// mergeInto adds the bucket's data of metric m into acc, if the bucket
// holds index n (with the histogram when withHist). Events recorded while
// it reads may be half seen; a bucket recycled meanwhile is left out.
func (b *bucket) mergeInto(acc *series, n int64, m metric, withHist bool) {
	if b.index.Load() != n {
		return
	}
	var s series
	switch m {
	case mConnectCount:
		c := b.connects.Load()
		s.counts[m] = counter{n: c, ones: c}
	case mMessageCount:
		c := b.messages.Load()
		s.counts[m] = counter{n: c, ones: c}
	case mClientError, mIntegrationError, mExecutionError:
		s.counts[m] = counter{n: b.requests.Load(), ones: b.errors[errorSlot(m)].Load()}
	case mIntegrationLatency:
		l := &b.latency
		if l.n.Load() == 0 {
			return
		}
		s.latency = latency{
			n:   l.n.Load(),
			sum: float64(l.sumNanos.Load()) / 1e6,
			min: float64(l.minNanos.Load()) / 1e6,
			max: float64(l.maxNanos.Load()) / 1e6,
		}
		if withHist {
			s.latency.hist = new(histogram)
			for i := range l.hist {
				s.latency.hist.counts[i] = l.hist[i].Load()
			}
		}
	}
	if b.index.Load() == n {
		acc.merge(&s, m, withHist)
	}
}
