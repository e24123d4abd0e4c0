package control

import (
	"crypto/sha256"
	"strings"
)

// AccountID is the AWS account the sandbox's ARNs name.
const AccountID = "000000000000"

// preset is how a reference system names its API and Lambdas (both are
// Serverless Framework services: ecosystems.md).
type preset struct {
	// apiName is the API's name on stage.
	apiName func(stage string) string
	// function is the Lambda behind a route on stage.
	function func(stage, routeKey string) string
}

// presets are the naming rules of the sandbox's presets.
var presets = map[string]preset{
	"wizz": {
		apiName: func(stage string) string { return "WizzUser-WebSocket-" + stage },
		function: func(stage, route string) string {
			return "wizzuser-websocket-" + stage + "-" + camel(route, false)
		},
	},
	"this27": {
		apiName: func(stage string) string { return "this27-websocket-" + stage },
		function: func(stage, route string) string {
			return "this27-websocket-" + stage + "-websocket" + camel(route, true)
		},
	},
}

// camel turns a route key into a Serverless function name's part:
// "$connect" → "connect" (or "Connect"), "subscribe_order" → "subscribeOrder".
func camel(route string, upperFirst bool) string {
	var b strings.Builder
	for i, word := range strings.FieldsFunc(route, func(r rune) bool { return r == '_' || r == '$' || r == '-' }) {
		if i > 0 || upperFirst {
			word = strings.ToUpper(word[:1]) + word[1:]
		}
		b.WriteString(word)
	}
	return b.String()
}

// APIID is the id the sandbox's API has for a preset and stage: 10
// lowercase alphanumerics, as AWS's, the same at every start.
func APIID(presetName, stage string) string { return shortID(10, "api", presetName, stage) }

// shortID derives an id of n lowercase alphanumerics (n <= 32) from parts.
func shortID(n int, parts ...string) string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(out)
}
