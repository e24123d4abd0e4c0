package testrig

import (
	"net/http/httptest"
	"testing"

	"wsops/sandbox/dynamo"
)

// SandboxMinidynURL starts the sandbox's embedded DynamoDB for this test:
// minidyn behind the shim of package sandbox/dynamo, which serves parallel
// scans, ScannedCount and resumed reads as DynamoDB does.
func SandboxMinidynURL(t testing.TB) string {
	srv := httptest.NewServer(dynamo.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// SandboxBackends returns dynalite and the sandbox's embedded DynamoDB
// (shimmed minidyn), both serving parallel scans.
func SandboxBackends(t testing.TB) []Backend {
	return []Backend{
		{Name: "dynalite", URL: DynaliteURL(t), MaxSegments: 64},
		{Name: "sandbox-minidyn", URL: SandboxMinidynURL(t), MaxSegments: 64},
	}
}
