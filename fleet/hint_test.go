package fleet

import "testing"

func TestHintNamesUnknownValuesAndTheClosest(t *testing.T) {
	apps, entities := []string{"drivers", "customers", "order-receiver"}, []string{"driver", "customer", "merchant"}
	for _, c := range []struct{ filter, want string }{
		{"app:order-reciever", "no app order-reciever (did you mean order-receiver?)"},
		{"app:drivers entity:merchnat", "no entity type merchnat (did you mean merchant?)"},
		{"app:zzz", "no app zzz"},
		{"app:drivers entity:driver", ""},
		{"driver", ""},
	} {
		q, err := Parse(c.filter)
		if err != nil {
			t.Fatal(err)
		}
		if got := Hint(q, apps, entities); got != c.want {
			t.Errorf("%q: hint %q, want %q", c.filter, got, c.want)
		}
	}
}
