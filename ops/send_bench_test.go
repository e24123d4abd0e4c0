package ops_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"wsops/internal/testrig"
	"wsops/ops"
)

// broadcast sends payload to everyone at rps and checks that all of the
// world's clients were delivered to.
func broadcast(tb testing.TB, f *sendFixture, rps float64, payload []byte, journal string) ops.SendResult {
	tb.Helper()
	res, err := f.o.Send(context.Background(), ops.SendRequest{
		Targets: ops.Targets{All: true}, Payload: payload, RPS: rps, Journal: f.journal(journal),
	}, nil)
	if err != nil || res.Delivered != len(f.w.IDs) || res.Targets != len(f.w.IDs) {
		tb.Fatalf("broadcast to %d: %+v, %v", len(f.w.IDs), res, err)
	}
	return res
}

// rateClients and rateRPS are the rate-accuracy scenario: a broadcast to
// 1,000 connections at 200 calls/s, under a sandbox throttle above it.
const (
	rateClients  = 1000
	rateRPS      = 200
	rateThrottle = 1000
)

func TestSendHoldsItsRate(t *testing.T) {
	if os.Getenv("WSOPS_SLOW") != "1" {
		t.Skip("set WSOPS_SLOW=1 to run: a broadcast to 1,000 connections at 200/s takes 5 s")
	}
	f := newSendFixture(t, testrig.WorldOptions{Clients: rateClients, ManagementRPS: rateThrottle})
	payload := []byte(`{"type":"rate-test"}`)
	res := broadcast(t, f, rateRPS, payload, "rate")
	achieved := float64(res.Delivered) / (float64(res.DurationMS) / 1000)
	t.Logf("%d delivered in %d ms: %.1f msg/s at a configured %d/s", res.Delivered, res.DurationMS, achieved, rateRPS)
	if res.Throttled != 0 || math.Abs(achieved-rateRPS) > rateRPS/10 {
		t.Errorf("achieved %.1f msg/s (%d throttled), want %d/s ± 10%%", achieved, res.Throttled, rateRPS)
	}
	f.w.Settle()
	assertFrames(t, f.w, f.w.IDs, payload)
}

// BenchmarkSendRate200 is TestSendHoldsItsRate as a benchmark: it reports
// the achieved rate of a 200/s broadcast to 1,000 connections.
func BenchmarkSendRate200(b *testing.B) {
	f := newSendFixture(b, testrig.WorldOptions{Clients: rateClients, ManagementRPS: rateThrottle})
	var sent int
	var sending time.Duration
	for i := 0; b.Loop(); i++ {
		res := broadcast(b, f, rateRPS, []byte(`{"type":"rate-bench"}`), fmt.Sprint("rate-", i))
		sent += res.Delivered
		sending += time.Duration(res.DurationMS) * time.Millisecond
	}
	b.ReportMetric(float64(sent)/sending.Seconds(), "msg/s")
}

// broadcastClients is how many live connections BenchmarkBroadcast5000 posts to.
const broadcastClients = 5000

// BenchmarkBroadcast5000 posts 1 KB to 5,000 live sandbox connections with no
// rate limit (the sandbox unthrottled), once through ops.Send (targets read
// from the registry, confirmed, journaled, audited) and once as a sequential
// loop of SDK PostToConnection calls over the same ids, and reports msg/s
// for both; send-msg/s counts Send's fan-out alone (its DurationMS).
//
// rtt=0 is loopback, where every call's work — the SDK, the emulated API
// Gateway, the 5,000 WebSocket clients — shares this machine's CPUs: it
// measures CPU per message more than concurrency. rtt=1ms holds every
// request 1 ms before it is sent (the world's OnRequest hook), as an
// in-region network round trip would: what the fan-out is for.
func BenchmarkBroadcast5000(b *testing.B) {
	f := newSendFixture(b, testrig.WorldOptions{Clients: broadcastClients})
	const wrap = `{"type":"broadcast","data":""}`
	payload := []byte(wrap[:len(wrap)-2] + strings.Repeat("x", 1024-len(wrap)) + wrap[len(wrap)-2:])
	runs := 0 // names the journals, unique across -count
	for _, rtt := range []time.Duration{0, time.Millisecond} {
		if rtt > 0 {
			f.w.OnRequest(func(testrig.Request) { time.Sleep(rtt) })
		}
		b.Run(fmt.Sprintf("rtt=%v/ops.Send", rtt), func(b *testing.B) {
			var sent int
			var sending time.Duration
			for b.Loop() {
				runs++
				res := broadcast(b, f, math.Inf(1), payload, fmt.Sprint("broadcast-", runs))
				sent += res.Delivered
				sending += time.Duration(res.DurationMS) * time.Millisecond
			}
			b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "msg/s")
			b.ReportMetric(float64(sent)/sending.Seconds(), "send-msg/s")
		})
		b.Run(fmt.Sprintf("rtt=%v/sequential-sdk-loop", rtt), func(b *testing.B) {
			var sent int
			for b.Loop() {
				for _, id := range f.w.IDs {
					in := &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: payload}
					if _, err := f.w.API.PostToConnection(context.Background(), in); err != nil {
						b.Fatal(err)
					}
					sent++
				}
			}
			b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "msg/s")
		})
	}
}
