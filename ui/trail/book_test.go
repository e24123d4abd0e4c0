package trail

import (
	"fmt"
	"testing"
	"time"

	"wsops/logs"
)

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// lines are a request's lines, its access line last, as a poll emits them.
func lines(i int, conn string) []logs.Line {
	rid, lam := fmt.Sprintf("R%d=", i), fmt.Sprintf("lam-%d", i)
	at := t0.Add(time.Duration(i) * time.Second)
	return []logs.Line{
		{Time: at, Kind: logs.KindExecution, RequestID: rid, Message: "(" + rid + ") Received", EventID: rid + "x"},
		{Time: at.Add(time.Millisecond), Kind: logs.KindHandler, RequestID: lam, Message: "START RequestId: " + lam, EventID: rid + "s"},
		{Time: at.Add(2 * time.Millisecond), Kind: logs.KindHandler, RequestID: lam, Message: "REPORT RequestId: " + lam + "\tDuration: 1.00 ms", EventID: rid + "r"},
		{Time: at.Add(3 * time.Millisecond), Kind: logs.KindAccess, RequestID: rid, IntegrationRequestID: lam, ConnectionID: conn, Route: "heartbeat", Status: "200", EventID: rid + "a"},
	}
}

// Lines that come before their access line wait for it; lines read twice
// are filed once; requests go in time order, their lines too.
func TestBookGroupsLinesByRequest(t *testing.T) {
	b := newBook()
	for _, l := range lines(2, "C=") {
		b.add(l)
	}
	for _, l := range append(lines(1, "C="), lines(2, "C=")...) { // an older request, and the last one again
		b.add(l)
	}
	rs := b.requests()
	if len(rs) != 2 || rs[0].Access.RequestID != "R1=" || rs[1].Access.RequestID != "R2=" {
		t.Fatalf("requests %+v", rs)
	}
	for _, r := range rs {
		if len(r.Lines) != 3 || r.Lines[0].Kind != logs.KindExecution || r.Duration() != "1.00 ms" {
			t.Errorf("request %s: %+v", r.Access.RequestID, r.Lines)
		}
	}
	if b.nEarly != 0 || len(b.early) != 0 {
		t.Errorf("%d lines still wait", b.nEarly)
	}
	rows := b.lines()
	if len(rows) != 2*5 || !rows[0].head || rows[1].text != "               handler 1.00 ms" {
		t.Errorf("rows %+v", rows)
	}
}

// A trail keeps MaxRequests requests, and what indexes them stays small.
func TestBookKeepsMaxRequests(t *testing.T) {
	b := newBook()
	for i := range 3 * MaxRequests {
		for _, l := range lines(i, "C=") {
			b.add(l)
		}
		b.add(logs.Line{Kind: logs.KindHandler, RequestID: fmt.Sprintf("orphan-%d", i), EventID: fmt.Sprintf("o%d", i)})
	}
	if len(b.reqs) != MaxRequests || b.dropped != 2*MaxRequests || len(b.byID) != MaxRequests || len(b.lambda) != MaxRequests {
		t.Errorf("%d requests, %d dropped, %d/%d indexed", len(b.reqs), b.dropped, len(b.byID), len(b.lambda))
	}
	if b.nEarly > maxEarly || len(b.seen) > maxSeen+5 {
		t.Errorf("%d lines wait, %d event ids remembered", b.nEarly, len(b.seen))
	}
	if first := b.reqs[0].Access.RequestID; first != fmt.Sprintf("R%d=", 2*MaxRequests) {
		t.Errorf("the oldest kept is %s", first)
	}
}
