package cwlogs

import (
	"strings"
	"testing"
)

// TestPatterns: the filter pattern subset wsops uses — a word, a quoted
// phrase, terms ANDed, ?-terms ORed — matches case-sensitively anywhere in
// a message; everything else is refused, never matched as something else.
func TestPatterns(t *testing.T) {
	msg := `{"requestId":"R1=","connectionId":"L0SM9cOFvHcCIhw=","routeKey":"heartbeat","status":"500"} she said a "b"`
	for _, tc := range []struct {
		pattern string
		match   bool
	}{
		{"", true},
		{"   ", true},
		{"heartbeat", true},
		{"Heartbeat", false},
		{`"L0SM9cOFvHcCIhw="`, true},
		{`"L0SM9cOFvHcCIhw=" heartbeat`, true},
		{`"L0SM9cOFvHcCIhw=" subscribe_order`, false},
		{`?"nope=" ?"L0SM9cOFvHcCIhw="`, true},
		{`?"nope=" ?"other="`, false},
		{`?nope ?heartbeat`, true},
		{`"a \"b\""`, true},
		{`"connectionId\":\"L0SM"`, true},
		{`"\\"`, false},
		{`"said a \"b\""`, true},
	} {
		p, err := parsePattern(tc.pattern)
		if err != nil {
			t.Errorf("%q: %v", tc.pattern, err)
			continue
		}
		if got := p.match(msg); got != tc.match {
			t.Errorf("%q matches: %v, want %v", tc.pattern, got, tc.match)
		}
	}
	for _, bad := range []string{
		`{ $.status = 500 }`, `[ip, user, ...]`, `%heart.*%`, `-heartbeat`, `heartbeat -ping`, `L0SM9cOFvHcCIhw=`,
		`?"a" b`, `a ?"b"`, `"unterminated`, `""`, `?`, `? "a"`, `"a"b`, strings.Repeat("a", 1025),
	} {
		if p, err := parsePattern(bad); err == nil {
			t.Errorf("%q was accepted (%+v): want it refused", bad, p)
		}
	}
}
