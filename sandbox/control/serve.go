package control

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"wsops/sandbox/awswire"
)

// maxPageSize bounds maxResults, as AWS does.
const maxPageSize = 500

// ServeHTTP answers apigatewayv2's read calls at their AWS paths (/v2/apis,
// /v2/apis/{apiId}/stages, …; mount the API under a prefix with
// http.StripPrefix). Unsigned requests get 403
// MissingAuthenticationTokenException; an unknown API, stage, route,
// integration or domain name 404 NotFoundException; a path the sandbox does
// not serve 404, and a write method on a path it serves 405.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-RequestId", awswire.RequestID())
	if !awswire.Signed(r) {
		writeError(w, http.StatusForbidden, "MissingAuthenticationTokenException", errorJSON{Message: "Missing Authentication Token"})
		return
	}
	seg, ok := segments(r.URL)
	if !ok || len(seg) < 2 || seg[0] != "v2" {
		a.unknownPath(w, r)
		return
	}
	op := a.route(seg)
	if op == nil {
		a.unknownPath(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowedException", errorJSON{Message: fmt.Sprintf(
			"The wsops sandbox's apigatewayv2 is read-only: %s %s is not supported (it answers GET only).", r.Method, clip(r.URL.EscapedPath()))})
		return
	}
	op(w, r.URL.Query())
}

// operation answers one GET with the request's query parameters.
type operation func(w http.ResponseWriter, q url.Values)

// route finds the operation for a path's segments (after /v2); nil when the
// sandbox serves no such path.
func (a *API) route(seg []string) operation {
	switch {
	case seg[1] == "apis" && len(seg) == 2:
		return func(w http.ResponseWriter, q url.Values) { writePage(w, q, []apiJSON{a.api}) }
	case seg[1] == "apis" && len(seg) >= 3 && seg[2] != a.api.APIID:
		return func(w http.ResponseWriter, _ url.Values) {
			writeNotFound(w, "Api", "Invalid API identifier specified "+AccountID+":"+seg[2])
		}
	case seg[1] == "apis":
		return a.apiOperation(seg[3:])
	case seg[1] == "domainnames" && len(seg) == 2:
		return func(w http.ResponseWriter, q url.Values) { writePage(w, q, []domainNameJSON{}) }
	case seg[1] == "domainnames" && (len(seg) == 3 || len(seg) == 4 && seg[3] == "apimappings"):
		// The sandbox has no custom domain: every name is unknown.
		return func(w http.ResponseWriter, _ url.Values) {
			writeNotFound(w, "DomainName", "Invalid domain name identifier specified")
		}
	}
	return nil
}

// apiOperation finds the operation on the API's sub-resources (the path
// after /v2/apis/{apiId}).
func (a *API) apiOperation(rest []string) operation {
	if len(rest) == 0 {
		return func(w http.ResponseWriter, _ url.Values) { writeJSON(w, http.StatusOK, a.api) }
	}
	if len(rest) > 2 {
		return nil
	}
	switch rest[0] {
	case "stages":
		return listOrGet(rest, []stageJSON{a.stage}, func(s stageJSON) string { return s.StageName }, "Stage", "Invalid stage identifier specified")
	case "routes":
		return listOrGet(rest, a.routes, func(r routeJSON) string { return r.RouteID }, "Route", "Invalid Route identifier specified")
	case "integrations":
		return listOrGet(rest, a.integrations, func(i integrationJSON) string { return i.IntegrationID }, "Integration", "Invalid Integration identifier specified")
	}
	return nil
}

// listOrGet answers a collection (rest has one segment: a page of items)
// or one of its items by id (two segments).
func listOrGet[T any](rest []string, items []T, id func(T) string, kind, notFound string) operation {
	if len(rest) == 1 {
		return func(w http.ResponseWriter, q url.Values) { writePage(w, q, items) }
	}
	return func(w http.ResponseWriter, _ url.Values) {
		for _, it := range items {
			if id(it) == rest[1] {
				writeJSON(w, http.StatusOK, it)
				return
			}
		}
		writeNotFound(w, kind, notFound)
	}
}

// writePage answers a page of items: maxResults of them (default all)
// from the offset nextToken carries.
func writePage[T any](w http.ResponseWriter, q url.Values, items []T) {
	size := len(items)
	if s := q.Get("maxResults"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPageSize {
			writeError(w, http.StatusBadRequest, "BadRequestException", errorJSON{Message: fmt.Sprintf("Invalid maxResults %q: expected an integer from 1 to %d", clip(s), maxPageSize)})
			return
		}
		size = n
	}
	from := 0
	if t := q.Get("nextToken"); t != "" {
		n, ok := decodeToken(t)
		if !ok || n > len(items) {
			writeError(w, http.StatusBadRequest, "BadRequestException", errorJSON{Message: "Invalid nextToken"})
			return
		}
		from = n
	}
	to := min(from+size, len(items))
	page := pageJSON[T]{Items: items[from:to]}
	if page.Items == nil {
		page.Items = []T{}
	}
	if to < len(items) {
		page.NextToken = encodeToken(to)
	}
	writeJSON(w, http.StatusOK, page)
}

func encodeToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

func decodeToken(t string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return 0, false
	}
	num, ok := strings.CutPrefix(string(raw), "offset:")
	n, err := strconv.Atoi(num)
	return n, ok && err == nil && n >= 0
}

// segments splits the request path into its unescaped segments, without
// a trailing empty one.
func segments(u *url.URL) ([]string, bool) {
	raw := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	out := make([]string, len(raw))
	for i, s := range raw {
		v, err := url.PathUnescape(s)
		if err != nil {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// unknownPath answers a path the sandbox does not serve.
func (a *API) unknownPath(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "NotFoundException", errorJSON{Message: fmt.Sprintf(
		"The wsops sandbox's apigatewayv2 does not serve %s %s; it serves GetApis, GetApi, GetStages, GetStage, GetRoutes, GetRoute, GetIntegrations, GetIntegration, GetDomainNames, GetDomainName and GetApiMappings.",
		r.Method, clip(r.URL.EscapedPath()))})
}

func writeNotFound(w http.ResponseWriter, resource, message string) {
	writeError(w, http.StatusNotFound, "NotFoundException", errorJSON{Message: message, ResourceType: resource})
}

// writeError answers an AWS REST-JSON error: the x-amzn-ErrorType header
// (which the SDK types the error by) and a {"message"} body.
func writeError(w http.ResponseWriter, status int, name string, body errorJSON) {
	w.Header().Set("X-Amzn-ErrorType", name)
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"Internal server error"}`)
		w.Header().Set("X-Amzn-ErrorType", "InternalServerErrorException")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// clip shortens a value a message quotes.
func clip(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}
