package fleet

import (
	"maps"
	"reflect"
	"testing"

	"wsops/data"
)

func schema() data.Schema { return data.WizzSchema() }

func TestSummary(t *testing.T) {
	s := smallFleet().Snapshot()
	drivers, err := Parse("driver")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		idx  []int32
		want Summary
	}{
		{"all rows", nil, Summary{
			Total: 6, Stale: 1, Probed: 2, Problems: 4, Vanished: 1, Breaking: 1,
			Cells: map[data.AppEntity]int{
				{App: "drivers", EntityType: "driver"}:          2,
				{App: "order-receiver", EntityType: "customer"}: 1,
				{App: "order-receiver", EntityType: "merchant"}: 1,
				{App: "customers", EntityType: "customer"}:      2,
			},
		}},
		{"the rows of a query", s.Query(drivers, ByID, false), Summary{
			Total: 3, Probed: 1, Problems: 1,
			Cells: map[data.AppEntity]int{
				{App: "drivers", EntityType: "driver"}:          2,
				{App: "order-receiver", EntityType: "merchant"}: 1,
			},
		}},
		{"no rows", []int32{}, Summary{Cells: map[data.AppEntity]int{}}},
	}
	for _, c := range cases {
		got := s.Summary(c.idx, schema())
		if !maps.Equal(got.Cells, c.want.Cells) {
			t.Errorf("%s: cells %v, want %v", c.name, got.Cells, c.want.Cells)
		}
		got.Cells, c.want.Cells = nil, nil
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestUsers(t *testing.T) {
	s := smallFleet().Snapshot()
	got := s.Users(nil)
	want := []User{
		{ID: "driver-0001", Conns: 2, Apps: []string{"drivers", "order-receiver"}, Entities: []string{"driver", "merchant"}},
		{ID: "customer-9", Conns: 1, Apps: []string{"customers"}, Entities: []string{"customer"}},
		{ID: "driver-0002", Conns: 1, Apps: []string{"drivers"}, Entities: []string{"driver"}},
		{ID: "merchant-7", Conns: 1, Apps: []string{"order-receiver"}, Entities: []string{"customer"}},
		{ID: "Ärger-1", Conns: 1, Apps: []string{"customers"}, Entities: []string{"customer"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Users(nil) =\n%+v\nwant\n%+v", got, want)
	}
	i, _ := s.Index("Zf6")
	if got := s.Users([]int32{int32(i)}); len(got) != 1 || got[0].Conns != 1 || !reflect.DeepEqual(got[0].Apps, []string{"order-receiver"}) {
		t.Errorf("Users of one row: %+v", got)
	}
	// Many users: sorted by connections, then id.
	big := load(realistic(3000, 5)).Snapshot().Users(nil)
	total := 0
	for k, u := range big {
		total += u.Conns
		if k > 0 && (big[k-1].Conns < u.Conns || big[k-1].Conns == u.Conns && big[k-1].ID >= u.ID) {
			t.Fatalf("users out of order at %d: %+v then %+v", k, big[k-1], u)
		}
	}
	if total != 3000 {
		t.Errorf("users hold %d connections, want 3000", total)
	}
}
