package mgmt

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"wsops/internal/testrig"
)

// noopAPI answers every call at once, so a benchmark measures the engine alone.
type noopAPI struct{}

func (noopAPI) PostToConnection(context.Context, *apigatewaymanagementapi.PostToConnectionInput, ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	return &apigatewaymanagementapi.PostToConnectionOutput{}, nil
}

func (noopAPI) GetConnection(context.Context, *apigatewaymanagementapi.GetConnectionInput, ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.GetConnectionOutput, error) {
	return &apigatewaymanagementapi.GetConnectionOutput{}, nil
}

func (noopAPI) DeleteConnection(context.Context, *apigatewaymanagementapi.DeleteConnectionInput, ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error) {
	return &apigatewaymanagementapi.DeleteConnectionOutput{}, nil
}

const benchPayload = `{"type":"announcement","data":"maintenance at 22:00"}`

// BenchmarkEngineOverhead sends b.N targets through the engine to a no-op API
// with no rate limit: what remains is the engine's own cost per target.
func BenchmarkEngineOverhead(b *testing.B) {
	for _, workers := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			sendAll(b, FanOut{Workers: workers, RPS: math.Inf(1)}, New(noopAPI{}), connectionIDs(0, b.N))
		})
	}
}

// BenchmarkLoopbackHTTP compares the engine with a sequential loop of SDK
// PostToConnection calls, both against the sandbox over loopback HTTP: every
// post is a real delivery to one of 64 live WebSocket clients, which the
// targets cycle through.
func BenchmarkLoopbackHTTP(b *testing.B) {
	b.Run("engine/workers=16", func(b *testing.B) {
		w, m := startWorld(b, testrig.WorldOptions{Clients: benchClients})
		sendAll(b, FanOut{Workers: 16, RPS: math.Inf(1)}, m, cycle(w.IDs, b.N))
	})
	b.Run("sequential-sdk-loop", func(b *testing.B) {
		w, _ := startWorld(b, testrig.WorldOptions{Clients: benchClients})
		ids := cycle(w.IDs, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for _, id := range ids {
			in := &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: []byte(benchPayload)}
			if _, err := w.API.PostToConnection(context.Background(), in); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/target")
	})
}

// benchClients is how many live clients the loopback benchmark posts to.
const benchClients = 64

// cycle returns n ids taken from ids in turn.
func cycle(ids []string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = ids[i%len(ids)]
	}
	return out
}

// sendAll times one Send of ids (b.N of them) and reports ns/target.
func sendAll(b *testing.B, f FanOut, m *Client, ids []string) {
	b.Helper()
	stream := StreamIDs(ids)
	b.ReportAllocs()
	b.ResetTimer()
	events, err := f.Send(context.Background(), m, stream, []byte(benchPayload))
	if err != nil {
		b.Fatal(err)
	}
	var last Event
	for event := range events {
		last = event
	}
	b.StopTimer()
	if !last.Final || last.Progress.Delivered != len(ids) {
		b.Fatalf("final progress %+v, want %d delivered", last.Progress, len(ids))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/target")
}
