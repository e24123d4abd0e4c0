package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var (
	testSecret = []byte("test-secret-0123456789")
	t0         = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

func mustMint(t testing.TB, c Claims) string {
	t.Helper()
	tok, err := Mint(testSecret, c, time.Hour, t0)
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	return tok
}

// signed builds a token with arbitrary claims and method, for cases Mint refuses to produce.
func signed(t testing.TB, m jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	return tok
}

func TestMintVerifyRoundTrip(t *testing.T) {
	for _, c := range []Claims{
		{User: "u1", EntityType: "driver", App: "drivers"},
		{User: "m7", EntityType: "merchant", App: "order-receiver", BusinessID: "b42"},
		{User: "only-sub"},
	} {
		got, err := Verify(testSecret, mustMint(t, c), t0.Add(59*time.Minute))
		if err != nil {
			t.Fatalf("Verify(%+v): %v", c, err)
		}
		if got != c {
			t.Errorf("Verify = %+v, want %+v", got, c)
		}
	}
}

func TestMintWritesTheDocumentedClaimNames(t *testing.T) {
	tok := mustMint(t, Claims{User: "u1", App: "drivers"})
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"app":"drivers","sub":"u1","exp":1772370000,"iat":1772366400}`
	if string(payload) != want {
		t.Errorf("payload = %s, want %s", payload, want)
	}
}

func TestMintRefusesWhatItCannotSign(t *testing.T) {
	for name, tc := range map[string]struct {
		secret []byte
		c      Claims
		ttl    time.Duration
		want   error
	}{
		"no secret": {nil, Claims{User: "u"}, time.Hour, ErrNoSecret},
		"no user":   {testSecret, Claims{App: "drivers"}, time.Hour, ErrClaims},
		"zero ttl":  {testSecret, Claims{User: "u"}, 0, ErrClaims},
	} {
		if _, err := Mint(tc.secret, tc.c, tc.ttl, t0); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	valid := mustMint(t, Claims{User: "u1", App: "drivers"})
	parts := strings.Split(valid, ".")
	otherPayload := strings.Split(mustMint(t, Claims{User: "admin", App: "drivers"}), ".")[1]
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	exp := t0.Add(time.Hour).Unix()
	none := signed(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.MapClaims{"sub": "u1", "exp": exp})

	tests := []struct {
		name   string
		secret []byte
		token  string
		now    time.Time
		want   error
	}{
		{"wrong secret", []byte("another-secret"), valid, t0, ErrSignature},
		{"expired", testSecret, valid, t0.Add(time.Hour + time.Second), ErrExpired},
		{"alg none", testSecret, none, t0, ErrAlgorithm},
		{"alg none over a valid payload", testSecret, strings.Split(none, ".")[0] + "." + parts[1] + ".", t0, ErrAlgorithm},
		{"RS256", testSecret, signed(t, jwt.SigningMethodRS256, rsaKey, jwt.MapClaims{"sub": "u1", "exp": exp}), t0, ErrAlgorithm},
		{"HS512", testSecret, signed(t, jwt.SigningMethodHS512, testSecret, jwt.MapClaims{"sub": "u1", "exp": exp}), t0, ErrAlgorithm},
		{"tampered payload", testSecret, parts[0] + "." + otherPayload + "." + parts[2], t0, ErrSignature},
		{"tampered signature", testSecret, parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-4] + "AAAA", t0, ErrSignature},
		{"missing sub", testSecret, signed(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"app": "drivers", "exp": exp}), t0, ErrClaims},
		{"empty sub", testSecret, signed(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": "", "exp": exp}), t0, ErrClaims},
		{"sub not a string", testSecret, signed(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": 7, "exp": exp}), t0, ErrMalformed},
		{"missing exp", testSecret, signed(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": "u1"}), t0, ErrExpired},
		{"not valid yet", testSecret, signed(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": "u1", "exp": exp, "nbf": t0.Add(time.Minute).Unix()}), t0, ErrClaims},
		{"empty token", testSecret, "", t0, ErrMalformed},
		{"two parts", testSecret, parts[0] + "." + parts[1], t0, ErrMalformed},
		{"garbage", testSecret, "not-a-jwt-at-all", t0, ErrMalformed},
		{"payload not base64", testSecret, parts[0] + ".%%%." + parts[2], t0, ErrMalformed},
		{"no secret", nil, valid, t0, ErrNoSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Verify(tc.secret, tc.token, tc.now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if c != (Claims{}) {
				t.Errorf("claims = %+v on error, want none", c)
			}
			assertNoTokenText(t, err, tc.token)
		})
	}
}

// assertNoTokenText fails when an error message carries any segment of the token.
func assertNoTokenText(t *testing.T, err error, token string) {
	t.Helper()
	for _, seg := range strings.Split(token, ".") {
		if len(seg) >= 8 && strings.Contains(err.Error(), seg) {
			t.Errorf("error %q contains token text %q", err, seg)
		}
	}
}

func FuzzVerify(f *testing.F) {
	valid, err := Mint(testSecret, Claims{User: "u1", App: "order-receiver", BusinessID: "b1"}, time.Hour, t0)
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(valid, ".")
	for _, seed := range []string{
		valid, "", ".", "..", "...", "a.b.c", parts[0] + "." + parts[1] + ".",
		"eyJhbGciOiJub25lIn0." + parts[1] + ".",
		parts[0] + ".eyJzdWIiOjF9." + parts[2],
		parts[0] + ".bnVsbA." + parts[2],
		strings.Repeat("A", 300),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := Verify(testSecret, token, t0)
		if err != nil {
			if c != (Claims{}) {
				t.Errorf("claims %+v returned with error %v", c, err)
			}
			assertNoTokenText(t, err, token)
			return
		}
		if c.User == "" {
			t.Errorf("accepted a token without sub: %+v", c)
		}
	})
}

func TestPeekReadsClaimsWithoutVerifying(t *testing.T) {
	tok, err := Mint([]byte("some-other-secret"), Claims{User: "u-7", App: "drivers", EntityType: "driver", Platform: "ios"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := Peek(tok); got.User != "u-7" || got.App != "drivers" || got.Platform != "ios" {
		t.Errorf("Peek = %+v", got)
	}
	if got := Peek("not-a-jwt"); got != (Claims{}) {
		t.Errorf("Peek of garbage = %+v, want empty claims", got)
	}
}

func TestSetClaimReadsEveryKeyAndAlias(t *testing.T) {
	var c Claims
	for _, kv := range [][2]string{{"user", "u"}, {"entityType", "merchant"}, {"app", "order-receiver"}, {"platform", "ios"}, {"businessId", "b-1"}} {
		if !c.SetClaim(kv[0], kv[1]) {
			t.Errorf("SetClaim(%q) refused", kv[0])
		}
	}
	want := Claims{User: "u", EntityType: "merchant", App: "order-receiver", Platform: "ios", BusinessID: "b-1"}
	if c != want {
		t.Errorf("claims %+v, want %+v", c, want)
	}
	if c.SetClaim("entity", "driver"); c.EntityType != "driver" {
		t.Error("the alias entity does not set EntityType")
	}
	if c.SetClaim("token", "x") || c.SetClaim("", "x") {
		t.Error("SetClaim accepted a key that names no claim")
	}
}
