// Package dynamo is the sandbox's embedded DynamoDB endpoint: minidyn's
// in-memory DynamoDB JSON API behind a shim that makes it faithful where
// wsops and an operator's aws CLI depend on it. The shim fixes what minidyn
// v0.8.2 gets wrong:
//
//   - Scan ignores Segment/TotalSegments, so a parallel scan returned every
//     item once per segment: the shim keeps each segment's share (FNV-1a of
//     the partition key), and validates the pair as DynamoDB does.
//   - Scan and Query never report ScannedCount and ignore Select=COUNT.
//   - A filtered Query counts the items its key condition rejects toward
//     Limit: pages come back nearly empty and LastEvaluatedKey points
//     outside the key range.
//   - A paginated read whose ExclusiveStartKey item was deleted between pages
//     silently ends (minidyn resumes by finding that item).
//   - DescribeTable and CreateTable report TableStatus "" (the aws CLI's
//     `wait table-exists` never ends); ListTables is not implemented.
//   - PutItem echoes the new item as Attributes whatever ReturnValues says.
//   - An unsupported operation is a text/plain 400, not a typed error.
//
// Every other request goes to minidyn untouched.
package dynamo

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	miniserver "github.com/truora/minidyn/server"
)

// Handler returns a fresh in-memory DynamoDB endpoint: minidyn with the
// shim. Each call has its own tables.
func Handler() http.Handler {
	return &shim{next: miniserver.NewServer(), tables: map[string]bool{}}
}

// shutdownGrace bounds how long stop lets requests in flight finish.
const shutdownGrace = 500 * time.Millisecond

// Serve serves Handler() on l until stop is called; stop lets requests in
// flight finish for a short grace (or until ctx ends), then closes whatever is
// left.
func Serve(l net.Listener) (stop func(ctx context.Context) error) {
	srv := &http.Server{Handler: Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l) // always an error; ErrServerClosed after Shutdown
	}()
	return func(ctx context.Context) error {
		// Shutdown waits up to 5 s on connections that were opened but never
		// sent a request (clients' spare connections); requests still in
		// flight get a short grace, then everything is closed.
		grace, cancel := context.WithTimeout(ctx, shutdownGrace)
		defer cancel()
		if err := srv.Shutdown(grace); err != nil {
			_ = srv.Close()
		}
		<-done
		return ctx.Err()
	}
}

// shim wraps minidyn's handler.
type shim struct {
	next http.Handler
	// mu serializes every request. A request may run several minidyn calls
	// that no other may interleave with (a read that plants a placeholder
	// start key, a PutItem that reads the old item first), and minidyn's
	// DescribeTable reads table state without minidyn's own lock, racing
	// any concurrent write. minidyn serializes item operations on one mutex
	// anyway, so this costs no real concurrency.
	mu sync.Mutex
	// tmu guards tables, the names ListTables answers with.
	tmu    sync.Mutex
	tables map[string]bool
}

func (s *shim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if r.Method != http.MethodPost {
		s.passThrough(w, r)
		return
	}
	switch op {
	case "Scan", "Query", "PutItem", "CreateTable", "DeleteTable", "DescribeTable", "ListTables":
	default:
		if !minidynServes(op) {
			writeError(w, http.StatusBadRequest, "com.amazon.coral.service#UnknownOperationException",
				"operation "+op+" is not supported by the wsops sandbox's DynamoDB")
			return
		}
		s.passThrough(w, r)
		return
	}
	in, ok := readRequest(w, r)
	if !ok {
		return
	}
	var res *response
	switch op {
	case "Scan", "Query":
		res = s.search(op, in)
	case "PutItem":
		res = s.putItem(in)
	case "ListTables":
		res = s.listTables(in)
	default:
		res = s.tableOp(op, in)
	}
	res.writeTo(w)
}

// passThrough hands the request to minidyn as it is (its answer is buffered
// so that writeTo can add what DynamoDB sends with every response).
func (s *shim) passThrough(w http.ResponseWriter, r *http.Request) {
	defer s.lock()()
	res := &response{header: http.Header{}}
	s.next.ServeHTTP(res, r)
	res.writeTo(w)
}

// minidynServes lists the operations minidyn v0.8.2 implements.
func minidynServes(op string) bool {
	switch op {
	case "CreateTable", "UpdateTable", "DeleteTable", "DescribeTable", "PutItem", "DeleteItem",
		"UpdateItem", "GetItem", "Query", "Scan", "BatchWriteItem", "BatchGetItem",
		"TransactWriteItems", "TransactGetItems":
		return true
	}
	return false
}

// lock takes mu and returns its unlock.
func (s *shim) lock() (unlock func()) {
	s.mu.Lock()
	return s.mu.Unlock
}
