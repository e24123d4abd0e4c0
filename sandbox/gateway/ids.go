package gateway

import (
	"encoding/base64"
	"encoding/binary"
	"math/rand/v2"
	"sync"

	"wsops/sandbox/awswire"
)

// randSource serialises a *rand.Rand, which is not safe for concurrent use.
type randSource struct {
	mu sync.Mutex
	r  *rand.Rand
}

func (s *randSource) fill(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var word [8]byte
	for i := 0; i < len(b); i += len(word) {
		binary.LittleEndian.PutUint64(word[:], s.r.Uint64())
		copy(b[i:], word[:])
	}
}

func (s *randSource) float64() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.Float64()
}

// shortID is an id in the shape API Gateway uses for connection ids and for
// the requestId of its error frames: URL-safe base64 of 11 random bytes,
// 16 characters ending in '=' (like L0SM9cOFvHcCIhw=).
func (s *randSource) shortID() string {
	var b [11]byte
	s.fill(b[:])
	return base64.URLEncoding.EncodeToString(b[:])
}

// uuid is a random (version 4) UUID, the shape of x-amzn-RequestId.
func (s *randSource) uuid() string {
	var b [16]byte
	s.fill(b[:])
	return awswire.UUID(b)
}
