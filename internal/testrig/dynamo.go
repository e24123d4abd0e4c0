// Package testrig gives tests real DynamoDB endpoints: dynalite (a full
// DynamoDB implementation from npm) and an in-process minidyn server, with SDK
// clients and per-test tables. It is imported by tests only.
package testrig

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	miniserver "github.com/truora/minidyn/server"
	"go.uber.org/goleak"

	"wsops/data"
)

// DynaliteEnv names the variable through which `make test` hands every test
// package one shared dynalite.
const DynaliteEnv = "WSOPS_TEST_DYNALITE_URL"

// Backend is a registry endpoint for tests: a DynamoDB endpoint, or a
// MongoDB-wire server (Store "mongodb").
type Backend struct {
	Name string
	URL  string
	// MaxSegments is the most scan segments the endpoint serves correctly:
	// minidyn ignores Segment, so it gets 1.
	MaxSegments int
	// Store is the registry store the endpoint serves: "" (DynamoDB) or
	// StoreMongo.
	Store string
}

// StoreMongo marks a Backend that is a MongoDB-wire server.
const StoreMongo = "mongodb"

// RegistryBackends returns every backend a registry test runs on: the
// DynamoDB ones (Backends) and, for a schema a MongoDB registry can keep
// (one with a Mongo collection: this27), the embedded FerretDB.
func RegistryBackends(t testing.TB, s data.Schema) []Backend {
	bs := Backends(t)
	if s.Mongo.Collection != "" {
		bs = append(bs, Backend{Name: "ferretdb", URL: MongoURL(t), MaxSegments: 1, Store: StoreMongo})
	}
	return bs
}

// Backends returns both test backends: dynalite and an in-process minidyn.
func Backends(t testing.TB) []Backend {
	return []Backend{
		{Name: "dynalite", URL: DynaliteURL(t), MaxSegments: 64},
		{Name: "minidyn", URL: MinidynURL(t), MaxSegments: 1},
	}
}

// MinidynURL starts an in-process minidyn server for this test.
func MinidynURL(t testing.TB) string {
	srv := httptest.NewServer(miniserver.NewServer())
	t.Cleanup(srv.Close)
	return srv.URL
}

var dynalite struct {
	once  sync.Once
	url   string
	err   error
	stdin io.WriteCloser // held open for the life of the test binary
}

// DynaliteURL returns the shared dynalite of `make test`, or starts one for
// this test process (from tools/node, installed by `make test`). A missing
// installation fails the test loudly: it is never skipped.
func DynaliteURL(t testing.TB) string {
	if u := os.Getenv(DynaliteEnv); u != "" {
		return u
	}
	dynalite.once.Do(func() { dynalite.url, dynalite.stdin, dynalite.err = startDynalite() })
	if dynalite.err != nil {
		t.Fatalf("dynalite: %v (run `make test`, or `npm ci --prefix tools/node`)", dynalite.err)
	}
	return dynalite.url
}

// startDynalite runs tools/node/start.js. The process ends when this test
// binary exits, because its stdin (our pipe) closes.
func startDynalite() (string, io.WriteCloser, error) {
	root, err := repoRoot()
	if err != nil {
		return "", nil, err
	}
	dir := filepath.Join(root, "tools", "node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "dynalite")); err != nil {
		return "", nil, fmt.Errorf("not installed in %s", dir)
	}
	cmd := exec.Command("node", "start.js")
	cmd.Dir = dir
	return startLineServer(cmd)
}

// startLineServer starts cmd, a server that prints its URL as the first
// line of its stdout and stops when its stdin closes, and returns the URL
// and that stdin (to be held open for the life of the test binary).
func startLineServer(cmd *exec.Cmd) (string, io.WriteCloser, error) {
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return "", nil, fmt.Errorf("no address from %s: %w", strings.Join(cmd.Args, " "), err)
	}
	return strings.TrimSpace(line), stdin, nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// DynamoClient returns an SDK client for a local endpoint, with static
// credentials and the SDK's own retries. Every such client shares one
// transport, whose idle connections VerifyTestMain closes before it looks
// for leaked goroutines.
func DynamoClient(url string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		HTTPClient:   &http.Client{Transport: sharedTransport},
	})
}

// sharedTransport carries the requests of every DynamoClient.
var sharedTransport = &http.Transport{
	Proxy:               http.ProxyFromEnvironment,
	MaxIdleConns:        256,
	MaxIdleConnsPerHost: 256,
	IdleConnTimeout:     90 * time.Second,
}

// leakGrace is how long goroutines may take to end once the tests are
// over: work the tests cancelled (a fan-out's linger, a console's pending
// tick) ends on its own within it. One still running after it is a leak.
const leakGrace = 10 * time.Second

// VerifyTestMain runs the package's tests, closes the idle connections of
// the clients testrig built, stops the embedded MongoDB (MongoURL), and
// then fails the run if any goroutine is
// still left after leakGrace (goleak.VerifyTestMain, for packages whose
// tests use testrig's clients).
func VerifyTestMain(m *testing.M, opts ...goleak.Option) {
	code := m.Run()
	sharedTransport.CloseIdleConnections()
	stopMongo()
	if code == 0 {
		deadline := time.Now().Add(leakGrace)
		err := goleak.Find(opts...)
		for err != nil && time.Now().Before(deadline) {
			err = goleak.Find(opts...) // Find itself waits between its attempts
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "goleak: goroutines left %v after the tests: %v\n", leakGrace, err)
			code = 1
		}
	}
	os.Exit(code)
}

var tableSeq struct {
	sync.Mutex
	n int
}

// UniqueSchema returns s with its table names made unique to this test, so
// tests can share one dynalite. The tables are created and ready.
func UniqueSchema(t testing.TB, db *dynamodb.Client, s data.Schema) data.Schema {
	tableSeq.Lock()
	tableSeq.n++
	suffix := fmt.Sprintf("_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, tableSeq.n)
	tableSeq.Unlock()
	s.Connections.Table.Name += suffix
	s.Subscriptions.Table.Name += suffix
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := data.EnsureTables(ctx, db, s); err != nil {
		t.Fatalf("creating tables: %v", err)
	}
	return s
}
