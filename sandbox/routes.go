package sandbox

import (
	"net/http"
	"net/url"
	"strings"

	"wsops/config"
)

// Path prefixes of the AWS APIs the sandbox serves on its listener besides
// the stage's: an SDK client whose BaseEndpoint is http://ADDR + prefix
// reaches them. A stage name is one path segment, so /{stage} and
// /{stage}/@connections/{id} never fall under them (even a stage named _aws).
const (
	// APIGatewayPath serves apigatewayv2's read calls (sandbox/control).
	APIGatewayPath = config.SandboxAPIGatewayPath
	// CloudWatchPath serves CloudWatch's GetMetricData (sandbox/metrics).
	CloudWatchPath = config.SandboxCloudWatchPath
	// LogsPath serves CloudWatch Logs (sandbox/cwlogs).
	LogsPath = config.SandboxLogsPath
)

// newHandler routes the listener's requests: the control-plane APIs under
// their prefixes, everything else to the stage.
func newHandler(stage, apigateway, cloudwatch, logs http.Handler) http.Handler {
	apigateway = stripPrefix(APIGatewayPath, apigateway)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		switch {
		case under(p, APIGatewayPath):
			apigateway.ServeHTTP(w, r)
		case under(p, CloudWatchPath):
			cloudwatch.ServeHTTP(w, r)
		case under(p, LogsPath):
			logs.ServeHTTP(w, r)
		default:
			stage.ServeHTTP(w, r)
		}
	})
}

func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// stripPrefix hands h the request with prefix cut from its (escaped) path,
// as http.StripPrefix does, but matching the escaped path, as the router does.
func stripPrefix(prefix string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.EscapedPath(), prefix)
		u := *r.URL
		u.RawPath = rest
		if p, err := url.PathUnescape(rest); err == nil {
			u.Path = p
		} else {
			u.Path, u.RawPath = rest, ""
		}
		r2 := new(http.Request)
		*r2 = *r
		r2.URL = &u
		h.ServeHTTP(w, r2)
	})
}
