package fleet

import (
	"maps"
	"slices"
	"sync"
	"testing"
	"unsafe"
)

func TestFirstScanIsVisibleWhileStreaming(t *testing.T) {
	f := New()
	if s := f.Snapshot(); s.Len() != 0 || s.Gen() != 0 {
		t.Fatalf("new fleet: len %d gen %d", s.Len(), s.Gen())
	}
	f.BeginRefresh()
	f.Add(ids("a", "b"))
	first := f.Snapshot()
	if first.Len() != 2 {
		t.Fatalf("first page not visible: len %d", first.Len())
	}
	f.Add(ids("c"))
	second := f.Snapshot()
	if first.Len() != 2 || second.Len() != 3 || second.Gen() == first.Gen() {
		t.Fatalf("after the second page: old len %d, new len %d, gens %d %d", first.Len(), second.Len(), first.Gen(), second.Gen())
	}
	if d := f.EndRefresh(); d != (Diff{}) {
		t.Errorf("first scan diff %+v, want none", d)
	}
	if got := visible(f.Snapshot()); !maps.Equal(got, map[string]State{"a": 0, "b": 0, "c": 0}) {
		t.Errorf("after the first scan: %v", got)
	}
	// Add without BeginRefresh streams too.
	g := New()
	g.Add(ids("x"))
	if g.Snapshot().Len() != 1 {
		t.Error("Add without BeginRefresh is not visible")
	}
}

func TestRefreshMarksAppearedAndVanishedForOneCycle(t *testing.T) {
	steps := []struct {
		scan []string
		diff Diff
		want map[string]State
	}{
		{[]string{"a", "b", "c"}, Diff{}, map[string]State{"a": 0, "b": 0, "c": 0}},
		{[]string{"b", "c", "d"}, Diff{Appeared: 1, Vanished: 1}, map[string]State{"a": Vanished, "b": 0, "c": 0, "d": Appeared}},
		{[]string{"c", "d", "e"}, Diff{Appeared: 1, Vanished: 1}, map[string]State{"b": Vanished, "c": 0, "d": 0, "e": Appeared}},
		// b vanished last cycle and is back: it appears again.
		{[]string{"b", "c", "d", "e"}, Diff{Appeared: 1}, map[string]State{"b": Appeared, "c": 0, "d": 0, "e": 0}},
		{[]string{"b", "c", "d", "e"}, Diff{}, map[string]State{"b": 0, "c": 0, "d": 0, "e": 0}},
		{nil, Diff{Vanished: 4}, map[string]State{"b": Vanished, "c": Vanished, "d": Vanished, "e": Vanished}},
		{nil, Diff{}, map[string]State{}},
		{[]string{"z"}, Diff{Appeared: 1}, map[string]State{"z": Appeared}},
	}
	f := New()
	for n, step := range steps {
		if d := scan(f, ids(step.scan...)); d != step.diff {
			t.Errorf("step %d: diff %+v, want %+v", n, d, step.diff)
		}
		s := f.Snapshot()
		if got := visible(s); !maps.Equal(got, step.want) {
			t.Errorf("step %d: visible %v, want %v", n, got, step.want)
		}
		for i := range s.Len() {
			if j, ok := s.Index(s.Row(i).ID); !ok || j != i {
				t.Errorf("step %d: Index(%q) = %d, %v; want %d", n, s.Row(i).ID, j, ok, i)
			}
		}
	}
}

func TestProbeStateSurvivesRefresh(t *testing.T) {
	f := load(ids("a", "b", "c"))
	gen := f.Snapshot().Gen()
	f.SetProbe("nobody", true)
	if f.Snapshot().Gen() != gen {
		t.Error("a probe of an absent id changed the snapshot")
	}
	f.SetProbe("a", true)
	f.SetProbe("b", false)
	f.SetProbe("c", true)
	f.SetProbe("c", false) // the latest probe wins
	if got := visible(f.Snapshot()); !maps.Equal(got, map[string]State{"a": Gone, "b": Live, "c": Live}) {
		t.Fatalf("after probes: %v", got)
	}
	// A probe result arriving while the next scan runs applies to the
	// visible rows and is carried over too.
	f.BeginRefresh()
	f.Add(ids("a", "b", "d"))
	f.SetProbe("b", true)
	f.EndRefresh()
	if got, want := visible(f.Snapshot()), map[string]State{"a": Gone, "b": Gone, "c": Live | Vanished, "d": Appeared}; !maps.Equal(got, want) {
		t.Fatalf("after refresh: %v, want %v", got, want)
	}
	scan(f, ids("a", "b", "d"))
	if got, want := visible(f.Snapshot()), map[string]State{"a": Gone, "b": Gone, "d": 0}; !maps.Equal(got, want) {
		t.Fatalf("after second refresh: %v, want %v", got, want)
	}
}

func TestAbortRefreshKeepsCurrentGeneration(t *testing.T) {
	f := load(ids("a", "b"))
	before := f.Snapshot()
	f.BeginRefresh()
	f.Add(ids("c", "d"))
	if got := visible(f.Snapshot()); !maps.Equal(got, map[string]State{"a": 0, "b": 0}) {
		t.Fatalf("a refresh in progress is visible: %v", got)
	}
	f.AbortRefresh()
	if s := f.Snapshot(); s.Gen() != before.Gen() || !maps.Equal(visible(s), visible(before)) {
		t.Fatalf("abort changed the visible rows: %v", visible(s))
	}
	// The next refresh is diffed against the kept generation.
	if d := scan(f, ids("b", "c")); d != (Diff{Appeared: 1, Vanished: 1}) {
		t.Errorf("diff after abort %+v", d)
	}
	// BeginRefresh during a refresh starts over.
	f.BeginRefresh()
	f.Add(ids("x"))
	f.BeginRefresh()
	f.Add(ids("b", "c"))
	if d := f.EndRefresh(); d != (Diff{}) {
		t.Errorf("restarted refresh diff %+v", d)
	}
	if got := visible(f.Snapshot()); !maps.Equal(got, map[string]State{"b": 0, "c": 0}) {
		t.Errorf("after the restarted refresh: %v", got)
	}
}

func TestAbortedFirstScanKeepsStreamedRows(t *testing.T) {
	f := New()
	f.BeginRefresh()
	f.Add(ids("a", "b"))
	f.AbortRefresh()
	if got := visible(f.Snapshot()); !maps.Equal(got, map[string]State{"a": 0, "b": 0}) {
		t.Fatalf("after aborted first scan: %v", got)
	}
	if d := scan(f, ids("a", "b", "c")); d != (Diff{Appeared: 1}) {
		t.Errorf("next scan diff %+v, want c appeared", d)
	}
}

func TestDuplicateIDsInOneScanAreIgnored(t *testing.T) {
	f := New()
	f.Add(ids("a", "b", "a"))
	f.Add(ids("b", "c"))
	f.EndRefresh()
	if s := f.Snapshot(); s.Len() != 3 {
		t.Errorf("len %d, want 3: %v", s.Len(), visible(s))
	}
}

func TestResetForgetsEverything(t *testing.T) {
	f := load(ids("a"))
	old := f.Snapshot()
	f.Reset()
	if s := f.Snapshot(); s.Len() != 0 || s.Gen() == old.Gen() || old.Len() != 1 {
		t.Fatalf("after reset: len %d gen %d (old len %d gen %d)", s.Len(), s.Gen(), old.Len(), old.Gen())
	}
	f.Add(ids("b")) // streams again
	if d := f.EndRefresh(); d != (Diff{}) || f.Snapshot().Len() != 1 {
		t.Errorf("after reset the scan is not a first scan: %+v", d)
	}
}

func TestIndexFindsEveryRowAcrossPages(t *testing.T) {
	conns := realistic(25_000, 1)
	f := New()
	for i := 0; i < len(conns); i += 1 + i%777 { // pages of uneven size
		f.Add(conns[i:min(len(conns), i+1+i%777)])
	}
	s := f.Snapshot()
	if s.Len() != len(conns) {
		t.Fatalf("len %d, want %d", s.Len(), len(conns))
	}
	for i, c := range conns {
		if j, ok := s.Index(c.ID); !ok || j != i || s.Row(j).ID != c.ID {
			t.Fatalf("Index(%q) = %d, %v; want %d", c.ID, j, ok, i)
		}
	}
	if _, ok := s.Index("missing000000000="); ok {
		t.Error("found an absent id")
	}
	if s.Row(-1) != nil || s.Row(s.Len()) != nil || s.State(s.Len()) != 0 {
		t.Error("out-of-range access did not return zero values")
	}
	var zero Snapshot
	if zero.Len() != 0 || zero.Row(0) != nil || zero.Query(Query{}, ByID, false) != nil {
		t.Error("zero Snapshot is not empty")
	}
}

func TestRowsAreCompactAndInterned(t *testing.T) {
	conns := realistic(2000, 2)
	f := load(conns)
	s := f.Snapshot()
	apps := map[string]*byte{}
	for i := range s.Len() {
		r := s.Row(i)
		if r.ID != conns[i].ID || r.User != conns[i].User || r.App != conns[i].App || r.ConnectedAt != conns[i].ConnectedAt.UnixMilli() ||
			!slices.Equal(r.Problems, conns[i].Problems) {
			t.Fatalf("row %d = %+v, from %+v", i, r, conns[i])
		}
		if p, ok := apps[r.App]; ok && p != unsafe.StringData(r.App) {
			t.Fatalf("app %q is stored twice", r.App)
		}
		apps[r.App] = unsafe.StringData(r.App)
		if cap(r.Problems) != len(r.Problems) {
			t.Fatalf("row %d: problems can be appended to in place", i)
		}
	}
	// Rows with the same problems share one slice.
	var first *Row
	for i := range s.Len() {
		r := s.Row(i)
		if len(r.Problems) != 1 || r.Problems[0] != "ttl expired" {
			continue
		}
		if first == nil {
			first = r
		} else if &first.Problems[0] != &r.Problems[0] {
			t.Fatal("equal problem lists are not shared")
		}
	}
	if first == nil {
		t.Fatal("fixture has no row with exactly `ttl expired`")
	}
}

func TestSnapshotsStayUnchangedWhileTheFleetMoves(t *testing.T) {
	cases := []struct {
		name  string
		setup func() *Fleet // a fleet and its snapshot to watch
	}{
		{"after a refresh", func() *Fleet { return load(realistic(20_000, 3)) }},
		{"while the first scan streams", func() *Fleet {
			f := New()
			f.BeginRefresh()
			f.Add(realistic(20_000, 3)[:10_500])
			return f
		}},
	}
	q, err := Parse("driver-00 is:problem")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := c.setup()
			old := f.Snapshot()
			want, wantRows := old.Query(q, ByUser, false), visible(old)
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for range 20 {
						if got := old.Query(q, ByUser, false); !slices.Equal(got, want) {
							t.Error("query result on an old snapshot changed")
							return
						}
						_ = old.Summary(nil, schema())
						_ = old.Users(want)
						_, _ = old.Index(old.Row(old.Len() - 1).ID)
					}
				})
			}
			for round := range 10 {
				next := realistic(20_000, 3+uint64(round%2))
				for page := range slices.Chunk(next, 1000) {
					f.Add(page)
					for i := range 50 {
						f.SetProbe(next[i*7].ID, i%2 == 0)
					}
					_ = f.Snapshot()
				}
				f.EndRefresh()
				f.BeginRefresh()
			}
			wg.Wait()
			if !maps.Equal(visible(old), wantRows) {
				t.Error("rows or states of an old snapshot changed")
			}
		})
	}
}

func TestSnapshotIsReusedWhileNothingChanges(t *testing.T) {
	f := load(ids("a"))
	s1, s2 := f.Snapshot(), f.Snapshot()
	if s1.v != s2.v {
		t.Error("unchanged fleet handed out a new snapshot")
	}
	f.SetProbe("a", true)
	f.SetProbe("a", true) // no change
	s3 := f.Snapshot()
	if s3.Gen() == s1.Gen() || s1.State(0) != 0 || s3.State(0) != Gone {
		t.Errorf("probe: old state %v, new state %v", s1.State(0), s3.State(0))
	}
}
