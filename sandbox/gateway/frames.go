package gateway

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
)

// API Gateway's WebSocket limits.
const (
	// MaxFrameSize is the largest frame payload a client may send (32 KB);
	// a larger frame closes the connection with 1009.
	MaxFrameSize = 32 * 1024
	// MaxMessageSize is the largest message either way (128 KB): a larger
	// client message closes the connection with 1009, a larger management
	// POST is refused with 413 PayloadTooLargeException.
	MaxMessageSize = 128 * 1024
)

// Buffer sizes of a hijacked connection. They bound the memory every held
// connection costs; larger payloads bypass bufio and go straight to the socket.
const (
	readBufferSize  = 2048
	writeBufferSize = 2048
)

// Which limit a client broke.
const (
	limitNone int32 = iota
	limitFrame
	limitMessage
)

// errLimit is what frameGuard.Read returns instead of the header of a frame
// that breaks a limit.
var errLimit = errors.New("frame or message over API Gateway's limit")

// frameGuard wraps a hijacked server-side connection. coder/websocket does not
// expose frames, so the guard parses the client's frame headers as the bytes
// stream past (payloads are never copied aside) and enforces the frame and
// message limits before coder/websocket has seen a complete header of the
// offending frame: the header is withheld, Read fails with errLimit, and the
// rest of that frame is discarded so that the close handshake that follows
// reads the client's later frames intact. From then on the connection is
// closing: every later data frame is dropped whole (header and payload) and
// only control frames reach coder/websocket, so the close handshake reads on
// past the rest of an oversized message to the client's close frame instead
// of tripping again on each of its fragments. Were it to stop reading there,
// the socket would be closed with the client's bytes unread, the kernel
// would answer them with a reset, and a client still sending (a 20 MB
// message in small fragments) would see 1006 instead of the 1009 sent to it.
// Every frame that starts, either way, counts as activity (pings, pongs and
// close frames included).
type frameGuard struct {
	net.Conn
	maxFrame, maxMessage uint64
	touch                func()

	// pending is scanned before the socket is read again: bytes the HTTP
	// server had buffered at hijack time, or what followed an oversized header.
	pending []byte

	// Parser state. coder/websocket serialises reads (its read mutex), so
	// only one goroutine at a time is here.
	hpos    int    // header bytes seen of the frame being parsed
	ext     int    // extended length bytes (0, 2 or 8)
	maskLen int    // 4 if masked
	op      byte   // opcode
	plen    uint64 // payload length
	remain  uint64 // bytes left of the current frame's payload (or, when discarding, of the whole frame)
	discard bool   // remain belongs to an oversized frame being dropped
	drop    bool   // the frame being parsed is a data frame after a trip: none of it is handed on
	msgLen  uint64 // payload bytes of the data message in progress

	tripped atomic.Int32
}

func newFrameGuard(touch func()) *frameGuard {
	return &frameGuard{maxFrame: MaxFrameSize, maxMessage: MaxMessageSize, touch: touch}
}

// limit reports which limit the client broke, if any.
func (f *frameGuard) limit() int32 { return f.tripped.Load() }

// Read fills p with the client's bytes, minus any frame over the limits.
func (f *frameGuard) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		var n int
		var err error
		fromPending := len(f.pending) > 0
		if fromPending {
			n = copy(p, f.pending)
			f.pending = f.pending[n:]
		} else {
			n, err = f.Conn.Read(p)
		}
		out, rest, tripped := f.scan(p[:n])
		if tripped {
			leftover := append([]byte(nil), rest...)
			if fromPending {
				leftover = append(leftover, f.pending...)
			}
			f.pending = leftover
			return out, errLimit
		}
		if len(f.pending) == 0 {
			f.pending = nil
		}
		if out > 0 || err != nil {
			return out, err
		}
		// Everything read belonged to a discarded frame: read on.
	}
}

// scan parses b in place, compacting away discarded bytes. It returns how many
// bytes of b to hand on and, when a frame breaks a limit, the unscanned rest.
func (f *frameGuard) scan(b []byte) (int, []byte, bool) {
	w, i := 0, 0
	started := false
	for i < len(b) {
		if f.remain > 0 {
			k := len(b) - i
			if uint64(k) > f.remain {
				k = int(f.remain)
			}
			if !f.discard {
				if w != i {
					copy(b[w:], b[i:i+k])
				}
				w += k
			}
			i += k
			f.remain -= uint64(k)
			continue
		}
		f.discard = false
		c := b[i]
		switch f.hpos {
		case 0:
			f.op = c & 0x0f
			f.drop = f.op < 0x8 && f.limit() != limitNone
			started = true
		case 1:
			f.maskLen = 0
			if c&0x80 != 0 {
				f.maskLen = 4
			}
			switch l := c & 0x7f; l {
			case 126:
				f.ext, f.plen = 2, 0
			case 127:
				f.ext, f.plen = 8, 0
			default:
				f.ext, f.plen = 0, uint64(l)
			}
		default:
			if f.hpos < 2+f.ext {
				f.plen = f.plen<<8 | uint64(c)
			}
		}
		f.hpos++
		if f.hpos == 2+f.ext && !f.drop {
			if broken := f.check(); broken != limitNone {
				f.tripped.Store(broken)
				f.remain = uint64(f.maskLen) + f.plen
				f.discard = f.remain > 0
				f.hpos = 0
				return w, b[i+1:], true
			}
		}
		if !f.drop {
			b[w] = c
			w++
		}
		i++
		if f.hpos == 2+f.ext+f.maskLen {
			f.hpos = 0
			f.remain = f.plen
			f.discard = f.drop
		}
	}
	if started && f.touch != nil {
		f.touch()
	}
	return w, nil, false
}

// check applies the limits once a frame's payload length is known.
func (f *frameGuard) check() int32 {
	if f.plen > f.maxFrame {
		return limitFrame
	}
	switch f.op {
	case 0x1, 0x2: // text, binary: a new message
		f.msgLen = f.plen
	case 0x0: // continuation
		f.msgLen += f.plen
	default: // control frames are not part of a message
		return limitNone
	}
	if f.msgLen > f.maxMessage {
		return limitMessage
	}
	return limitNone
}

// Write sends p to the client; every write is (part of) a frame going out.
func (f *frameGuard) Write(p []byte) (int, error) {
	if f.touch != nil {
		f.touch()
	}
	return f.Conn.Write(p)
}

// hijackHook hands coder/websocket the guarded connection when it hijacks.
type hijackHook struct {
	http.ResponseWriter
	guard *frameGuard
}

// Hijack takes over the connection from the HTTP server and wraps it in the
// guard, carrying over whatever the server had already buffered.
func (h *hijackHook) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("hijack: %w", err)
	}
	if n := brw.Reader.Buffered(); n > 0 {
		buffered, _ := brw.Reader.Peek(n)
		h.guard.pending = append([]byte(nil), buffered...)
	}
	h.guard.Conn = nc
	rw := bufio.NewReadWriter(bufio.NewReaderSize(h.guard, readBufferSize), bufio.NewWriterSize(h.guard, writeBufferSize))
	return h.guard, rw, nil
}
