package gateway

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
)

// Shape of BenchmarkManagementPost.
const (
	benchClients  = 200
	benchPosters  = 32
	benchPayload  = 1024
	benchInFlight = 4096 // posted but not yet read by a client: bounds the send queues
)

// BenchmarkManagementPost measures end-to-end delivery: 32 goroutines post
// 1 KB messages round-robin to 200 connected clients that read in their own
// goroutines; a message counts once its client has read it. "sdk" posts
// through the real SDK client over loopback HTTP, "direct" calls Gateway.Post
// (the in-process baseline).
//
//	go test -run '^$' -bench ManagementPost -benchtime 100000x ./sandbox/gateway
func BenchmarkManagementPost(b *testing.B) {
	h := newHarness(b, Options{}, nil)
	inFlight := make(chan struct{}, benchInFlight)
	var received atomic.Int64
	ids := make([]string, benchClients)
	var readers sync.WaitGroup
	for i := range ids {
		c, id := h.dial(b, fmt.Sprint("bench", i), "")
		ids[i] = id
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				if _, _, err := c.Read(context.Background()); err != nil {
					return
				}
				received.Add(1)
				<-inFlight
			}
		}()
	}
	b.Cleanup(func() {
		_ = h.g.Close()
		readers.Wait()
	})
	payload := make([]byte, benchPayload)
	for i := range payload {
		payload[i] = 'a' + byte(i%26)
	}
	transport := &http.Transport{MaxIdleConns: benchPosters * 2, MaxIdleConnsPerHost: benchPosters * 2}
	b.Cleanup(transport.CloseIdleConnections)
	api := newSDKClient(h.mgmtURL, &http.Client{Transport: transport})

	posts := map[string]func(ctx context.Context, id string) error{
		"sdk": func(ctx context.Context, id string) error {
			_, err := api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: payload})
			return err
		},
		"direct": func(ctx context.Context, id string) error { return h.g.Post(ctx, id, payload) },
	}
	for _, name := range []string{"sdk", "direct"} {
		post := posts[name]
		b.Run(name, func(b *testing.B) {
			start := received.Load()
			var next atomic.Int64
			var posters sync.WaitGroup
			var failed atomic.Value
			b.ResetTimer()
			began := time.Now()
			for range benchPosters {
				posters.Add(1)
				go func() {
					defer posters.Done()
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						inFlight <- struct{}{}
						if err := post(context.Background(), ids[i%benchClients]); err != nil {
							failed.Store(err)
							<-inFlight
						}
					}
				}()
			}
			posters.Wait()
			if err := failed.Load(); err != nil {
				b.Fatalf("post failed: %v", err)
			}
			for received.Load()-start < int64(b.N) {
				time.Sleep(time.Millisecond)
			}
			elapsed := time.Since(began)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msg/s")
		})
	}
}
