package cloud

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"wsops/apigw"
	"wsops/config"
)

// discoveryTimeout bounds the control-plane calls made at start.
const discoveryTimeout = 20 * time.Second

// endpoints fills in what the profile leaves to discovery: with `api` and
// no websocket_url, the stage's URLs; with a websocket_url on a custom
// domain and no management_url, the execute-api URL its API mapping
// reaches. It returns the resolved copy of p and the warnings to show.
func endpoints(ctx context.Context, p *config.Profile, c apigw.Client) (*config.Profile, []string, error) {
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	r := *p
	scope := apigw.Scope{Endpoint: p.APIGatewayURL, Region: p.Region, AWSProfile: p.AWSProfile}
	cache := apigw.NewCache()
	if apigw.IsLocalHost(p.APIGatewayURL) {
		cache = nil // a sandbox or an emulator: cheap to ask, and restarted often
	}
	var warnings []string
	switch {
	case p.NeedsDiscovery():
		t, err := apigw.Resolve(ctx, c, cache, scope, p.API, p.Stage)
		if err != nil {
			return nil, nil, fmt.Errorf("profile %s: finding API %q stage %q (set websocket_url to skip discovery): %w", p.Name, p.API, p.Stage, err)
		}
		r.WebSocketURL = t.WebSocketURL
		if r.ManagementURL == "" {
			r.ManagementURL = t.ManagementURL
		}
		warnings = append(warnings, staleWarning(p, t)...)
	case p.ManagementURL == "" && p.WebSocketURL != "":
		t, err := apigw.ResolveDomain(ctx, c, cache, scope, p.WebSocketURL)
		if err != nil {
			return nil, nil, fmt.Errorf("profile %s: websocket_url is on a custom domain, whose management URL is its API's execute-api URL, found in the domain's API mappings: %w; "+
				"set management_url = \"https://API_ID.execute-api.%s.amazonaws.com/STAGE\"", p.Name, err, p.Region)
		}
		r.ManagementURL = t.ManagementURL
		if r.API == "" { // the mapping names the API and stage
			r.API, r.Stage = t.APIID, t.Stage
		}
		warnings = append(warnings, staleWarning(p, t)...)
	case p.ManagementURL != "" && !p.Sandbox && apigw.MayBeCustomDomain(p.ManagementURL):
		if w := customDomainManagement(ctx, p, c, scope); w != "" {
			warnings = append(warnings, w)
		}
	}
	if r.ManagementURL == "" {
		return nil, nil, fmt.Errorf("profile %s has no management_url (nor a websocket_url to derive it from, nor an api to discover it)", p.Name)
	}
	return &r, warnings, nil
}

func staleWarning(p *config.Profile, t apigw.Target) []string {
	if t.Stale == "" {
		return nil
	}
	return []string{fmt.Sprintf("profile %s: using the API found earlier (%s, stage %s): looking it up again failed: %s", p.Name, t.APIID, t.Stage, t.Stale)}
}

// customDomainManagement warns when management_url is on one of the
// account's custom domains: API Gateway serves @connections only on the
// API's execute-api host, and answers 403 Forbidden ("No method found
// matching route") elsewhere.
func customDomainManagement(ctx context.Context, p *config.Profile, c apigw.Client, scope apigw.Scope) string {
	u, err := url.Parse(p.ManagementURL)
	if err != nil {
		return ""
	}
	domains, err := apigw.Domains(ctx, c)
	if err != nil || !slices.Contains(domains, u.Hostname()) {
		return ""
	}
	right := "https://API_ID.execute-api." + p.Region + ".amazonaws.com/STAGE"
	if t, err := apigw.ResolveDomain(ctx, c, nil, scope, p.ManagementURL); err == nil {
		right = t.ManagementURL
	} else if !errors.Is(err, apigw.ErrNotFound) {
		return ""
	}
	return fmt.Sprintf("profile %s: management_url is on the custom domain %s: API Gateway serves @connections only on the API's own host, so calls there fail with 403 Forbidden (\"No method found matching route\"); use management_url = %q",
		p.Name, u.Hostname(), right)
}
