package secret

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// Test credentials are assembled at run time so that no scanner mistakes
// this file for a leak. The AWS ones are AWS's documented examples.
var (
	testJWT          = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + "." + "eyJzdWIiOiJ1c2VyLTEiLCJhcHAiOiJkcml2ZXJzIn0" + "." + "c2lnbmF0dXJlLW5vdC1yZWFsbHktYS1zaWduYXR1cmU"
	testAccessKeyID  = "AKIA" + "IOSFODNN7EXAMPLE"
	testSessionKeyID = "ASIA" + "IOSFODNN7EXAMPLE"
	testSecretKey    = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
	testRandomToken  = "Q2h4dF9pN0tqX3pXbW9" + "hcl9CcDRxTnY1Uk1lY2xL"
	testHexToken     = "9f86d081884c7d659a2feaa0c55ad015" + "a3bf4f1b2b0b822cd15d6c15b0f00a08"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"a", "…(1 char)"},
		{"secret", "…(6 chars)"},
		{"12345678", "…(8 chars)"},
		{"123456789", "1234…(9 chars)"},
		{testJWT, "eyJh…(" + fmt.Sprint(len(testJWT)) + " chars)"},
		{"ééééééééé", "éééé…(9 chars)"},
		{"日本語のひみつの合言葉です", "日本語の…(13 chars)"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Redact(tt.in); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLooksLikeSecret(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"jwt", testJWT, true},
		{"jwt without signature", strings.TrimSuffix(testJWT, testJWT[strings.LastIndex(testJWT, ".")+1:]), true},
		{"aws access key id", testAccessKeyID, true},
		{"aws temporary access key id", testSessionKeyID, true},
		{"aws secret key", testSecretKey, true},
		{"random base64url token", testRandomToken, true},
		{"padded base64 token", testRandomToken + "==", true},
		{"sha256 hex", testHexToken, true},
		{"empty", "", false},
		{"ordinary word", "heartbeat", false},
		{"sentence", "the business-status toggle failed to flip isActive", false},
		{"wss url", "wss://abc123.execute-api.us-east-1.amazonaws.com/dev", false},
		{"http url", "http://127.0.0.1:8000", false},
		{"env reference", "${env:WIZZ_TOKEN}", false},
		{"long env reference", "${env:THIS27_MANAGER_LOGIN_TOKEN_FOR_STAGING_API}", false},
		{"wizz connections table", "WizzUser_websocket_connections_dev", false},
		{"wizz subscriptions table", "WizzUser_websocket_subscriptions_dev", false},
		{"this27 rooms table", "this27_websocket_rooms_production_v2", false},
		{"kebab rule name", "order-receiver-is-merchant-business-status", false},
		{"camel identifier", "myApp2024ProdWebsocketConnectionsTable", false},
		{"upper env name", "WIZZ_MERCHANTS_DEV_WEBSOCKET_TOKEN_2024", false},
		{"role arn pieces", "arn_aws_iam_123456789012_role_wsops_operator", false},
		{"index name", "subscriptionKey-index", false},
		{"connection id", "L0SM9cOFvHcCIhw=", false},
		{"40 letters only", strings.Repeat("abcd", 10), false},
		{"eyJ but two segments", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0", false},
		{"eyJ with a space", "eyJhbGci OiJ.eyJzdWIi.sig", false},
		{"access key too short", "AKIA1234", false},
		{"repeated character", strings.Repeat("a", 64), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LooksLikeSecret(tt.in); got != tt.want {
				t.Errorf("LooksLikeSecret(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestLooksLikeSecretRandomTokens checks the heuristic against many random
// tokens; the generator is seeded, so the result is deterministic.
func TestLooksLikeSecretRandomTokens(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabets := map[string]string{
		"base64url":       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
		"alphanumeric":    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		"lower and digit": "abcdefghijklmnopqrstuvwxyz0123456789",
	}
	minRate := map[string]float64{"base64url": 0.97, "alphanumeric": 0.97, "lower and digit": 0.75}
	for name, alphabet := range alphabets {
		t.Run(name, func(t *testing.T) {
			const n = 2000
			caught := 0
			for range n {
				b := make([]byte, 32+rng.IntN(33))
				for i := range b {
					b[i] = alphabet[rng.IntN(len(alphabet))]
				}
				if LooksLikeSecret(string(b)) {
					caught++
				}
			}
			if rate := float64(caught) / n; rate < minRate[name] {
				t.Errorf("caught %.3f of random tokens, want at least %.2f", rate, minRate[name])
			}
		})
	}
}

func TestScrub(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"no secret", "aws secretsmanager get-secret-value --secret-id wizz/dev", "aws secretsmanager get-secret-value --secret-id wizz/dev"},
		{"bearer header", "Authorization: Bearer " + testJWT, "Authorization: Bearer " + Redact(testJWT)},
		{"query string", "wss://x.example.com/dev?token=" + testJWT + "&platform=web", "wss://x.example.com/dev?token=" + Redact(testJWT) + "&platform=web"},
		{"json", `{"token":"` + testRandomToken + `"}`, `{"token":"` + Redact(testRandomToken) + `"}`},
		{"two secrets", testAccessKeyID + " " + testSecretKey, Redact(testAccessKeyID) + " " + Redact(testSecretKey)},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Scrub(tt.in); got != tt.want {
				t.Errorf("Scrub(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got, want := ContainsSecret(tt.in), tt.in != tt.want; got != want {
				t.Errorf("ContainsSecret(%q) = %v, want %v", tt.in, got, want)
			}
		})
	}
}

// FuzzRedact checks that Redact shows at most the first four characters of
// a long input, nothing of a short one, and otherwise only its own format.
func FuzzRedact(f *testing.F) {
	for _, seed := range []string{"", "a", "12345678", "123456789", testJWT, testSecretKey, "abcd chars)", "ééééééééé\xff\xfe", "…(9 chars)…(9 chars)"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Redact(s)
		runes := []rune(s)
		if len(runes) == 0 {
			if got != "" {
				t.Fatalf("Redact(%q) = %q, want empty", s, got)
			}
			return
		}
		prefix := ""
		if len(runes) > 8 {
			prefix = string(runes[:4])
		}
		if !strings.HasPrefix(got, prefix) {
			t.Fatalf("Redact(%q) = %q, want prefix %q", s, got, prefix)
		}
		// After the prefix comes only the fixed format: nothing of the input.
		tail := strings.TrimPrefix(got, prefix)
		if want := "…(" + countChars(len(runes)) + ")"; tail != want {
			t.Fatalf("Redact(%q) = %q: after the prefix got %q, want %q", s, got, tail, want)
		}
		if strings.Trim(tail, "…() chars0123456789") != "" {
			t.Fatalf("Redact(%q) = %q: tail %q holds characters of the input", s, got, tail)
		}
	})
}
