package logs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRowsAreTheTrailsTextSanitized(t *testing.T) {
	at := time.Date(2026, 11, 22, 10, 0, 1, 500e6, time.Local)
	access := Line{Time: at, Kind: KindAccess, Route: "$connect", Status: "200", ConnectionID: "L0SM9cOFvHcCIhw=", RequestID: "Hm1yGF6OoAMFh6w="}
	if got, want := Row(access), "10:00:01.500  $connect         200  L0SM9cOFvHcCIhw=  request Hm1yGF6OoAMFh6w="; got != want {
		t.Errorf("access row\n%q, want\n%q", got, want)
	}
	if got, want := Row(Line{Time: at, Kind: KindAccess}), "10:00:01.500  -                -    -  request -"; got != want {
		t.Errorf("empty access row %q, want %q", got, want)
	}
	report := Line{Time: at, Kind: KindHandler, Message: "REPORT RequestId: lam-1\tDuration: 3.21 ms\tBilled Duration: 4 ms"}
	if got, want := Row(report), "  10:00:01.500  handler   REPORT RequestId: lam-1  Duration: 3.21 ms  Billed Duration: 4 ms"; got != want {
		t.Errorf("handler row\n%q, want\n%q", got, want)
	}
	hostile := Line{Time: at, Kind: KindExecution, Message: "(r=) \x1b]52;c;ZXZpbA==\x07\x1b[2J done", Route: "x\x1b[2J"}
	if got := Row(hostile); strings.ContainsAny(got, "\x1b\x07") || !strings.Contains(got, `\x1b[2J done`) {
		t.Errorf("a terminal escape reached the row: %q", got)
	}
	if got := Row(Line{Time: at, Kind: KindAccess, Route: "debug\x1b[2J"}); strings.ContainsRune(got, '\x1b') {
		t.Errorf("a route's escape reached the row: %q", got)
	}
	req := Request{Access: access, Lines: []Line{{Time: at, Kind: KindHandler, Message: "START RequestId: lam-1"}, report}}
	rows := RequestRows(req)
	if len(rows) != 4 || rows[0] != Row(access) || rows[1] != "               handler 3.21 ms" || rows[3] != Row(report) {
		t.Errorf("request rows:\n%s", strings.Join(rows, "\n"))
	}
	if rows := RequestRows(Request{Access: access}); len(rows) != 1 {
		t.Errorf("a request without REPORT has a duration row: %q", rows)
	}
}

// A stage whose access log cannot be traced still has logs to tail: the
// reader is made, says why it cannot trace, and refuses only traces.
func TestAnUntraceableStageIsStillRead(t *testing.T) {
	for _, c := range []struct {
		g    Groups
		want error
	}{
		{Groups{Access: "a", AccessFormat: `{"requestId":"$context.requestId","status":"$context.status"}`, Execution: "e"}, ErrUntraceable},
		{Groups{Execution: "e"}, ErrNoAccessLog},
		{Groups{Access: "a", Execution: "e"}, nil},
	} {
		r, err := NewReader(nil, c.g)
		if err != nil {
			t.Fatalf("%+v: %v", c.g, err)
		}
		if !errors.Is(r.Traceable(), c.want) {
			t.Errorf("%+v: Traceable %v, want %v", c.g, r.Traceable(), c.want)
		}
		if c.want == nil {
			continue
		}
		if _, err := r.Trail(context.Background(), []string{"c="}, time.Hour, time.Now()); !errors.Is(err, c.want) {
			t.Errorf("%+v: Trail: %v", c.g, err)
		}
		if err := r.Follow(context.Background(), FollowOptions{IDs: []string{"c="}}, nil); !errors.Is(err, c.want) {
			t.Errorf("%+v: Follow of a connection: %v", c.g, err)
		}
	}
	if _, err := NewAccessParser(`{"requestId":"$context.requestId"}`); !errors.Is(err, ErrUntraceable) {
		t.Errorf("NewAccessParser: %v", err)
	}
}
