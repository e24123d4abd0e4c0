package apigw

import (
	"net"
	"net/url"
	"strings"
)

// WebSocketURL is the URL clients of stage connect to: endpoint (an API's
// endpoint, no stage) in the ws(s) scheme with the stage as its path. AWS
// gives wss:// endpoints; some emulators give https:// (moto) or ws://.
func WebSocketURL(endpoint, stage string) string {
	base := strings.TrimRight(endpoint, "/")
	switch {
	case strings.HasPrefix(base, "https://"):
		base = "wss://" + strings.TrimPrefix(base, "https://")
	case strings.HasPrefix(base, "http://"):
		base = "ws://" + strings.TrimPrefix(base, "http://")
	}
	return base + "/" + url.PathEscape(stage)
}

// ManagementURL is the @connections API of an API's stage. For an API on
// AWS it is https://ID.execute-api.REGION.amazonaws.com/STAGE whatever
// the endpoint clients use; for an endpoint elsewhere (the sandbox, an
// emulator) it is that endpoint in the http(s) scheme with the stage.
func ManagementURL(endpoint, stage string) string {
	ws := WebSocketURL(endpoint, stage)
	if rest, ok := strings.CutPrefix(ws, "wss://"); ok {
		return "https://" + rest
	}
	return "http://" + strings.TrimPrefix(ws, "ws://")
}

// ExecuteAPIURL is the management URL of stage of API id in region, the
// only host on which API Gateway serves @connections.
func ExecuteAPIURL(id, region, stage string) string {
	return "https://" + id + ".execute-api." + region + ".amazonaws.com/" + url.PathEscape(stage)
}

// IsExecuteAPIHost reports whether rawURL's host is an API's own
// execute-api host (ID.execute-api.REGION.amazonaws.com[.cn]).
func IsExecuteAPIHost(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	parts := strings.Split(u.Hostname(), ".")
	return len(parts) >= 5 && parts[1] == "execute-api" && parts[3] == "amazonaws"
}

// IsLocalHost reports whether rawURL's host is a loopback address or
// localhost: a sandbox or an emulator, never a custom domain.
func IsLocalHost(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// MayBeCustomDomain reports whether rawURL could be on a custom domain:
// neither an execute-api host nor a local one.
func MayBeCustomDomain(rawURL string) bool {
	return !IsExecuteAPIHost(rawURL) && !IsLocalHost(rawURL)
}

// lambdaFunction is the function name in a Lambda integration URI
// (arn:aws:apigateway:R:lambda:path/2015-03-31/functions/arn:aws:lambda:R:A:function:NAME[:ALIAS]/invocations)
// or a bare function ARN, else "".
func lambdaFunction(uri string) string {
	_, rest, ok := strings.Cut(uri, ":function:")
	if !ok {
		return ""
	}
	rest, _, _ = strings.Cut(rest, "/")
	name, _, _ := strings.Cut(rest, ":")
	return name
}
