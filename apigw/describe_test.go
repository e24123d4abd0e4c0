package apigw

import (
	"slices"
	"testing"
)

func TestRouteBehindAndRouteKeys(t *testing.T) {
	for _, c := range []struct {
		r            Route
		kind, target string
	}{
		{Route{Key: "$default"}, "(none)", ""},
		{Route{Key: "$connect", Integration: &Integration{Type: "AWS_PROXY", Function: "connect", URI: "arn:…"}}, "AWS_PROXY", "connect"},
		{Route{Key: "ping", Integration: &Integration{Type: "HTTP_PROXY", URI: "https://example.com/ping"}}, "HTTP_PROXY", "https://example.com/ping"},
	} {
		if kind, target := c.r.Behind(); kind != c.kind || target != c.target {
			t.Errorf("%s: %q %q, want %q %q", c.r.Key, kind, target, c.kind, c.target)
		}
	}
	st := Stage{PerRoute: map[string]RouteSettings{"heartbeat": {}, "$connect": {}, "subscribe_order": {}}}
	if got := st.RouteKeys(); !slices.Equal(got, []string{"$connect", "heartbeat", "subscribe_order"}) {
		t.Errorf("route keys %v", got)
	}
}
