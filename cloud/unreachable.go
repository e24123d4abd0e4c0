package cloud

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// Unreachable reports whether err says the endpoint cannot be reached at
// all — nothing listens (connection refused), the name does not resolve,
// or its TLS certificate is not trusted — which no retry mends.
func Unreachable(err error) bool {
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dns) ||
		errors.As(err, &unknownCA) || errors.As(err, &host) || errors.As(err, &invalid) || errors.As(err, &verify)
}

// notUnreachable is the retryable check that comes first: an unreachable
// endpoint is not retried (the SDK's own check would retry a refused
// connection 8 times, 19 s of silence).
var notUnreachable = retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
	if Unreachable(err) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
})
