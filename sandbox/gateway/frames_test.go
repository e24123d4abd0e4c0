package gateway

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"testing"
)

// clientFrame encodes a masked client frame (the mask is applied).
func clientFrame(op byte, fin bool, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	var f []byte
	switch n := len(payload); {
	case n < 126:
		f = []byte{b0, 0x80 | byte(n)}
	case n <= 0xffff:
		f = []byte{b0, 0x80 | 126, byte(n >> 8), byte(n)}
	default:
		f = []byte{b0, 0x80 | 127}
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	mask := []byte{0x12, 0x34, 0x56, 0x78}
	f = append(f, mask...)
	for i, c := range payload {
		f = append(f, c^mask[i%4])
	}
	return f
}

// chunkConn is a net.Conn whose reads return the stream in random pieces.
type chunkConn struct {
	net.Conn
	data []byte
	rnd  *rand.Rand
}

func (c *chunkConn) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), 1+c.rnd.IntN(40))
	if c.rnd.IntN(4) == 0 {
		n = min(len(p), len(c.data))
	}
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// drain reads everything through g with random read sizes, stopping at the first error.
func drain(g *frameGuard, rnd *rand.Rand) ([]byte, error) {
	var out []byte
	for {
		p := make([]byte, 1+rnd.IntN(100))
		if rnd.IntN(5) == 0 {
			p = make([]byte, 64*1024)
		}
		n, err := g.Read(p)
		out = append(out, p[:n]...)
		if err != nil {
			return out, err
		}
	}
}

func newTestGuard(stream []byte, seed uint64) (*frameGuard, *rand.Rand, *int) {
	rnd := rand.New(rand.NewPCG(seed, 0))
	frames := 0
	g := newFrameGuard(func() { frames++ })
	g.Conn = &chunkConn{data: stream, rnd: rnd}
	return g, rnd, &frames
}

func TestFrameGuardPassesFramesWithinLimits(t *testing.T) {
	var stream bytes.Buffer
	stream.Write(clientFrame(0x1, true, []byte(`{"action":"echo"}`)))
	stream.Write(clientFrame(0x9, true, []byte("ping")))
	stream.Write(clientFrame(0x2, true, make([]byte, MaxFrameSize))) // at the limit
	stream.Write(clientFrame(0x1, false, make([]byte, MaxFrameSize)))
	for range 3 {
		stream.Write(clientFrame(0x0, false, make([]byte, MaxFrameSize)))
	}
	stream.Write(clientFrame(0xA, true, nil))                     // a pong between fragments
	stream.Write(clientFrame(0x0, true, nil))                     // the message ends at exactly 128 KB
	stream.Write(clientFrame(0x1, true, []byte("after")))         // the count restarts
	stream.Write(clientFrame(0x8, true, []byte{0x03, 0xe8, 'b'})) // close
	for seed := range uint64(50) {
		g, rnd, _ := newTestGuard(bytes.Clone(stream.Bytes()), seed)
		out, err := drain(g, rnd)
		if !errors.Is(err, io.EOF) || !bytes.Equal(out, stream.Bytes()) || g.limit() != limitNone {
			t.Fatalf("seed %d: %d of %d bytes, err %v, limit %d", seed, len(out), stream.Len(), err, g.limit())
		}
	}
}

func TestFrameGuardDropsOversizedFrames(t *testing.T) {
	before := clientFrame(0x1, true, []byte("before"))
	// What follows the offending frame: the rest of the client's message and
	// a new one, all dropped (the connection is closing), and the control
	// frames, which reach coder/websocket's close handshake.
	control := append(clientFrame(0x9, true, []byte("ping")), clientFrame(0x8, true, []byte{0x03, 0xf1})...)
	after := slices.Concat(clientFrame(0x0, false, make([]byte, MaxFrameSize)), clientFrame(0x0, true, []byte("end")),
		clientFrame(0x9, true, []byte("ping")), clientFrame(0x2, true, make([]byte, 200)), clientFrame(0x8, true, []byte{0x03, 0xf1}))
	message := append(clientFrame(0x1, false, make([]byte, MaxFrameSize)),
		bytes.Repeat(clientFrame(0x0, false, make([]byte, MaxFrameSize)), 3)...)
	cases := []struct {
		name      string
		offending []byte
		headerAt  int // where the offending frame's header starts in offending
		lengthEnd int // header bytes up to and including its length
		limit     int32
	}{
		{"frame over 32 KB (16-bit length)", clientFrame(0x1, true, make([]byte, MaxFrameSize+1)), 0, 4, limitFrame},
		{"frame over 32 KB (64-bit length)", clientFrame(0x2, true, make([]byte, 70000)), 0, 10, limitFrame},
		{"message over 128 KB", append(bytes.Clone(message), clientFrame(0x0, true, []byte("!"))...), len(message), 2, limitMessage},
	}
	for _, tc := range cases {
		stream := append(append(append([]byte(nil), before...), tc.offending...), after...)
		for seed := range uint64(30) {
			g, rnd, _ := newTestGuard(bytes.Clone(stream), seed)
			out, err := drain(g, rnd)
			if !errors.Is(err, errLimit) || g.limit() != tc.limit {
				t.Fatalf("%s, seed %d: err %v limit %d", tc.name, seed, err, g.limit())
			}
			// Everything before the offending header passes; of that header,
			// never the byte that completes its length.
			start := len(before) + tc.headerAt
			if len(out) < start || len(out) >= start+tc.lengthEnd || !bytes.Equal(out, stream[:len(out)]) {
				t.Fatalf("%s, seed %d: handed on %d bytes, want %d..%d", tc.name, seed, len(out), start, start+tc.lengthEnd-1)
			}
			// After the error, reading resumes with the control frames that
			// follow; data frames are dropped whole, without tripping again.
			rest, err := drain(g, rnd)
			if !errors.Is(err, io.EOF) || !bytes.Equal(rest, control) || g.limit() != tc.limit {
				t.Fatalf("%s, seed %d: after the limit got %x (%v, limit %d), want %x", tc.name, seed, rest, err, g.limit(), control)
			}
		}
	}
}

func TestFrameGuardPendingBytesAreScanned(t *testing.T) {
	small := clientFrame(0x1, true, []byte("buffered"))
	big := clientFrame(0x1, true, make([]byte, MaxFrameSize+1))
	g, rnd, frames := newTestGuard(nil, 1)
	g.pending = append(append([]byte(nil), small...), big[:3]...)
	g.Conn.(*chunkConn).data = big[3:]
	out, err := drain(g, rnd)
	if !errors.Is(err, errLimit) || !bytes.Equal(out[:len(small)], small) || *frames == 0 {
		t.Fatalf("out %x err %v frames %d", out, err, *frames)
	}
}
