package fleet

import (
	"cmp"
	"slices"

	"wsops/data"
)

// Summary counts rows for the console's header and the app × entity matrix.
// Vanished rows are no longer in the registry: they are counted in Vanished
// only.
type Summary struct {
	Total int // rows in the registry
	// Stale counts the rows a probe found gone (is:stale, conns --stale,
	// what prune deletes); Probed the rows a probe answered for.
	Stale, Probed int
	Problems      int // rows with at least one problem
	Cells         map[data.AppEntity]int
	Vanished      int // rows gone from the registry since the last refresh
	Breaking      int // rows in a cell that breaks the schema's app → entity type rule
}

// Summary counts the rows at idx (nil: every row).
func (s Snapshot) Summary(idx []int32, schema data.Schema) Summary {
	sum := Summary{Cells: map[data.AppEntity]int{}}
	if s.v == nil {
		return sum
	}
	v := s.v
	type cell struct{ app, entity uint32 }
	cells := map[cell]int{}
	v.each(idx, func(r *Row, c rowCodes, st State) {
		if st&Vanished != 0 {
			sum.Vanished++
			return
		}
		sum.Total++
		if c.problems != 0 {
			sum.Problems++
		}
		if st&Gone != 0 {
			sum.Stale++
		}
		if st&probeBits != 0 {
			sum.Probed++
		}
		cells[cell{c.app, c.entity}]++
	})
	for c, n := range cells {
		ae := data.AppEntity{App: v.dict.apps[c.app], EntityType: v.dict.entities[c.entity]}
		sum.Cells[ae] = n
		if schema.Breaks(ae) {
			sum.Breaking += n
		}
	}
	return sum
}

// User is one user's connections among some rows.
type User struct {
	ID       string
	Conns    int
	Apps     []string // distinct, sorted; empty values left out
	Entities []string // distinct, sorted; empty values left out
}

// Users groups the rows at idx (nil: every row) by user, Vanished rows left
// out, most connections first, then by ID.
func (s Snapshot) Users(idx []int32) []User {
	if s.v == nil {
		return nil
	}
	v := s.v
	type acc struct {
		conns          int
		apps, entities []uint32
	}
	pos := map[string]int{}
	var ids []string
	var accs []acc
	v.each(idx, func(r *Row, c rowCodes, st State) {
		if st&Vanished != 0 {
			return
		}
		k, ok := pos[r.User]
		if !ok {
			k = len(accs)
			pos[r.User] = k
			ids = append(ids, r.User)
			accs = append(accs, acc{})
		}
		a := &accs[k]
		a.conns++
		if c.app != 0 && !slices.Contains(a.apps, c.app) {
			a.apps = append(a.apps, c.app)
		}
		if c.entity != 0 && !slices.Contains(a.entities, c.entity) {
			a.entities = append(a.entities, c.entity)
		}
	})
	users := make([]User, len(accs))
	for k, a := range accs {
		users[k] = User{ID: ids[k], Conns: a.conns, Apps: lookup(v.dict.apps, a.apps), Entities: lookup(v.dict.entities, a.entities)}
	}
	slices.SortFunc(users, func(a, b User) int { return cmp.Or(cmp.Compare(b.Conns, a.Conns), cmp.Compare(a.ID, b.ID)) })
	return users
}

// lookup returns the sorted values of codes.
func lookup(values []string, codes []uint32) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = values[c]
	}
	slices.Sort(out)
	return out
}

// each calls fn for the rows at idx (nil: every row); indices out of range
// are skipped.
func (v *view) each(idx []int32, fn func(r *Row, c rowCodes, st State)) {
	if idx == nil {
		for i := range v.rows.n {
			fn(v.rows.at(i), *v.codes.at(i), v.states[i])
		}
		return
	}
	for _, i := range idx {
		if i >= 0 && int(i) < v.rows.n {
			fn(v.rows.at(int(i)), *v.codes.at(int(i)), v.states[i])
		}
	}
}
