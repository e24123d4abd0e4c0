package sandbox_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"testing"
	"time"

	discovery "wsops/apigw"
	"wsops/logs"
	"wsops/sandbox"
	apicontrol "wsops/sandbox/control"
	"wsops/sandbox/gateway"
	"wsops/sandbox/stagelog"
)

// BenchmarkTrailOf100000Lines: the trail of one connection, as `wsops logs
// --conn` reads it (groups found through apigatewayv2, FilterLogEvents
// through the SDK over the sandbox's listener), from an access log group
// holding 100,000 lines of 20,000 connections whose requests interleave —
// $connect, heartbeat, subscribe_order, heartbeat, $disconnect each — with
// the execution and Lambda groups filled by the same requests (each group
// at its bound of 100,000 events). Reports the lines of the trail and the
// heap the filled groups hold.
func BenchmarkTrailOf100000Lines(b *testing.B) {
	ctx := context.Background()
	sb, err := sandbox.Start(ctx, sandbox.Config{Addr: "127.0.0.1:0", DynamoAddr: "127.0.0.1:0", Preset: "wizz"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = sb.Close(stop)
	})
	e := sb.Endpoints()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	target := fill(b, sb, 20_000)
	runtime.GC()
	runtime.ReadMemStats(&after)

	api, err := discovery.Describe(ctx, apigw(e), "WizzUser-WebSocket-dev")
	if err != nil {
		b.Fatal(err)
	}
	r, err := logs.NewReader(logsClient(e), logs.GroupsOf(api, "dev", logs.Overrides{}))
	if err != nil {
		b.Fatal(err)
	}
	if n := sb.Logs().Held(r.Groups.Access); n != 100_000 {
		b.Fatalf("the access group holds %d lines, want 100,000", n)
	}
	b.ResetTimer()
	lines := 0
	for b.Loop() {
		t, err := r.Trail(ctx, []string{target}, time.Hour, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if len(t.Requests) != 5 {
			b.Fatalf("the trail of %s has %d requests, want 5", target, len(t.Requests))
		}
		lines = 0
		for _, req := range t.Requests {
			lines += 1 + len(req.Lines)
		}
	}
	b.ReportMetric(float64(lines), "lines/trail")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-heap-of-groups")
}

// fill writes the logs of conns connections' requests into the sandbox's
// groups, interleaved (every connection's $connect, then every one's first
// message, …), as the stage writes them, and returns the connection id of
// one in the middle.
func fill(b *testing.B, sb *sandbox.Sandbox, conns int) string {
	b.Helper()
	api, err := apicontrol.New(apicontrol.Options{Preset: "wizz", Stage: "dev", Endpoint: "ws://x", RouteKeys: sb.Gateway().RouteKeys()})
	if err != nil {
		b.Fatal(err)
	}
	l := stagelog.New(stagelog.Options{
		Store: sb.Logs(), APIID: api.ID(), Stage: "dev", Region: api.Region(),
		AccessGroup: api.AccessLogGroup(), AccessFormat: apicontrol.AccessLogFormat, Functions: api.Functions(),
	})
	steps := []struct {
		event, route string
		reply        string
	}{
		{gateway.EventConnect, gateway.RouteConnect, ""},
		{gateway.EventMessage, "heartbeat", `{"type":"heartbeat_ack","ts":1}`},
		{gateway.EventMessage, "subscribe_order", `{"type":"subscribed","topic":"order#o-1"}`},
		{gateway.EventMessage, "heartbeat", `{"type":"heartbeat_ack","ts":2}`},
		{gateway.EventDisconnect, gateway.RouteDisconnect, ""},
	}
	cs := make([]gateway.Conn, conns)
	for i := range cs {
		cs[i] = gateway.Conn{ID: fmt.Sprintf("C%014d=", i), SourceIP: "10.0.0.1", UserAgent: "okhttp/4.12",
			RawQuery: "token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEifQ.c2lnbmF0dXJl&platform=android", Header: http.Header{}}
	}
	n := 0
	for _, st := range steps {
		for i := range cs {
			n++
			r := &gateway.Request{ID: fmt.Sprintf("R%014d=", n), EventType: st.event, RouteKey: st.route, Conn: &cs[i],
				Received: time.Now(), IntegrationRequestID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n)}
			l.Integrating(r)
			r.Status, r.Integrated, r.Integration, r.Reply = 200, true, 2*time.Millisecond, []byte(st.reply)
			l.Done(r)
		}
	}
	return cs[conns/2].ID
}
