// Package mongodb runs the sandbox's embedded MongoDB-wire server: FerretDB
// (github.com/FerretDB/FerretDB/ferretdb) on its SQLite backend, pure Go,
// its files in a temporary directory that goes with it. Any MongoDB client
// (mongosh, Compass, a driver) can talk to it.
package mongodb

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Server is a running embedded MongoDB-wire server.
type Server struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
	dir    string
}

// Start listens on addr (host:port; port 0 picks a free one) and serves
// until Stop. A listener that cannot be had is an error now, not later.
func Start(addr string) (*Server, error) {
	// FerretDB leaks its backend when its own listen fails (and its
	// resource tracking then panics in a finalizer): the address is tried
	// here first, and FerretDB given the one that was free.
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("embedded MongoDB: %w", err)
	}
	addr = l.Addr().String()
	if err := l.Close(); err != nil {
		return nil, fmt.Errorf("embedded MongoDB: %w", err)
	}
	dir, err := os.MkdirTemp("", "wsops-mongodb-")
	if err != nil {
		return nil, fmt.Errorf("embedded MongoDB: %w", err)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("embedded MongoDB on %s: %w", addr, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{uri: f.MongoDBURI(), cancel: cancel, done: make(chan struct{}), dir: dir}
	go func() {
		defer close(s.done)
		_ = f.Run(ctx)
	}()
	return s, nil
}

// URI is the server's mongodb:// URI (no database in its path).
func (s *Server) URI() string { return s.uri }

// Stop stops the server, waits for it, and removes its files.
func (s *Server) Stop() {
	s.cancel()
	<-s.done
	os.RemoveAll(s.dir)
}
