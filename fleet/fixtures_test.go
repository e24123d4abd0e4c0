package fleet

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"wsops/data"
)

// now is the reference time of the fixtures.
var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// conn builds a connection for hand-written cases.
func conn(id, user, app, entity, platform string, age time.Duration, problems ...string) data.Connection {
	c := data.Connection{ID: id, User: user, App: app, EntityType: entity, Platform: platform, Problems: problems}
	if age >= 0 {
		c.ConnectedAt = now.Add(-age)
	}
	return c
}

// ids builds bare connections with these ids.
func ids(list ...string) []data.Connection {
	conns := make([]data.Connection, len(list))
	for i, id := range list {
		conns[i] = conn(id, "u-"+id, "drivers", "driver", "ios", time.Minute)
	}
	return conns
}

// realistic returns n connections as a wizz fleet looks: AWS-form ids, three
// apps with their entity types, three platforms, users with one to three
// connections, ages up to 3 h, and 5% of rows with one or two problems.
func realistic(n int, seed uint64) []data.Connection {
	rng := rand.New(rand.NewPCG(seed, 42))
	apps := []struct{ app, entity, user string }{
		{"drivers", "driver", "driver"}, {"customers", "customer", "customer"}, {"order-receiver", "merchant", "merchant"},
	}
	platforms := []string{"ios", "android", "web"}
	problems := []string{
		"older than 2h", "ttl expired", `entityType "customer" but appId order-receiver`, "missing platform", "missing userId",
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	conns := make([]data.Connection, n)
	for i := range conns {
		id := make([]byte, 16)
		for j := range 15 {
			id[j] = alphabet[rng.IntN(len(alphabet))]
		}
		id[15] = '='
		a := apps[rng.IntN(len(apps))]
		c := data.Connection{
			ID:          string(id),
			User:        fmt.Sprintf("%s-%04d", a.user, rng.IntN(max(n/6, 1))),
			App:         a.app,
			EntityType:  a.entity,
			Platform:    platforms[rng.IntN(len(platforms))],
			ConnectedAt: now.Add(-time.Duration(rng.Int64N(int64(3 * time.Hour)))),
		}
		if rng.IntN(100) < 5 {
			c.Problems = []string{problems[rng.IntN(len(problems))]}
			if rng.IntN(2) == 0 {
				c.Problems = append(c.Problems, problems[rng.IntN(len(problems))])
			}
		}
		conns[i] = c
	}
	return conns
}

// load streams conns into a new fleet in pages of 1,000 and ends the scan.
func load(conns []data.Connection) *Fleet {
	f := New()
	scan(f, conns)
	return f
}

// scan runs one complete scan of conns in pages of 1,000.
func scan(f *Fleet, conns []data.Connection) Diff {
	f.BeginRefresh()
	for page := range slices.Chunk(conns, 1000) {
		f.Add(page)
	}
	return f.EndRefresh()
}

// visible maps the ids of a snapshot to their states.
func visible(s Snapshot) map[string]State {
	m := map[string]State{}
	for i := range s.Len() {
		m[s.Row(i).ID] = s.State(i)
	}
	return m
}

// queryIDs runs a filter and returns the ids of the result, in order.
func queryIDs(t *testing.T, s Snapshot, text string, key SortKey, desc bool) []string {
	t.Helper()
	q, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	out := []string{}
	for _, i := range s.Query(q, key, desc) {
		out = append(out, s.Row(int(i)).ID)
	}
	return out
}
