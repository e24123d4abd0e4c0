// Package dynamo is the sandbox's embedded DynamoDB endpoint: minidyn's
// in-memory DynamoDB JSON API behind a shim that makes it faithful where
// wsops, boto3 and an operator's aws CLI depend on it. The shim fixes what
// minidyn v0.8.2 gets wrong:
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
//   - Table descriptions have a null for every field minidyn does not know
//     and lack attribute definitions, ARNs, creation time, throughput and
//     billing, and TableStatus is ""; ListTables is not implemented. The
//     shim keeps each table's definition and answers these itself.
//   - A refused write changed things: an item (or an update) whose index
//     key had the wrong type was stored and then refused, and a batch with
//     one bad request wrote the ones before it. The shim validates every
//     write whole first (items, keys and index keys as DynamoDB does;
//     updates by rehearsing them on a copy of the item) and answers with
//     DynamoDB's words.
//   - BatchWriteItem omits UnprocessedItems and BatchGetItem UnprocessedKeys
//     when empty (boto3's batch_writer fails on that); PutItem echoes the
//     new item as Attributes whatever ReturnValues says.
//   - Errors carry a bare __type ("ValidationException") where DynamoDB
//     qualifies it, and an unsupported operation is a text/plain 400.
//
// TransactWriteItems and TransactGetItems go to minidyn as they are (its
// transactions restore a snapshot when refused); their errors are qualified.
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
	return &shim{next: miniserver.NewServer(), tables: map[string]*table{}, rehearsals: map[string]bool{}}
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
	// that no other may interleave with (a validation and the write it
	// allows, a read that plants a placeholder start key, a rehearsal), and
	// minidyn's DescribeTable reads table state without minidyn's own lock,
	// racing any concurrent write. minidyn serializes item operations on one
	// mutex anyway, so this costs no real concurrency. mu guards the fields
	// below too.
	mu sync.Mutex
	// tables are the definitions of the tables created through the shim.
	tables map[string]*table
	// rehearsals names the rehearsal tables updateItem has created.
	rehearsals map[string]bool
}

func (s *shim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if r.Method != http.MethodPost {
		s.passThrough(w, r)
		return
	}
	if !served(op) {
		writeError(w, http.StatusBadRequest, "com.amazon.coral.service#UnknownOperationException",
			"operation "+op+" is not supported by the wsops sandbox's DynamoDB")
		return
	}
	in, ok := readRequest(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	res := s.serve(op, in, regionOf(r))
	s.mu.Unlock()
	res.writeTo(w)
}

// serve answers one operation. The caller holds mu.
func (s *shim) serve(op string, in request, region string) *response {
	switch op {
	case "Scan", "Query":
		return s.search(op, in)
	case "PutItem":
		return s.putItem(in)
	case "GetItem", "DeleteItem":
		return s.keyed(op, in)
	case "UpdateItem":
		return s.updateItem(in)
	case "BatchWriteItem":
		return s.batchWriteItem(in)
	case "BatchGetItem":
		return s.batchGetItem(in)
	case "CreateTable":
		return s.createTable(in, region)
	case "DescribeTable":
		return s.describeTable(in)
	case "DeleteTable":
		return s.deleteTable(in)
	case "UpdateTable":
		return s.updateTable(in)
	case "ListTables":
		return s.listTables(in)
	}
	return s.call(op, in) // the transactions
}

// passThrough hands a request that is not a DynamoDB call (not a POST) to
// minidyn as it is; its answer is buffered so that writeTo can add what
// DynamoDB sends with every response.
func (s *shim) passThrough(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	res := &response{header: http.Header{}}
	s.next.ServeHTTP(res, r)
	res.writeTo(w)
}

// served lists the operations the sandbox serves: minidyn v0.8.2's and
// ListTables.
func served(op string) bool {
	switch op {
	case "CreateTable", "UpdateTable", "DeleteTable", "DescribeTable", "ListTables", "PutItem", "DeleteItem",
		"UpdateItem", "GetItem", "Query", "Scan", "BatchWriteItem", "BatchGetItem",
		"TransactWriteItems", "TransactGetItems":
		return true
	}
	return false
}

// regionOf reads the region a request was signed for (its SigV4 credential
// scope), which table ARNs carry; us-east-1 when it has none.
func regionOf(r *http.Request) string {
	_, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	if !ok {
		return "us-east-1"
	}
	cred, _, _ = strings.Cut(cred, ",")
	if parts := strings.Split(cred, "/"); len(parts) == 5 && parts[2] != "" {
		return parts[2]
	}
	return "us-east-1"
}
