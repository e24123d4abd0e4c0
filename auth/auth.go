// Package auth mints and verifies the sandbox's tokens: HS256 JWTs whose
// subject is the user id and whose private claims name the app, the entity
// type and, for order-receiver tablets, the business. The sandbox's $connect
// verifies them; `wsops token` and the test client mint them.
package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultSandboxSecret is the HS256 secret a sandbox uses when none is
// configured. It protects nothing: the sandbox listens on loopback.
const DefaultSandboxSecret = "wsops-sandbox-development-secret-not-for-production"

// Errors Verify and Mint return. Each wraps no token text: a token is a
// credential and never appears in an error, a log or the terminal.
var (
	// ErrMalformed means the token is not a well-formed JWT.
	ErrMalformed = errors.New("token is malformed")
	// ErrAlgorithm means the token is not signed with HS256.
	ErrAlgorithm = errors.New("token is not signed with HS256")
	// ErrSignature means the signature does not match the secret.
	ErrSignature = errors.New("token signature is invalid")
	// ErrExpired means the token's exp is past (or it has none).
	ErrExpired = errors.New("token is expired")
	// ErrClaims means a claim is missing or invalid (no sub, not valid yet, a mistyped claim).
	ErrClaims = errors.New("token claims are invalid")
	// ErrNoSecret means the secret is empty.
	ErrNoSecret = errors.New("no token secret")
)

// Claims are the token's identity claims. In the JWT they are sub,
// entityType, app and businessId; empty ones are left out.
type Claims struct {
	User       string
	EntityType string
	App        string
	BusinessID string
	// Platform is informational: backends read the platform from the
	// connection's query parameter, as the reference ones do.
	Platform string
}

// SetClaim sets the claim a test client's identity names as key (user,
// entity or entityType, app, platform, business or businessId) to value, as
// `wsops connect --as` and the console's `:client` read them; it reports
// false for any other key.
func (c *Claims) SetClaim(key, value string) bool {
	switch key {
	case "user":
		c.User = value
	case "entity", "entityType":
		c.EntityType = value
	case "app":
		c.App = value
	case "platform":
		c.Platform = value
	case "business", "businessId":
		c.BusinessID = value
	default:
		return false
	}
	return true
}

// wireClaims is the JWT payload.
type wireClaims struct {
	EntityType string `json:"entityType,omitempty"`
	App        string `json:"app,omitempty"`
	BusinessID string `json:"businessId,omitempty"`
	Platform   string `json:"platform,omitempty"`
	jwt.RegisteredClaims
}

// Mint signs c with secret (HS256), issued at now and expiring ttl later.
func Mint(secret []byte, c Claims, ttl time.Duration, now time.Time) (string, error) {
	switch {
	case len(secret) == 0:
		return "", ErrNoSecret
	case c.User == "":
		return "", fmt.Errorf("%w: a user (sub) is required", ErrClaims)
	case ttl <= 0:
		return "", fmt.Errorf("%w: ttl %v must be positive", ErrClaims, ttl)
	}
	w := wireClaims{
		EntityType: c.EntityType,
		App:        c.App,
		BusinessID: c.BusinessID,
		Platform:   c.Platform,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   c.User,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, w).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("signing token: %w", err)
	}
	return s, nil
}

// Verify checks token against secret at time now and returns its claims. It
// accepts HS256 only (never "none" or an asymmetric algorithm), requires an
// unexpired exp and a non-empty sub, and honours nbf when present.
func Verify(secret []byte, token string, now time.Time) (Claims, error) {
	if len(secret) == 0 {
		return Claims{}, ErrNoSecret
	}
	var w wireClaims
	_, err := jwt.ParseWithClaims(token, &w,
		func(t *jwt.Token) (any, error) {
			if t.Method != jwt.SigningMethodHS256 {
				return nil, ErrAlgorithm
			}
			return secret, nil
		},
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithExpirationRequired(),
	)
	if err != nil {
		return Claims{}, classify(err)
	}
	if w.Subject == "" {
		return Claims{}, fmt.Errorf("%w: missing sub", ErrClaims)
	}
	return Claims{User: w.Subject, EntityType: w.EntityType, App: w.App, BusinessID: w.BusinessID, Platform: w.Platform}, nil
}

// classify maps the jwt library's error to one of ours, dropping its text so
// that no part of the token can leak through an error message.
func classify(err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return ErrMalformed
	case errors.Is(err, ErrAlgorithm), errors.Is(err, jwt.ErrTokenUnverifiable):
		return ErrAlgorithm
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return ErrSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		return ErrExpired
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return fmt.Errorf("%w: missing exp", ErrExpired)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return fmt.Errorf("%w: not valid yet", ErrClaims)
	}
	return ErrClaims
}

// Peek reads a token's identity claims without verifying it — to show whom a
// pasted token names, never to trust it. A token that does not parse gives
// empty claims.
func Peek(token string) Claims {
	var w wireClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &w); err != nil {
		return Claims{}
	}
	return Claims{User: w.Subject, EntityType: w.EntityType, App: w.App, BusinessID: w.BusinessID, Platform: w.Platform}
}
