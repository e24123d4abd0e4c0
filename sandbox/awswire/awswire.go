// Package awswire holds the wire conventions every AWS API the sandbox
// emulates shares: the one authentication check (a request must carry a
// SigV4 signature, as AWS's IAM-authorised APIs require) and the shape of
// request ids. The management API (sandbox/gateway), apigatewayv2
// (sandbox/control) and CloudWatch (sandbox/metrics) all use it.
package awswire

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
)

// Signed reports whether r carries a SigV4 (or SigV4a) signature, in the
// Authorization header or presigned in the query. Signatures are not
// verified: the sandbox has no secrets to check them against, and any
// credentials an SDK signs with are accepted, as by every local emulator.
func Signed(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-") || r.URL.Query().Get("X-Amz-Signature") != ""
}

// RequestID is a random (version 4) UUID, the shape of x-amzn-RequestId and
// of awsQuery's <RequestId>.
func RequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return UUID(b)
}

// UUID formats b as a version 4 UUID (8-4-4-4-12 hex digits), setting its
// version and variant bits.
func UUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}
