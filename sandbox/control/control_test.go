package control

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func newTestAPI(t testing.TB, preset string) *API {
	t.Helper()
	a, err := New(Options{
		Preset: preset, Stage: "dev", Endpoint: "ws://127.0.0.1:8787",
		RouteKeys: []string{"$connect", "$disconnect", "$default", "subscribe_order"},
		Created:   time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestNames: the Serverless names of each preset's Lambdas, and ids in
// AWS's shapes, the same for the same preset and stage.
func TestNames(t *testing.T) {
	for _, tc := range []struct{ preset, route, want string }{
		{"wizz", "$connect", "wizzuser-websocket-dev-connect"},
		{"wizz", "subscribe_business_status", "wizzuser-websocket-dev-subscribeBusinessStatus"},
		{"this27", "$default", "this27-websocket-dev-websocketDefault"},
	} {
		if got := presets[tc.preset].function("dev", tc.route); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.preset, tc.route, got, tc.want)
		}
	}
	id := APIID("wizz", "dev")
	if !regexp.MustCompile(`^[a-z0-9]{10}$`).MatchString(id) || id != newTestAPI(t, "wizz").ID() || id == APIID("wizz", "prod") || id == APIID("this27", "dev") {
		t.Fatalf("API id %q: want 10 lowercase alphanumerics, one per preset and stage", id)
	}
	if _, err := New(Options{Preset: "nope", Stage: "dev", Endpoint: "ws://x", RouteKeys: []string{"$connect"}}); err == nil {
		t.Fatal("an unknown preset was accepted")
	}
}

// TestPaging: maxResults pages every list, nextToken resumes it, and bad
// values are BadRequestException.
func TestPaging(t *testing.T) {
	a := newTestAPI(t, "wizz")
	get := func(query string) (int, string, pageJSON[routeJSON]) {
		r := httptest.NewRequest(http.MethodGet, "/v2/apis/"+a.ID()+"/routes?"+query, nil)
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
		w := httptest.NewRecorder()
		a.ServeHTTP(w, r)
		var page pageJSON[routeJSON]
		_ = json.Unmarshal(w.Body.Bytes(), &page)
		return w.Code, w.Header().Get("X-Amzn-ErrorType"), page
	}
	var keys []string
	query := "maxResults=3"
	for range 3 {
		code, _, page := get(query)
		if code != 200 {
			t.Fatalf("%s: %d", query, code)
		}
		for _, r := range page.Items {
			keys = append(keys, r.RouteKey)
		}
		if page.NextToken == "" {
			break
		}
		query = "maxResults=3&nextToken=" + url.QueryEscape(page.NextToken)
	}
	if got := strings.Join(keys, " "); got != "$connect $disconnect $default subscribe_order" {
		t.Fatalf("paged routes %q", got)
	}
	for _, q := range []string{"maxResults=0", "maxResults=x", "maxResults=501", "nextToken=zz", "nextToken=" + encodeToken(99)} {
		if code, typ, _ := get(q); code != 400 || typ != "BadRequestException" {
			t.Errorf("%s: %d %s, want 400 BadRequestException", q, code, typ)
		}
	}
}

// FuzzPaths: no path, method or query makes the API panic or answer
// anything but JSON with a status AWS uses.
func FuzzPaths(f *testing.F) {
	a := newTestAPI(f, "this27")
	for _, p := range []string{"/v2/apis", "/v2/apis/" + a.ID() + "/routes", "/v2/apis/" + a.ID() + "/integrations/x", "/v2/domainnames/a%2Fb/apimappings", "/v2/apis/%zz", "//v2//apis", "/v2/apis/" + a.ID() + "/stages/dev/"} {
		f.Add("GET", p, "maxResults=1&nextToken=b2Zmc2V0OjA")
	}
	f.Add("PATCH", "/v2/apis/x", "")
	f.Fuzz(func(t *testing.T, method, path, query string) {
		r, err := http.NewRequest(method, "http://sandbox/", nil)
		if err != nil {
			t.Skip()
		}
		r.URL.Path, r.URL.RawPath, r.URL.RawQuery = path, path, query
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
		w := httptest.NewRecorder()
		a.ServeHTTP(w, r)
		switch w.Code {
		case 200, 400, 404, 405:
		default:
			t.Fatalf("%s %q?%q: status %d", method, path, query, w.Code)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %q: body %q is not JSON", method, path, w.Body.String())
		}
		if w.Code != 200 && w.Header().Get("X-Amzn-ErrorType") == "" {
			t.Fatalf("%s %q: error %d without X-Amzn-ErrorType", method, path, w.Code)
		}
	})
}
