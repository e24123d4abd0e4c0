package client

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
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
			sendAll(b, FanOut{Workers: workers, RPS: math.Inf(1)}, NewManagement(noopAPI{}), connectionIDs(0, b.N))
		})
	}
}

// BenchmarkLoopbackHTTP compares the engine with a sequential loop of SDK
// PostToConnection calls, both against the fake gateway over loopback HTTP.
func BenchmarkLoopbackHTTP(b *testing.B) {
	b.Run("engine/workers=16", func(b *testing.B) {
		gateway := newFakeGateway(b)
		ids := connectionIDs(0, b.N)
		gateway.addLive(ids...)
		sendAll(b, FanOut{Workers: 16, RPS: math.Inf(1)}, gateway.management(), ids)
	})
	b.Run("sequential-sdk-loop", func(b *testing.B) {
		gateway := newFakeGateway(b)
		ids := connectionIDs(0, b.N)
		gateway.addLive(ids...)
		api := newSDKClient(b, gateway.endpoint())
		b.ReportAllocs()
		b.ResetTimer()
		for _, id := range ids {
			in := &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: []byte(benchPayload)}
			if _, err := api.PostToConnection(context.Background(), in); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/target")
	})
}

// sendAll times one Send of ids (b.N of them) and reports ns/target.
func sendAll(b *testing.B, f FanOut, m *Management, ids []string) {
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
