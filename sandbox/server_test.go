package sandbox_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"wsops/auth"
	"wsops/config"
	"wsops/sandbox"
)

// The sandbox as a server facing hostile or broken clients.

func TestDefaultAddressesAreLoopback(t *testing.T) {
	for _, addr := range []string{config.SandboxAddr, config.SandboxDynamoAddr} {
		host, _, err := net.SplitHostPort(addr)
		if err != nil || !net.ParseIP(host).IsLoopback() {
			t.Errorf("default address %q is not loopback", addr)
		}
	}
	// What an unset Config listens on (checked without binding the fixed
	// ports, which other runs may hold).
	if got := sandbox.DefaultConfig(sandbox.Config{}); got.Addr != config.SandboxAddr || got.DynamoAddr != config.SandboxDynamoAddr {
		t.Errorf("unset addresses default to %q and %q", got.Addr, got.DynamoAddr)
	}
}

func TestBadTokensAreRefusedOnTheUpgrade(t *testing.T) {
	w := start(t, sandbox.Config{Preset: "wizz"})
	good, err := auth.Mint(w.secret, auth.Claims{User: "u", App: "drivers", EntityType: "driver"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := auth.Mint([]byte("not-the-secret"), auth.Claims{User: "u", App: "drivers", EntityType: "driver"}, time.Hour, time.Now())
	expired, _ := auth.Mint(w.secret, auth.Claims{User: "u", App: "drivers", EntityType: "driver"}, time.Hour, time.Now().Add(-2*time.Hour))
	parts := strings.Split(good, ".")
	for name, token := range map[string]string{
		"missing": "", "garbage": "\x1b[2J;not-a-jwt", "forged": forged, "expired": expired,
		"alg none":  "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + ".",
		"truncated": good[:len(good)-5], "huge": strings.Repeat("A", 6000),
	} {
		u := w.sb.Endpoints().WebSocketURL + "?" + url.Values{"token": {token}, "platform": {"ios"}}.Encode()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, resp, err := websocket.Dial(ctx, u, nil)
		cancel()
		if err == nil {
			c.CloseNow()
			t.Errorf("%s token: upgraded", name)
			continue
		}
		if resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s token: %v, want 401", name, err)
		}
	}
	if n := w.sb.Gateway().Count(); n != 0 {
		t.Errorf("%d connections open after refused upgrades", n)
	}
}

// rawConn opens a TCP connection to the sandbox's listener.
func rawConn(t *testing.T, w world) net.Conn {
	t.Helper()
	u, _ := url.Parse(w.sb.Endpoints().WebSocketURL)
	c, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Garbage on the wire, half-sent requests and broken frames after a good
// upgrade never stall the connections that behave: they keep round-tripping
// while 200 bad ones are open, and the bad ones are answered or cut.
func TestGarbageAndStalledClientsStallNoOne(t *testing.T) {
	w := start(t, sandbox.Config{Preset: "wizz"})
	good := w.dial(t, auth.Claims{User: "good", App: "drivers", EntityType: "driver"}, "ios")
	token, _ := auth.Mint(w.secret, auth.Claims{User: "bad", App: "drivers", EntityType: "driver"}, time.Hour, time.Now())
	path := "/" + w.sb.Endpoints().Stage + "?" + url.Values{"token": {token}, "platform": {"ios"}}.Encode()
	upgrade := "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	// want: "4xx" an HTTP error answer, "close" a 101 and then the
	// connection cut, "" nothing yet (held until ReadHeaderTimeout).
	kinds := []struct{ name, send, want string }{
		{"binary garbage", "\x00\xff\x1b[2J\r\n\r\n", "4xx"},
		{"half a request line", "GET /dev HTT", ""},
		{"headers never ending", "GET /dev HTTP/1.1\r\nHost: x\r\nX-Slow: ", ""},
		{"bad websocket key", strings.Replace(upgrade, "dGhlIHNhbXBsZSBub25jZQ==", "short", 1), "4xx"},
		{"upgrade then an unmasked frame", upgrade + "\x81\x05hello", "close"},
		{"upgrade then a reserved opcode", upgrade + "\x83\x80abcd", "close"},
		{"upgrade then a 2^63 length", upgrade + "\x82\xff\x7f\xff\xff\xff\xff\xff\xff\xffabcd", "close"},
	}
	type badConn struct {
		kind int
		c    net.Conn
	}
	var bad []badConn
	for i := range 200 {
		k := i % len(kinds)
		c := rawConn(t, w)
		if _, err := io.WriteString(c, kinds[k].send); err != nil {
			t.Fatal(err)
		}
		bad = append(bad, badConn{k, c})
		if i%20 == 0 {
			if reply := roundTrip(t, good, `{"action":"heartbeat"}`); reply == nil {
				t.Fatal("no heartbeat reply while bad clients pile up")
			}
		}
	}
	// The behaving client and a new one are served while every bad one is open.
	roundTrip(t, good, `{"action":"heartbeat"}`)
	late := w.dial(t, auth.Claims{User: "late", App: "customers", EntityType: "customer"}, "android")
	roundTrip(t, late, `{"action":"heartbeat"}`)

	for _, b := range bad {
		kind := kinds[b.kind]
		if kind.want == "" {
			continue
		}
		_ = b.c.SetReadDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(b.c)
		status, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("%s: no answer: %v", kind.name, err)
		}
		switch kind.want {
		case "4xx":
			if !strings.HasPrefix(status, "HTTP/1.1 4") {
				t.Errorf("%s: answered %q, want a 4xx", kind.name, status)
			}
		case "close":
			if !strings.HasPrefix(status, "HTTP/1.1 101") {
				t.Fatalf("%s: answered %q, want 101", kind.name, status)
			}
			_, err := io.Copy(io.Discard, br) // until the server cuts it
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("%s: the server kept the connection open", kind.name)
			}
		}
	}
	if n := w.sb.Gateway().Count(); n != 2 {
		t.Errorf("%d live connections, want the 2 good ones", n)
	}
}

// A client flooding frames while never reading its replies is cut once its
// reply queue is full; its flood costs no one else anything.
func TestFloodingClientIsCutAndOthersServed(t *testing.T) {
	w := start(t, sandbox.Config{Preset: "this27"})
	flooder := w.dial(t, auth.Claims{User: "flood", App: "customer-app", EntityType: "customer"}, "web")
	other := w.dial(t, auth.Claims{User: "calm", App: "manager-web", EntityType: "manager"}, "web")
	// Each subscription is answered with its ~8 KB room name.
	msg := []byte(`{"action":"subscribeToOrder","data":{"orderId":"` + strings.Repeat("o", 8000) + `"}}`)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cut := false
	sent := 0
	for ; sent < 50000 && !cut; sent++ {
		if err := flooder.Write(ctx, websocket.MessageText, msg); err != nil {
			cut = true
		}
		if sent%200 == 0 {
			roundTrip(t, other, `{"action":"ping"}`)
		}
	}
	if !cut {
		t.Fatalf("a client that sent %d messages and read none of the replies was never cut", sent)
	}
	roundTrip(t, other, `{"action":"ping"}`)
	t.Logf("flooder cut after %d messages (%d KB sent; the server queues at most 1 MB of replies, the rest sat in socket buffers)", sent, sent*len(msg)/1024)
}
