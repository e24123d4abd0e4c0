package apigw

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Target is where a profile's API lives: what a profile with `api` and
// `stage` (and no websocket_url) is resolved to.
type Target struct {
	APIID         string `json:"api_id"`
	APIName       string `json:"api_name"`
	Stage         string `json:"stage"`
	WebSocketURL  string `json:"websocket_url"`
	ManagementURL string `json:"management_url"`
	// Stale is why an expired cache entry was used instead of a fresh
	// answer ("" when the answer is fresh).
	Stale string `json:"-"`
}

// Scope names the account and endpoint discovery asks, so that cache
// entries of different accounts, regions or emulators never mix.
type Scope struct {
	Endpoint   string // the apigatewayv2 endpoint override, "" for AWS's
	Region     string
	AWSProfile string
}

func (s Scope) key(kind string, parts ...string) string {
	return strings.Join(append([]string{kind, s.Endpoint, s.Region, s.AWSProfile}, parts...), "|")
}

// Resolve finds the stage of the WebSocket API ref (a name or an id) and
// the URLs it implies, from the cache when it holds a fresh answer.
func Resolve(ctx context.Context, c Client, cache *Cache, scope Scope, ref, stage string) (Target, error) {
	key := scope.key("api", ref, stage)
	return cached(cache, key, func() (Target, error) {
		api, err := Find(ctx, c, ref)
		if err != nil {
			return Target{}, err
		}
		st, ok := api.Stage(stage)
		if !ok {
			return Target{}, fmt.Errorf("%w: API %s (%s) has no stage %q; its stages: %s", ErrNotFound, api.Name, api.ID, stage, strings.Join(api.StageNames(), ", "))
		}
		return Target{APIID: api.ID, APIName: api.Name, Stage: st.Name, WebSocketURL: st.WebSocketURL, ManagementURL: st.ManagementURL}, nil
	})
}

// ResolveDomain finds, for wsURL on a custom domain, the API and stage its
// mapping reaches and so the management URL: API Gateway serves
// @connections only on the API's execute-api host.
func ResolveDomain(ctx context.Context, c Client, cache *Cache, scope Scope, wsURL string) (Target, error) {
	key := scope.key("domain", wsURL)
	return cached(cache, key, func() (Target, error) {
		m, err := MappingFor(ctx, c, wsURL)
		if err != nil {
			return Target{}, err
		}
		return Target{APIID: m.APIID, Stage: m.Stage, WebSocketURL: wsURL, ManagementURL: ExecuteAPIURL(m.APIID, scope.Region, m.Stage)}, nil
	})
}

// cached answers from cache when it holds a fresh entry of key; else it
// looks up and stores the answer. When looking up fails for any reason but
// "not found", an expired entry is still answered, marked Stale.
func cached(cache *Cache, key string, lookup func() (Target, error)) (Target, error) {
	var old Target
	fresh, ok := cache.get(key, &old)
	if ok && fresh {
		return old, nil
	}
	t, err := lookup()
	if err != nil {
		if ok && !errors.Is(err, ErrNotFound) {
			old.Stale = err.Error()
			return old, nil
		}
		return Target{}, err
	}
	_ = cache.put(key, t) // a cache that cannot be written costs a lookup next time, nothing else
	return t, nil
}
