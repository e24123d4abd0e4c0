package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"wsops/auth"
)

func newTokenCmd(g *globals) *cobra.Command {
	var claims auth.Claims
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Mint a sandbox token (HS256 JWT) for a user, entity type and app",
		Long: `Print a token the sandbox's $connect accepts, alone on one line. The profile
must be a sandbox profile; the secret is $WSOPS_SANDBOX_SECRET, else the
profile's sandbox_secret, else the development default. The entity type
defaults to the one the preset's rule gives the app. The platform is not part
of the token: pass it as the platform query parameter when connecting.`,
		Example: `  wsops token --user u-1 --app order-receiver
  wscat -c "ws://127.0.0.1:8787/dev?token=$(wsops token --user u-1)&platform=ios"`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			p, err := g.loadProfile()
			if err != nil {
				return err
			}
			tok, err := mintSandboxToken(p, &claims, ttl)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(g.streams.Out, tok)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&claims.User, "user", "sandbox-user", "user id (the sub claim)")
	f.StringVar(&claims.EntityType, "entity", "", "entity type (default: the app's, per the preset's rule)")
	f.StringVar(&claims.App, "app", "", "app id (default: the preset's first app)")
	f.StringVar(&claims.BusinessID, "business", "", "business id (order-receiver merchants)")
	f.StringVar(&claims.Platform, "platform", "", "ios, android or web, recorded in the token (connect with the same platform query parameter)")
	f.DurationVar(&ttl, "ttl", 24*time.Hour, "how long the token is valid")
	return cmd
}
