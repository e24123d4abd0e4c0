package cli

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"wsops/config"
	"wsops/ui/clientview"
)

// consolePing is how often the console's test clients ping, for the RTT they show.
const consolePing = 5 * time.Second

// clientSpec resolves a :client identity as `wsops connect` resolves its
// flags: a pasted token, else the fields as --as (sandbox profiles mint),
// else the profile's token.
func clientSpec(ctx context.Context, p *config.Profile, id clientview.Identity) (clientview.Spec, error) {
	f := connectFlags{token: id.Token}
	if id.Token == "" {
		var parts []string
		for _, kv := range [][2]string{{"user", id.User}, {"app", id.App}, {"entity", id.EntityType}, {"platform", id.Platform}, {"business", id.Business}} {
			if kv[1] != "" {
				parts = append(parts, kv[0]+"="+kv[1])
			}
		}
		f.as = strings.Join(parts, ",")
		if !p.Sandbox && p.Token.Set() {
			f.as = "" // the profile's own token: who it is comes from the token
		}
	}
	if id.Query != "" {
		q, err := url.ParseQuery(id.Query)
		if err != nil {
			return clientview.Spec{}, errors.New("query: want k=v&k2=v2")
		}
		for k, vs := range q {
			for _, v := range vs {
				f.query = append(f.query, k+"="+v)
			}
		}
	}
	for h := range strings.SplitSeq(id.Headers, ";") {
		if h = strings.TrimSpace(h); h != "" {
			f.headers = append(f.headers, h)
		}
	}
	opt, ident, err := connectOptions(ctx, p, f)
	if err != nil {
		return clientview.Spec{}, err
	}
	opt.Ping = consolePing
	c := ident.claims
	return clientview.Spec{Options: opt, User: c.User, App: c.App, EntityType: c.EntityType, Platform: c.Platform, Source: ident.source}, nil
}
