package fleet

import (
	"cmp"
	"slices"
	"strings"
	"testing"
	"time"

	"wsops/data"
)

// smallFleet is a hand-written fleet: Vv7 has vanished, Yd4 was probed gone,
// Xa1 live.
func smallFleet() *Fleet {
	rows := []data.Connection{
		conn("Xa1", "driver-0001", "drivers", "driver", "ios", 10*time.Minute),
		conn("Xb2", "driver-0002", "drivers", "driver", "android", 3*time.Hour, "older than 2h"),
		conn("Yc3", "merchant-7", "order-receiver", "customer", "web", 5*time.Minute, `entityType "customer" but appId order-receiver`),
		conn("Yd4", "customer-9", "customers", "customer", "ios", -1, "missing connectedAt"),
		conn("Ze5", "Ärger-1", "customers", "customer", "", time.Hour, "ttl expired", "missing platform"),
		conn("Zf6", "driver-0001", "order-receiver", "merchant", "android", 20*time.Minute),
	}
	rows[2].BusinessID, rows[5].BusinessID = "biz-091", "biz-091" // merchants of one business
	f := New()
	scan(f, append(slices.Clone(rows), conn("Vv7", "ghost-1", "customers", "customer", "web", 30*time.Minute)))
	scan(f, rows)
	f.SetProbe("Yd4", true)
	f.SetProbe("Xa1", false)
	return f
}

func TestQueryFilters(t *testing.T) {
	s := smallFleet().Snapshot()
	cases := []struct {
		filter string
		want   []string // sorted by id
	}{
		{"", []string{"Vv7", "Xa1", "Xb2", "Yc3", "Yd4", "Ze5", "Zf6"}},
		{"driver", []string{"Xa1", "Xb2", "Zf6"}},
		{"DRIVER-0001", []string{"Xa1", "Zf6"}},
		{"xA1", []string{"Xa1"}},
		{"ärg", []string{"Ze5"}},
		{"ÄRGER", []string{"Ze5"}},
		{"older", []string{"Xb2"}},
		{`"but appid"`, []string{"Yc3"}},
		{"customer", []string{"Vv7", "Yc3", "Yd4", "Ze5"}},
		{"driver android", []string{"Xb2", "Zf6"}},
		{"ios web", []string{}},
		{"app:drivers", []string{"Xa1", "Xb2"}},
		{"app:nope", []string{}},
		{"entity:customer", []string{"Vv7", "Yc3", "Yd4", "Ze5"}},
		{"platform:android", []string{"Xb2", "Zf6"}},
		{"platform:Android", []string{}},
		{"user:driver-0001", []string{"Xa1", "Zf6"}},
		{"user:driver", []string{}},
		{"biz-091", []string{"Yc3", "Zf6"}},
		{"BIZ-09", []string{"Yc3", "Zf6"}},
		{"business:biz-091", []string{"Yc3", "Zf6"}},
		{"business:biz-09", []string{}},
		{"topic:order#1", []string{"Vv7", "Xa1", "Xb2", "Yc3", "Yd4", "Ze5", "Zf6"}},
		{"is:problem", []string{"Xb2", "Yc3", "Yd4", "Ze5"}},
		// Stale is what a probe found gone, as conns --stale and prune: a
		// record too old or past its TTL is a problem until probed.
		{"is:stale", []string{"Yd4"}},
		{"is:gone", []string{"Yd4"}},
		{"driver is:stale", []string{}},
		{"older is:problem", []string{"Xb2"}},
		{"driver app:order-receiver", []string{"Zf6"}},
		{"app:customers entity:customer platform:web", []string{"Vv7"}},
	}
	for _, c := range cases {
		if got := queryIDs(t, s, c.filter, ByID, false); !slices.Equal(got, c.want) {
			t.Errorf("%q: got %v, want %v", c.filter, got, c.want)
		}
	}
}

func TestQuerySortsStablyWithTiesByID(t *testing.T) {
	s := smallFleet().Snapshot()
	cases := []struct {
		key  SortKey
		desc bool
		want string
	}{
		{ByID, false, "Vv7 Xa1 Xb2 Yc3 Yd4 Ze5 Zf6"},
		{ByID, true, "Zf6 Ze5 Yd4 Yc3 Xb2 Xa1 Vv7"},
		{ByUser, false, "Yd4 Xa1 Zf6 Xb2 Vv7 Yc3 Ze5"},
		{ByUser, true, "Ze5 Yc3 Vv7 Xb2 Xa1 Zf6 Yd4"},
		{ByApp, false, "Vv7 Yd4 Ze5 Xa1 Xb2 Yc3 Zf6"},
		{ByApp, true, "Yc3 Zf6 Xa1 Xb2 Vv7 Yd4 Ze5"},
		{ByEntity, false, "Vv7 Yc3 Yd4 Ze5 Xa1 Xb2 Zf6"},
		{ByPlatform, false, "Ze5 Xb2 Zf6 Xa1 Yd4 Vv7 Yc3"},
		{ByAge, false, "Yc3 Xa1 Zf6 Vv7 Ze5 Xb2 Yd4"},
		{ByAge, true, "Yd4 Xb2 Ze5 Vv7 Zf6 Xa1 Yc3"},
		{ByProblems, false, "Vv7 Xa1 Zf6 Yc3 Yd4 Xb2 Ze5"},
		{ByProblems, true, "Ze5 Xb2 Yd4 Yc3 Vv7 Xa1 Zf6"},
	}
	for _, c := range cases {
		if got := strings.Join(queryIDs(t, s, "", c.key, c.desc), " "); got != c.want {
			t.Errorf("%v desc=%v: got %s, want %s", c.key, c.desc, got, c.want)
		}
	}
	if ByProblems.String() != "problems" || SortKey(99).String() != "unknown" {
		t.Error("SortKey.String")
	}
}

// TestQueryMatchesReference compares Query with a direct implementation of
// its definition over a realistic fleet.
func TestQueryMatchesReference(t *testing.T) {
	conns := realistic(5000, 7)
	f := load(conns)
	for i := range 300 {
		f.SetProbe(conns[i*13].ID, i%3 == 0)
	}
	s := f.Snapshot()
	filters := []string{"", "driver-00", "AB", "older", "driver-001 app:drivers", "is:stale", "is:problem ios",
		"entity:merchant platform:web", "is:gone", "user:customer-0042", "customers 7"}
	for _, text := range filters {
		q, err := Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		for key := ByID; key <= ByProblems; key++ {
			for _, desc := range []bool{false, true} {
				got := s.Query(q, key, desc)
				want := referenceQuery(s, q, key, desc)
				if !slices.Equal(got, want) {
					t.Fatalf("%q by %v desc=%v: %d rows differ from the reference's %d", text, key, desc, len(got), len(want))
				}
			}
		}
	}
}

func referenceQuery(s Snapshot, q Query, key SortKey, desc bool) []int32 {
	idx := []int32{}
	for i := range s.Len() {
		r, st := s.Row(i), s.State(i)
		fields := append([]string{r.ID, r.User, r.App, r.Entity, r.Platform}, r.Problems...)
		ok := (q.App == "" || r.App == q.App) && (q.Entity == "" || r.Entity == q.Entity) &&
			(q.User == "" || r.User == q.User) && (q.Platform == "" || r.Platform == q.Platform) &&
			(!q.Problem || len(r.Problems) > 0) && (!q.Gone && !q.Stale || st&Gone != 0)
		for _, w := range q.Words {
			ok = ok && slices.ContainsFunc(fields, func(f string) bool { return strings.Contains(strings.ToLower(f), w) })
		}
		if ok {
			idx = append(idx, int32(i))
		}
	}
	primary := func(a, b *Row) int {
		switch key {
		case ByUser:
			return strings.Compare(a.User, b.User)
		case ByApp:
			return strings.Compare(a.App, b.App)
		case ByEntity:
			return strings.Compare(a.Entity, b.Entity)
		case ByPlatform:
			return strings.Compare(a.Platform, b.Platform)
		case ByAge:
			return cmp.Compare(b.ConnectedAt, a.ConnectedAt)
		case ByProblems:
			return cmp.Or(cmp.Compare(len(a.Problems), len(b.Problems)), slices.Compare(a.Problems, b.Problems))
		}
		return strings.Compare(a.ID, b.ID)
	}
	slices.SortFunc(idx, func(i, j int32) int {
		a, b := s.Row(int(i)), s.Row(int(j))
		c := primary(a, b)
		if desc {
			c = -c
		}
		return cmp.Or(c, strings.Compare(a.ID, b.ID))
	})
	return idx
}

func TestContainsFold(t *testing.T) {
	cases := []struct {
		s, word string
		want    bool
	}{
		{"L0SM9cOFvHcCIhw=", "cofv", true},
		{"L0SM9cOFvHcCIhw=", "hw=", true},
		{"L0SM9cOFvHcCIhw=", "hw==", false},
		{"abc", "", true},
		{"", "a", false},
		{"ab", "abc", false},
		{"ÄRGER", "ärg", true},
		{"plain", "ä", false},
		{"\u212a", "k", true}, // the Kelvin sign lower-cases to an ASCII k
	}
	for _, c := range cases {
		if got := containsFold(c.s, c.word, isASCII(c.word)); got != c.want {
			t.Errorf("containsFold(%q, %q) = %v", c.s, c.word, got)
		}
	}
}
