package metrics_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"wsops/sandbox/gateway"
	"wsops/sandbox/metrics"
)

// echo is a backend whose one route, $default, replies with the message.
type echo struct{}

func (echo) Connect(context.Context, gateway.Conn) (any, error) { return nil, nil }
func (echo) Disconnect(context.Context, gateway.Conn)           {}
func (echo) Routes() []string                                   { return []string{gateway.RouteDefault} }
func (echo) Handle(_ context.Context, _ gateway.Conn, _ string, body []byte) ([]byte, error) {
	return body, nil
}

// BenchmarkGatewayHotPaths measures what counting costs the gateway's hot
// paths: the same loads without an observer and with the Recorder the
// sandbox installs. "roundtrip": 32 clients each send a message and wait
// for its reply ($default echoes it); "post": 32 goroutines Gateway.Post
// 1 KB to 200 reading clients.
//
//	go test -run '^$' -bench GatewayHotPaths -benchtime 100000x ./sandbox/metrics
func BenchmarkGatewayHotPaths(b *testing.B) {
	for _, name := range []string{"none", "recorder"} {
		var obs gateway.Observer
		if name == "recorder" {
			obs = metrics.New(metrics.Options{APIID: "abcde12345", Stage: "dev"})
		}
		b.Run("observer="+name+"/roundtrip", func(b *testing.B) { benchRoundTrip(b, obs) })
		b.Run("observer="+name+"/post", func(b *testing.B) { benchPost(b, obs) })
	}
}

func startGateway(b *testing.B, obs gateway.Observer) (*gateway.Gateway, string) {
	g := gateway.New(gateway.Options{Observer: obs}, echo{})
	srv := httptest.NewServer(g)
	b.Cleanup(func() {
		_ = g.Close()
		srv.Close()
	})
	return g, "ws" + strings.TrimPrefix(srv.URL, "http") + "/dev"
}

func dial(b *testing.B, url string) *websocket.Conn {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func benchRoundTrip(b *testing.B, obs gateway.Observer) {
	_, url := startGateway(b, obs)
	const clients = 32
	conns := make([]*websocket.Conn, clients)
	for i := range conns {
		conns[i] = dial(b, url)
	}
	msg := []byte(`{"action":"echo","payload":"` + strings.Repeat("x", 200) + `"}`)
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	began := time.Now()
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for next.Add(1) <= int64(b.N) {
				if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
					failed.Store(err)
					return
				}
				if _, _, err := c.Read(ctx); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "msg/s")
}

func benchPost(b *testing.B, obs gateway.Observer) {
	g, url := startGateway(b, obs)
	const clients, posters, inFlightMax = 200, 32, 4096
	inFlight := make(chan struct{}, inFlightMax)
	var received atomic.Int64
	var readers sync.WaitGroup
	b.Cleanup(readers.Wait) // after the clients' cleanups close them
	for range clients {
		c := dial(b, url)
		c.SetReadLimit(1 << 20)
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
	ids := g.IDs()
	payload := []byte(strings.Repeat("a", 1024))
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	began := time.Now()
	for range posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				inFlight <- struct{}{}
				if err := g.Post(context.Background(), ids[i%int64(len(ids))], payload); err != nil {
					<-inFlight
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for received.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "msg/s")
}
