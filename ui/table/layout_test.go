package table

import (
	"slices"
	"testing"
)

func TestLayout(t *testing.T) {
	cols := []Column{{Title: "A", Width: 4}, {Title: "B", Flex: true}, {Title: "C", Width: 3}}
	for _, tc := range []struct {
		avail int
		want  []int
	}{
		{20, []int{4, 11, 3}}, // 4+1+11+1+3
		{10, []int{4, 1, 3}},
		{9, []int{4, 0, 3}}, // the flex column has nothing left: hidden, no double space
		{6, []int{4, 0, 1}},
		{4, []int{4, 0, 0}},
		{2, []int{2, 0, 0}},
		{0, []int{0, 0, 0}},
		{-2, []int{0, 0, 0}},
	} {
		got := layout(cols, tc.avail)
		if !slices.Equal(got, tc.want) {
			t.Errorf("layout(%d) = %v, want %v", tc.avail, got, tc.want)
		}
	}
	two := layout([]Column{{Flex: true}, {Flex: true}, {Width: 2}}, 20)
	if !slices.Equal(two, []int{16, 0, 2}) {
		t.Errorf("two flex columns: %v, want the first to take the room", two)
	}
	none := layout([]Column{{Width: 3}, {Width: 3}}, 20)
	if !slices.Equal(none, []int{3, 3}) {
		t.Errorf("no flex column: %v", none)
	}
}
