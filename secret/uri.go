package secret

import (
	"strings"
)

// URIMask is what stands for a password in a redacted URI.
const URIMask = "****"

// sessionTokenKey precedes an AWS session token inside a MongoDB URI's
// authMechanismProperties.
const sessionTokenKey = "AWS_SESSION_TOKEN:"

// RedactURI returns uri safe to print: the password of its user
// information replaced by ****, as in
// "mongodb+srv://user:****@cluster0.example.net/this27", and an AWS session
// token in its options too. The user name, hosts, path and other options
// stay. A URI without a password is returned as it is. The user
// information ends at the URI's last "@", so a password holding an
// unescaped "/", "?" or "@" is hidden whole; an "@" after the host hides
// more than the password, never less.
func RedactURI(uri string) string {
	user, pass, rest, ok := splitUserInfo(uri)
	if ok && pass != "" {
		uri = user + ":" + URIMask + "@" + rest
	}
	return redactSessionToken(uri)
}

// URIPassword returns the password in uri's user information as written
// (still percent-encoded), or "" when there is none.
func URIPassword(uri string) string {
	_, pass, _, _ := splitUserInfo(uri)
	return pass
}

// splitUserInfo splits scheme://user:pass@rest into "scheme://user",
// "pass" and "rest"; ok is false when uri has no user information.
func splitUserInfo(uri string) (user, pass, rest string, ok bool) {
	i := strings.Index(uri, "://")
	if i < 0 {
		return "", "", "", false
	}
	authority := uri[i+3:]
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return "", "", "", false
	}
	info := authority[:at]
	name, pass, _ := strings.Cut(info, ":")
	return uri[:i+3] + name, pass, authority[at+1:], true
}

// redactSessionToken hides the value of AWS_SESSION_TOKEN: in a URI's
// options, up to the next "," or "&".
func redactSessionToken(uri string) string {
	i := strings.Index(uri, sessionTokenKey)
	if i < 0 {
		return uri
	}
	start := i + len(sessionTokenKey)
	end := strings.IndexAny(uri[start:], ",&")
	if end < 0 {
		end = len(uri) - start
	}
	if end == 0 {
		return uri
	}
	return uri[:start] + URIMask + redactSessionToken(uri[start+end:])
}

// ScrubURIs returns text with the password of every URI in it redacted
// (RedactURI): a URI runs from its scheme to the next white space or quote.
func ScrubURIs(text string) string {
	if !strings.Contains(text, "://") {
		return text
	}
	var b strings.Builder
	for text != "" {
		i := strings.Index(text, "://")
		if i < 0 {
			b.WriteString(text)
			break
		}
		start := i
		for start > 0 && isSchemeChar(text[start-1]) {
			start--
		}
		end := i + 3
		for end < len(text) && !isURIEnd(text[end]) {
			end++
		}
		b.WriteString(text[:start])
		b.WriteString(RedactURI(text[start:end]))
		text = text[end:]
	}
	return b.String()
}

// isSchemeChar reports whether c can be part of a URI scheme.
func isSchemeChar(c byte) bool { return isAlnum(c) || c == '+' || c == '-' || c == '.' }

// isURIEnd reports whether c ends a URI in free text.
func isURIEnd(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\'' || c == '`' || c == '<' || c == '>'
}
