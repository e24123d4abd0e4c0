package logs

import (
	"testing"
	"time"
)

func TestAccessParserReadsTheStagesFormat(t *testing.T) {
	for _, c := range []struct {
		name, format, message string
		want                  Line
	}{
		{"default text format", "", `203.0.113.9 - - [03/Dec/2026:17:01:02 +0000] "MESSAGE heartbeat L0SM9cOFvHcCIhw=" 200 Hm1yGF6OoAMFh6w=`,
			Line{RequestID: "Hm1yGF6OoAMFh6w=", ConnectionID: "L0SM9cOFvHcCIhw=", EventType: "MESSAGE", Route: "heartbeat", Status: "200"}},
		{"JSON with other keys", `{"rid":"$context.requestId","cid":"$context.connectionId","route":"$context.routeKey","st":$context.status,"lambda":"$context.awsEndpointRequestId"}`,
			`{"rid":"abc=","cid":"L0SM9cOFvHcCIhw=","route":"$connect","st":403,"lambda":"-"}`,
			Line{RequestID: "abc=", ConnectionID: "L0SM9cOFvHcCIhw=", Route: "$connect", Status: "403"}},
	} {
		p, err := NewAccessParser(c.format)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		l := Line{Message: c.message}
		if !p.Parse(&l) {
			t.Fatalf("%s: did not parse %q", c.name, c.message)
		}
		l.Message = ""
		if l != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, l, c.want)
		}
	}
	if _, err := NewAccessParser(`{"requestId":"$context.requestId","status":"$context.status"}`); err == nil {
		t.Error("a format without connection ids was accepted")
	}
	p, _ := NewAccessParser("")
	if l := (Line{Message: "not an access line"}); p.Parse(&l) {
		t.Error("a line in another format parsed")
	}
}

func TestHandlerAndExecutionLines(t *testing.T) {
	const id = "c3e2a9f1-7b7d-4b1e-9d8e-2f1a5c6b7d8e"
	for msg, want := range map[string]string{
		"START RequestId: " + id + " Version: $LATEST":                           id,
		"REPORT RequestId: " + id + "\tDuration: 3.21 ms":                        id,
		"2026-12-03T00:00:00.000Z\t" + id + "\tINFO\tsubscribed":                 id,
		"2026-12-03T00:00:29.031Z " + id + " Task timed out after 29.03 seconds": id,
		"2026-12-03T00:00:29.031Z " + id + " something else":                     "",
		"plain text": "",
	} {
		l := Line{Message: msg}
		parseHandler(&l)
		if l.RequestID != want {
			t.Errorf("%q: request id %q, want %q", msg, l.RequestID, want)
		}
	}
	l := Line{Message: "(Hm1yGF6OoAMFh6w=) Method completed with status: 200"}
	if parseExecution(&l); l.RequestID != "Hm1yGF6OoAMFh6w=" {
		t.Errorf("execution request id %q", l.RequestID)
	}
}

// TestJoinerHoldsLinesUntilTheirAccessLine: a live tail delivers the
// execution and handler lines of a request before its access line.
func TestJoinerHoldsLinesUntilTheirAccessLine(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
	j := NewJoiner([]string{"MINE00000000000="})
	exec := Line{Kind: KindExecution, RequestID: "r1=", Message: "(r1=) Received", Time: t0, EventID: "e1"}
	other := Line{Kind: KindExecution, RequestID: "r2=", Message: "(r2=) Received", Time: t0, EventID: "e2"}
	handler := Line{Kind: KindHandler, RequestID: "lam-1", Message: "START", Time: t0, EventID: "e3"}
	for _, l := range []Line{exec, other, handler} {
		if out := j.Add(l); len(out) != 0 {
			t.Fatalf("a line of an unknown request came out: %+v", out)
		}
	}
	access := Line{Kind: KindAccess, RequestID: "r1=", ConnectionID: "MINE00000000000=", IntegrationRequestID: "lam-1", Route: "$connect", Time: t0.Add(time.Second), EventID: "e4"}
	out := j.Add(access)
	if len(out) != 3 || out[0].EventID != "e4" || out[1].EventID != "e1" || out[2].EventID != "e3" || out[2].ConnectionID != "MINE00000000000=" {
		t.Fatalf("after the access line: %+v", out)
	}
	if again := j.Add(access); len(again) != 0 {
		t.Errorf("a repeated event came out again: %+v", again)
	}
	theirs := Line{Kind: KindAccess, RequestID: "r2=", ConnectionID: "THEIRS000000000=", Time: t0.Add(time.Second), EventID: "e5"}
	if out := j.Add(theirs); len(out) != 0 {
		t.Errorf("another connection's access line came out: %+v", out)
	}
}
