package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"wsops/auth"
	"wsops/config"
)

// mintSandboxToken fills in a sandbox identity's defaults from the profile's
// preset (the first app, the app's entity type), checks it, and mints its
// token with the profile's secret. claims is updated with the defaults.
func mintSandboxToken(p *config.Profile, claims *auth.Claims, ttl time.Duration) (string, error) {
	if !p.Sandbox {
		return "", usageError(fmt.Errorf("profile %s is not a sandbox profile: its tokens come from its own login", p.Name))
	}
	apps := slices.Sorted(maps.Keys(p.Schema.AppEntity))
	if claims.App == "" && len(apps) > 0 {
		claims.App = apps[0]
	}
	if _, ok := p.Schema.AppEntity[claims.App]; !ok {
		return "", usageError(fmt.Errorf("app %q: the %s preset knows %v", claims.App, p.Preset, apps))
	}
	if claims.EntityType == "" {
		claims.EntityType = p.Schema.AppEntity[claims.App]
	}
	if err := checkPlatform(claims.Platform); err != nil {
		return "", err
	}
	if ttl <= 0 {
		return "", usageError(errors.New("--ttl must be positive"))
	}
	tok, err := auth.Mint([]byte(sandboxSecret("", p.SandboxSecret)), *claims, ttl, time.Now())
	if err != nil {
		return "", failed(err)
	}
	return tok, nil
}

// checkPlatform accepts the platforms the reference backends know, or none.
func checkPlatform(p string) error {
	switch p {
	case "", "ios", "android", "web":
		return nil
	}
	return usageError(fmt.Errorf("platform %q: want ios, android or web", p))
}

// parseAs reads --as user=U,entity=E,app=A,platform=P[,business=B].
func parseAs(s string) (auth.Claims, error) {
	var c auth.Claims
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return c, usageError(fmt.Errorf("--as %q: want key=value pairs such as user=u-1,app=drivers", s))
		}
		if !c.SetClaim(strings.TrimSpace(k), v) {
			return c, usageError(fmt.Errorf("--as: unknown key %q (want user, entity, app, platform, business)", k))
		}
	}
	return c, nil
}

// identity is who a test connection connects as.
type identity struct {
	token  string
	claims auth.Claims // what is known of them: minted claims, or the token's own (unverified)
	source string      // "minted", "--token", "profile token"
}

// resolveIdentity picks the token: --token, else --as (sandbox profiles
// mint), else the profile's token, else (sandbox) a minted default.
func resolveIdentity(ctx context.Context, p *config.Profile, token, as string) (identity, error) {
	switch {
	case token != "" && as != "":
		return identity{}, usageError(errors.New("use --token or --as, not both"))
	case token != "":
		return identity{token: token, claims: auth.Peek(token), source: "--token"}, nil
	case as == "" && p.Token.Set():
		tok, err := p.Token.Resolve(ctx)
		if err != nil {
			return identity{}, failed(fmt.Errorf("profile %s: %w", p.Name, err))
		}
		return identity{token: tok, claims: auth.Peek(tok), source: "profile token"}, nil
	case as == "" && !p.Sandbox:
		return identity{}, usageError(fmt.Errorf("profile %s has no token: set [profiles.%s.token], or pass --token", p.Name, p.Name))
	}
	claims, err := parseAs(as)
	if err != nil {
		return identity{}, err
	}
	if claims.User == "" {
		claims.User = "sandbox-user"
	}
	tok, err := mintSandboxToken(p, &claims, 24*time.Hour)
	if err != nil {
		return identity{}, err
	}
	return identity{token: tok, claims: claims, source: "minted"}, nil
}
