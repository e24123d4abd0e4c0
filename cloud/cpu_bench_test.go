//go:build unix

package cloud

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"wsops/config"
	"wsops/mgmt"
)

const cpuBenchPayload = `{"type":"announcement","data":"maintenance at 22:00"}`

// BenchmarkClientCPUPerPost measures the CPU this process spends per
// PostToConnection against a server in another process (startCheapServer)
// that answers 200 with an empty body, for each of the posters (raw-http,
// sdk-1f29306, wsops: see startPosters). client-µs/op is this process's CPU
// (getrusage: user + system, the GC and the runtime included) per call;
// server-µs/op is the server process's. Run it with -cpu 1; ns/op is wall
// time and includes the server's share.
func BenchmarkClientCPUPerPost(b *testing.B) {
	srv, posters := startPosters(b)
	for _, p := range posters {
		b.Run(p.name, func(b *testing.B) {
			warmUp(b, p)
			serverBefore := srv.CPU(b)
			b.ReportAllocs()
			b.ResetTimer()
			spent := p.run(b, 0, b.N)
			b.StopTimer()
			b.ReportMetric(perCall(spent, b.N), "client-µs/op")
			b.ReportMetric(perCall(srv.CPU(b)-serverBefore, b.N), "server-µs/op")
		})
	}
}

// pairedBlock is how many calls BenchmarkClientCPUPerPostPaired makes with
// one poster before it turns to the next: long enough for a block to pay for
// most of its own garbage collection (the SDK's posts start a cycle every
// ~150 calls), short enough (~0.1 s) to share the machine's load of the
// moment with the blocks of the other posters.
const pairedBlock = 1000

// BenchmarkClientCPUPerPostPaired makes b.N calls with each poster of
// BenchmarkClientCPUPerPost, in turns of pairedBlock calls (run it with
// -benchtime 20000x or more: 20 turns each), and reports each one's CPU per
// call (client and server) and wsops's against sdk-1f29306's
// (wsops/1f29306). On a machine whose other load comes and goes, the turns
// share it evenly where separate sub-benchmarks, seconds apart, do not.
func BenchmarkClientCPUPerPostPaired(b *testing.B) {
	srv, posters := startPosters(b)
	client := make([]time.Duration, len(posters))
	server := make([]time.Duration, len(posters))
	for _, p := range posters {
		warmUp(b, p)
	}
	b.ResetTimer()
	for done, turn := 0, 0; done < b.N; done, turn = done+pairedBlock, turn+1 {
		n := min(pairedBlock, b.N-done)
		for k := range posters {
			i := (turn + k) % len(posters) // each poster in turn comes first: none always follows the same one's garbage
			before := srv.CPU(b)
			client[i] += posters[i].run(b, done, n)
			server[i] += srv.CPU(b) - before
		}
	}
	b.StopTimer()
	for i, p := range posters {
		b.ReportMetric(perCall(client[i], b.N), p.name+"-µs/op")
		b.ReportMetric(perCall(server[i], b.N), p.name+"-server-µs/op")
	}
	b.ReportMetric(float64(client[2])/float64(client[1]), "wsops/1f29306") // posters 1 and 2: sdk-1f29306, wsops
}

// poster makes PostToConnection calls one way.
type poster struct {
	name string
	post func(i int) error
}

// run makes n calls, the first with index from, and returns the CPU this
// process spent on them.
func (p poster) run(b *testing.B, from, n int) time.Duration {
	before := processCPU()
	for i := from; i < from+n; i++ {
		if err := p.post(i); err != nil {
			b.Fatalf("%s: %v", p.name, err)
		}
	}
	return processCPU() - before
}

// warmUp dials p's connection and fills its pools.
func warmUp(b *testing.B, p poster) {
	b.Helper()
	p.run(b, 0, 100)
}

// startPosters starts the server process and returns it with four posters
// of the same payload to connection ids in AWS's shape:
//
//   - raw-http: the same POST (path, body) through a plain http.Client, no
//     SDK and no signing: the floor of net/http's client side;
//   - sdk-1f29306: mgmt.Client.Post over the SDK client as cloud.New built
//     it before issue 16 item 3 (commit 1f29306), from the same aws.Config;
//   - wsops: mgmt.Client.Post over the management client cloud.New builds;
//   - raw-http+sigv4: raw-http signed with the SDK's SigV4 signer alone (no
//     middleware stack): what a hand-written client would cost.
func startPosters(b *testing.B) (*cheapServer, []poster) {
	srv := startCheapServer(b)
	ids := benchConnectionIDs(64)
	payload := []byte(cpuBenchPayload)
	prof := &config.Profile{Name: "bench", Sandbox: true, Region: "us-east-1", ManagementURL: srv.URL + "/dev"}
	cl, err := New(context.Background(), prof)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cl.Close)
	tr := &http.Transport{}
	b.Cleanup(tr.CloseIdleConnections)
	raw := &http.Client{Transport: tr}
	base := prof.ManagementURL + "/@connections/"
	before := mgmt.New(apigatewaymanagementapi.NewFromConfig(cl.AWS, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(prof.ManagementURL)
		o.RetryMaxAttempts = 1
	}))
	after := mgmt.New(cl.Management)
	signer := v4.NewSigner()
	rawDo := func(req *http.Request) error {
		resp, err := raw.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	ctx := context.Background()
	return srv, []poster{
		{"raw-http", func(i int) error {
			req, err := http.NewRequest(http.MethodPost, base+url.PathEscape(ids[i%len(ids)]), bytes.NewReader(payload))
			if err != nil {
				return err
			}
			return rawDo(req)
		}},
		{"sdk-1f29306", func(i int) error { return before.Post(ctx, ids[i%len(ids)], payload) }},
		{"wsops", func(i int) error { return after.Post(ctx, ids[i%len(ids)], payload) }},
		{"raw-http+sigv4", func(i int) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+url.PathEscape(ids[i%len(ids)]), bytes.NewReader(payload))
			if err != nil {
				return err
			}
			creds, err := cl.AWS.Credentials.Retrieve(ctx)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(payload)
			if err := signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "execute-api", prof.Region, time.Now()); err != nil {
				return err
			}
			return rawDo(req)
		}},
	}
}

// BenchmarkSDKFloorPerPost measures the CPU of PostToConnection through the
// management client as cloud.New configures it, over an HTTP client that
// answers in memory: the SDK's own share of a call (serializing, signing,
// the middleware stack, deserializing and the garbage all this makes), with
// no network and no net/http.
func BenchmarkSDKFloorPerPost(b *testing.B) {
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("sandbox", "sandbox", "")), // as LoadDefaultConfig wraps it
		HTTPClient:  answerInMemory{},
	}
	m := mgmt.New(apigatewaymanagementapi.NewFromConfig(cfg, managementOptions("http://127.0.0.1:9/dev")))
	ids := benchConnectionIDs(64)
	payload := []byte(cpuBenchPayload)
	ctx := context.Background()
	b.ReportAllocs()
	before := processCPU()
	for i := 0; i < b.N; i++ {
		if err := m.Post(ctx, ids[i%len(ids)], payload); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(perCall(processCPU()-before, b.N), "client-µs/op")
}

// answerInMemory answers every request 200 with an empty body, as API
// Gateway answers a PostToConnection, after reading the request's body.
type answerInMemory struct{}

func (answerInMemory) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Length": {"0"}, "Date": {time.Now().UTC().Format(http.TimeFormat)}},
		Body:    http.NoBody,
		Request: r,
	}, nil
}

func perCall(d time.Duration, n int) float64 {
	return float64(d.Nanoseconds()) / 1e3 / float64(n)
}

// benchConnectionIDs are n ids in AWS's shape (16 characters of URL-safe
// base64 ending in '=', which the path percent-encodes).
func benchConnectionIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		sum := sha256.Sum256(fmt.Appendf(nil, "bench-%d", i))
		ids[i] = base64.URLEncoding.EncodeToString(sum[:11])
	}
	return ids
}
