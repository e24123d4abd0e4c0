package fleet

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"wsops/data"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want Query
	}{
		{"", Query{}},
		{"   \t ", Query{}},
		{"Timeout", Query{Words: []string{"timeout"}}},
		{"foo  BAR", Query{Words: []string{"foo", "bar"}}},
		{"app:drivers", Query{App: "drivers"}},
		{"APP:Drivers", Query{App: "Drivers"}},
		{"entity:merchant user:driver-0042 platform:ios topic:order#42", Query{
			Entity: "merchant", User: "driver-0042", Platform: "ios", Topic: "order#42"}},
		{`user:"a b"`, Query{User: "a b"}},
		{`user:"say \"hi\" \\o/"`, Query{User: `say "hi" \o/`}},
		{`"ttl expired" app:drivers`, Query{Words: []string{"ttl expired"}, App: "drivers"}},
		{`"order:42"`, Query{Words: []string{"order:42"}}},
		{`10:30`, Query{Words: []string{"10:30"}}},
		{`:x`, Query{Words: []string{":x"}}},
		{`a\b`, Query{Words: []string{`a\b`}}},
		{`""`, Query{}},
		{"is:stale is:PROBLEM is:gone", Query{Stale: true, Problem: true, Gone: true}},
		{"is:stale is:stale", Query{Stale: true}},
		{"topic:business_status#b:1", Query{Topic: "business_status#b:1"}},
		{"配達員 café", Query{Words: []string{"配達員", "café"}}},
		{"status:5xx route:$connect Timeout", Query{Words: []string{"timeout"}, Route: "$connect", Status: "5xx"}},
		{"STATUS:403 route:subscribe_order", Query{Route: "subscribe_order", Status: "403"}},
		{"status:4XX", Query{Status: "4XX"}},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Parse(%q) = %#v, want %#v", c.in, got, c.want)
		}
	}
}

func TestParseErrorsNameTokenAndPosition(t *testing.T) {
	cases := []struct {
		in, token string
		offset    int
		column    int
		reason    string
	}{
		{"foo:bar", "foo:bar", 0, 1, "unknown key foo:"},
		{"timeout  http://x", "http://x", 9, 10, "unknown key http:"},
		{"is:old", "is:old", 0, 1, "unknown is:old"},
		{"café is:fresh", "is:fresh", 6, 6, "unknown is:fresh"},
		{"app:", "app:", 0, 1, "app: needs a value"},
		{`x app:""`, `app:""`, 2, 3, "app: needs a value"},
		{"app:a app:b", "app:b", 6, 7, "app: given twice"},
		{`user:"a b`, `user:"a b`, 0, 1, "unterminated quote"},
		{`w "x\"`, `"x\"`, 2, 3, "unterminated quote"},
		{"status:50", "status:50", 0, 1, "want a code (403) or a class (5xx)"},
		{"x status:error", "status:error", 2, 3, "want a code"},
		{"status:6xx", "status:6xx", 0, 1, "want a code"},
		{"route:a route:b", "route:b", 8, 9, "route: given twice"},
	}
	for _, c := range cases {
		_, err := Parse(c.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q): error %v, want a *SyntaxError", c.in, err)
			continue
		}
		if se.Token != c.token || se.Offset != c.offset || se.Column != c.column || !strings.Contains(se.Reason, c.reason) {
			t.Errorf("Parse(%q): %+v, want token %q offset %d column %d reason containing %q",
				c.in, se, c.token, c.offset, c.column, c.reason)
		}
		if !strings.Contains(err.Error(), c.reason) {
			t.Errorf("Parse(%q): message %q does not say %q", c.in, err, c.reason)
		}
	}
}

func TestStringIsCanonicalAndRoundTrips(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"is:gone app:drivers   Timeout", "timeout app:drivers is:gone"},
		{`user:"a b" "x y"`, `"x y" user:"a b"`},
		{`"order:42"`, `"order:42"`},
		{`user:"q\"uote"`, `user:"q\"uote"`},
		{`"back\\slash" 'single'`, `back\slash 'single'`},
		{"topic:t platform:p user:u entity:e app:a is:problem is:stale", "app:a entity:e user:u platform:p topic:t is:stale is:problem"},
		{"status:5xx x route:$connect is:stale", "x route:$connect status:5xx is:stale"},
	}
	for _, c := range cases {
		q, err := Parse(c.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.in, err)
		}
		if got := q.String(); got != c.want {
			t.Errorf("Parse(%q).String() = %q, want %q", c.in, got, c.want)
		}
		back, err := Parse(q.String())
		if err != nil || !reflect.DeepEqual(back, q) {
			t.Errorf("%q does not round-trip: %#v, %v", q.String(), back, err)
		}
	}
}

func TestEmptyAndSelect(t *testing.T) {
	if !(Query{}).Empty() {
		t.Error("zero Query is not Empty")
	}
	for _, in := range []string{"x", "app:a", "entity:e", "user:u", "platform:p", "topic:t", "is:stale", "is:problem", "is:gone", "route:r", "status:200"} {
		q, err := Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if q.Empty() {
			t.Errorf("Parse(%q) is Empty", in)
		}
	}
	q, err := Parse("word app:drivers entity:driver user:u1 platform:ios topic:order#1 is:stale")
	if err != nil {
		t.Fatal(err)
	}
	want := data.Select{App: "drivers", EntityType: "driver", User: "u1", Platform: "ios", Topic: "order#1"}
	if got := q.Select(); !reflect.DeepEqual(got, want) {
		t.Errorf("Select() = %+v, want %+v", got, want)
	}
	// route: and status: select log lines, not records: never pushed down,
	// and not part of what selects the registry's connections.
	q, err = Parse("word status:5xx route:$connect app:drivers is:stale")
	if err != nil {
		t.Fatal(err)
	}
	if got := q.Select(); !reflect.DeepEqual(got, data.Select{App: "drivers"}) {
		t.Errorf("Select() = %+v", got)
	}
	if got := q.Registry(); !reflect.DeepEqual(got, Query{App: "drivers", Stale: true}) {
		t.Errorf("Registry() = %#v", got)
	}
	if !(Query{Route: "x"}).Registry().Empty() {
		t.Error("route: alone selects connections")
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"", "timeout app:drivers", `user:"a b" is:stale`, `"x\"y" is:problem is:gone`,
		"app:a app:b", "foo:bar", `"unterminated`, "配達員 is:STALE", "\xff\xfe app:\x80",
		`topic:order#1 "" \ "\\"`, "x\u00a0y", `a"b c"d`, "entity:e\tplatform:p",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(s) || !strings.HasPrefix(s[se.Offset:], se.Token) {
				t.Fatalf("Parse(%q): bad error %#v", s, err)
			}
			return
		}
		canon := q.String()
		back, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) → %q does not parse: %v", s, canon, err)
		}
		if !reflect.DeepEqual(back, q) {
			t.Fatalf("Parse(%q) = %#v, but its String %q parses to %#v", s, q, canon, back)
		}
		if again := back.String(); again != canon {
			t.Fatalf("String not canonical: %q then %q", canon, again)
		}
	})
}

// BenchmarkParse parses a typical filter, as the console does on every
// keystroke of a live filter.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(`timeout app:order-receiver user:"driver 0042" is:stale`); err != nil {
			b.Fatal(err)
		}
	}
}
