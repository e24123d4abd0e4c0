package cwlogs

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// Defaults of Options.
const (
	// DefaultMaxEvents is how many events a group keeps: the oldest is
	// dropped when a new one comes beyond it.
	DefaultMaxEvents = 100_000
	// DefaultAccount is the account the ARNs name.
	DefaultAccount = "000000000000"
	// DefaultRegion is the region the ARNs name.
	DefaultRegion = "us-east-1"
)

// Options configure a Store. Zero values pick the defaults.
type Options struct {
	// Region and Account are what the ARNs name.
	Region, Account string
	// MaxEvents bounds each group (default DefaultMaxEvents).
	MaxEvents int
	// Now is the clock events are stamped with (default time.Now).
	Now func() time.Time
	// LiveTail tunes StartLiveTail sessions.
	LiveTail LiveTailOptions
}

// Store is the sandbox's CloudWatch Logs: log groups of streams of events,
// in memory, each group bounded to MaxEvents events. It is safe for
// concurrent use.
type Store struct {
	o     Options
	tails *tails

	mu     sync.RWMutex
	groups map[string]*group
}

// New returns an empty Store.
func New(o Options) *Store {
	o.Region = cmp.Or(o.Region, DefaultRegion)
	o.Account = cmp.Or(o.Account, DefaultAccount)
	if o.MaxEvents <= 0 {
		o.MaxEvents = DefaultMaxEvents
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Store{o: o, groups: map[string]*group{}}
	s.tails = newTails(o.LiveTail.withDefaults())
	return s
}

// CreateGroup creates the group name if it does not exist yet (as a
// deployment creates its log groups: Serverless creates its functions'
// groups, API Gateway its execution and access log groups).
func (s *Store) CreateGroup(name string) {
	s.group(name)
}

// group returns the group name, created when missing.
func (s *Store) group(name string) *group {
	s.mu.RLock()
	g := s.groups[name]
	s.mu.RUnlock()
	if g != nil {
		return g
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g = s.groups[name]; g == nil {
		g = &group{name: name, index: len(s.groups), created: s.o.Now().UnixMilli(), max: s.o.MaxEvents, streams: map[string]*stream{}}
		s.groups[name] = g
	}
	return g
}

// lookup returns the group name, or nil.
func (s *Store) lookup(name string) *group {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.groups[name]
}

// sortedGroups are every group, by name.
func (s *Store) sortedGroups() []*group {
	s.mu.RLock()
	all := make([]*group, 0, len(s.groups))
	for _, g := range s.groups {
		all = append(all, g)
	}
	s.mu.RUnlock()
	slices.SortFunc(all, func(a, b *group) int { return cmp.Compare(a.name, b.name) })
	return all
}

// Put appends message to the stream of the group (both created when
// missing), stamped now, and hands it to the live tails that follow the
// group. A group that is full drops its oldest event.
func (s *Store) Put(groupName, streamName, message string) {
	g := s.group(groupName)
	now := s.o.Now().UnixMilli()
	g.mu.Lock()
	e := g.append(now, streamName, message)
	tails := g.tails
	g.mu.Unlock()
	for _, t := range tails {
		t.offer(g, e)
	}
}

// Held is how many events the group name holds (0 when there is no such group).
func (s *Store) Held(name string) int {
	if g := s.lookup(name); g != nil {
		return g.held()
	}
	return 0
}

// Messages are the messages the group name holds, oldest first (for
// in-process tests and tools; clients read through the API).
func (s *Store) Messages(name string) []string {
	g := s.lookup(name)
	if g == nil {
		return nil
	}
	var out []string
	g.scan(0, func(_ uint64, e *event) bool {
		out = append(out, e.msg)
		return true
	})
	return out
}

// Changed returns a channel closed when the next event is put into the
// group name (created when missing): a test waits on it for what it
// expects, instead of sleeping.
func (s *Store) Changed(name string) <-chan struct{} {
	g := s.group(name)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.changed == nil {
		g.changed = make(chan struct{})
	}
	return g.changed
}

// Close ends every live tail session (each hears SessionStreamingException)
// and refuses new ones; the groups stay readable.
func (s *Store) Close() { s.tails.close() }

// event is one log event.
type event struct {
	ts     int64 // milliseconds since the epoch; also its ingestion time
	stream *stream
	msg    string
}

// stream is a log stream's metadata.
type stream struct {
	name                string
	created             int64
	first, last, ingest int64 // first and last event times, last ingestion
	retained            int   // events of the stream the group still holds
}

// group is one log group: a ring of its newest events, in the order (and
// time order) they came.
type group struct {
	name    string
	index   int // order of creation, part of the event ids
	created int64
	max     int

	mu      sync.RWMutex
	ring    []event // grows to max, then wraps
	head    int     // index in ring of the oldest event
	first   uint64  // seq of the oldest event held
	next    uint64  // seq of the next event
	last    int64   // time of the newest event
	bytes   int64   // size of the messages held
	streams map[string]*stream
	tails   []*session    // copy-on-write: Put reads it after unlocking
	changed chan struct{} // closed by the next append, when someone waits
}

// append adds an event at time now (never before the newest: the group
// stays in time order) and returns it. g.mu must be held.
func (g *group) append(now int64, streamName, message string) event {
	now = max(now, g.last)
	st := g.streams[streamName]
	if st == nil {
		st = &stream{name: streamName, created: now, first: now}
		g.streams[streamName] = st
	}
	st.last, st.ingest = now, now
	st.retained++
	e := event{ts: now, stream: st, msg: message}
	if g.changed != nil {
		close(g.changed)
		g.changed = nil
	}
	g.next++
	g.last = now
	g.bytes += int64(len(message))
	if len(g.ring) < g.max {
		g.ring = append(g.ring, e)
		return e
	}
	old := &g.ring[g.head]
	g.bytes -= int64(len(old.msg))
	if old.stream.retained--; old.stream.retained == 0 && old.stream != st {
		delete(g.streams, old.stream.name) // a stream with no event left goes with it
	}
	*old = e
	g.head = (g.head + 1) % len(g.ring)
	g.first++
	return e
}

// at is the event seq (first <= seq < next). g.mu must be held.
func (g *group) at(seq uint64) *event {
	return &g.ring[(g.head+int(seq-g.first))%len(g.ring)]
}

// seqAtOrAfter is the seq of the first event held at or after time ts
// (g.next when none). g.mu must be held.
func (g *group) seqAtOrAfter(ts int64) uint64 {
	lo, hi := 0, int(g.next-g.first)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if g.at(g.first+uint64(mid)).ts < ts {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return g.first + uint64(lo)
}

// held is how many events the group holds.
func (g *group) held() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.ring)
}
