package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// exampleWebSocketURL shows the expected shape of websocket_url.
const exampleWebSocketURL = "wss://API_ID.execute-api.REGION.amazonaws.com/STAGE"

// checkStageURL validates a URL whose path is the API stage (websocket_url,
// management_url) and returns it without a trailing slash. schemes are the
// accepted schemes. Messages never repeat the URL, which could hold a secret.
func checkStageURL(raw string, schemes ...string) (string, error) {
	u, err := checkURL(raw, schemes...)
	if err != nil {
		return "", err
	}
	if strings.Trim(u.Path, "/") == "" {
		return "", fmt.Errorf("expected the stage as the URL path, as in %s; the path is empty", exampleWebSocketURL)
	}
	return strings.TrimRight(raw, "/"), nil
}

// checkEndpointURL validates an http(s) endpoint such as dynamodb_url.
func checkEndpointURL(raw string) (string, error) {
	if _, err := checkURL(raw, "http", "https"); err != nil {
		return "", err
	}
	return strings.TrimRight(raw, "/"), nil
}

// checkURL parses raw and checks its scheme and host, and that it carries no
// credentials, query or fragment.
func checkURL(raw string, schemes ...string) (*url.URL, error) {
	want := strings.Join(schemes, ":// or ") + "://"
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("expected a %s URL; it does not parse", want)
	case !slices.Contains(schemes, u.Scheme):
		return nil, fmt.Errorf("expected a %s URL, got scheme %q", want, u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("expected a %s URL with a host", want)
	case u.User != nil:
		return nil, fmt.Errorf("expected a URL without user or password; credentials do not belong in URLs")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("expected a URL without a query string (the test client takes --query)")
	case u.Fragment != "":
		return nil, fmt.Errorf("expected a URL without a #fragment")
	}
	return u, nil
}

// managementURLFor derives the management API base from a WebSocket URL:
// wss://host/stage → https://host/stage, ws:// → http://.
func managementURLFor(webSocketURL string) string {
	if rest, ok := strings.CutPrefix(webSocketURL, "wss://"); ok {
		return "https://" + rest
	}
	if rest, ok := strings.CutPrefix(webSocketURL, "ws://"); ok {
		return "http://" + rest
	}
	return ""
}

// executeAPIRegion returns the region in an API Gateway host name
// (ID.execute-api.REGION.amazonaws.com), or "".
func executeAPIRegion(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	parts := strings.Split(u.Hostname(), ".")
	if len(parts) >= 4 && parts[1] == "execute-api" && strings.HasPrefix(strings.Join(parts[3:], "."), "amazonaws.") {
		return parts[2]
	}
	return ""
}

// executeAPIID returns the API id in an API Gateway host name
// (ID.execute-api.REGION.amazonaws.com), or "".
func executeAPIID(rawURL string) string {
	if executeAPIRegion(rawURL) == "" {
		return ""
	}
	u, _ := url.Parse(rawURL)
	id, _, _ := strings.Cut(u.Hostname(), ".")
	return id
}

// isRegion reports whether s is shaped like an AWS region (us-east-1,
// ap-south-1, us-gov-west-1).
func isRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || len(parts[0]) != 2 {
		return false
	}
	for _, p := range parts[:len(parts)-1] {
		if p == "" || strings.Trim(p, "abcdefghijklmnopqrstuvwxyz") != "" {
			return false
		}
	}
	last := parts[len(parts)-1]
	return last != "" && strings.Trim(last, "0123456789") == ""
}
