// Package reach tells an endpoint that cannot be reached at all from other
// failures, and says what to do about it.
package reach

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"
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

// Hint says what to do about an error whose cause is plain — an endpoint
// that cannot be reached, an expired SSO session — or "" for any other.
func Hint(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "nothing answers at that endpoint: for a sandbox profile start `wsops sandbox` (`--preset this27` for a this27 one; the console starts one itself); otherwise check the profile's dynamodb_url or mongodb_uri, management_url and region"
	case Unreachable(err):
		return "that endpoint cannot be reached (its name does not resolve, or its certificate is not trusted: see AWS_CA_BUNDLE): check the profile's dynamodb_url, management_url and region"
	case strings.Contains(msg, "SSO session") || strings.Contains(msg, "token has expired") || strings.Contains(msg, "refresh cached SSO token"):
		return "the AWS SSO session has expired: run `aws sso login --profile <the profile's aws_profile>`"
	}
	return ""
}
