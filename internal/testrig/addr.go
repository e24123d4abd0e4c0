package testrig

import (
	"net"
	"testing"
)

// ClosedAddr is a loopback host:port nothing listens on (it did a moment
// ago): a connection to it is refused, as to a stopped sandbox.
func ClosedAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
