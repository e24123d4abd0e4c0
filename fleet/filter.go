// The filter language typed after `/` in the console (and given to the
// headless commands): free words plus key:value tokens.
//
//	timeout app:drivers user:"driver 42" business:biz-091 is:stale
//	status:5xx route:$connect timeout
//
// Tokens are separated by white space. A value, or a whole free word, may be
// double-quoted to hold spaces, quotes (\") or backslashes (\\). Free words
// match case-insensitively as substrings; token values match exactly, as the
// registry matches them when a token is pushed down to DynamoDB (Select).

package fleet

import (
	"strings"

	"wsops/data"
)

// Query is a parsed filter. The zero Query matches everything.
type Query struct {
	// Words are the free words, lower-cased: each must occur, as a
	// case-insensitive substring, in one of the row's searchable fields.
	Words []string
	// App, Entity, User, Platform, Topic and Business must equal the row's
	// value when set (app:, entity:, user:, platform:, topic:, business:).
	App, Entity, User, Platform, Topic, Business string
	// Stale keeps rows that are stale (is:stale): too old, TTL expired, or
	// reported gone by a probe.
	Stale bool
	// Problem keeps rows with at least one problem (is:problem).
	Problem bool
	// Gone keeps rows a probe found gone (is:gone).
	Gone bool
	// Route and Status filter log lines (route:, status:): the route key
	// of the line's request ($connect, heartbeat…), and its status, a code
	// (403) or a class (5xx). The registry's rows carry neither: the views
	// that list them ignore both.
	Route, Status string
}

// Empty reports whether q matches everything.
func (q Query) Empty() bool {
	return len(q.Words) == 0 && q.App == "" && q.Entity == "" && q.User == "" &&
		q.Platform == "" && q.Topic == "" && q.Business == "" && !q.Stale && !q.Problem && !q.Gone &&
		q.Route == "" && q.Status == ""
}

// Registry is q without what only log lines carry (route:, status:) and
// without its free words: what selects connections of the registry.
func (q Query) Registry() Query {
	q.Words, q.Route, q.Status = nil, "", ""
	return q
}

// Select is the part of q that DynamoDB can serve: the key:value tokens. Free
// words and is: tokens are applied in memory only.
func (q Query) Select() data.Select {
	return data.Select{App: q.App, EntityType: q.Entity, User: q.User, Platform: q.Platform, Topic: q.Topic, BusinessID: q.Business}
}

// Keys of the key:value tokens, in the order String writes them.
const (
	KeyApp      = "app"
	KeyEntity   = "entity"
	KeyUser     = "user"
	KeyPlatform = "platform"
	KeyTopic    = "topic"
	KeyBusiness = "business"
	KeyRoute    = "route"
	KeyStatus   = "status"
	KeyIs       = "is"
)

// Values of the is: token.
const (
	IsStale   = "stale"
	IsProblem = "problem"
	IsGone    = "gone"
)

// valueField returns the field of q that a key:value token sets, or nil when
// key is not a value key.
func (q *Query) valueField(key string) *string {
	switch key {
	case KeyApp:
		return &q.App
	case KeyEntity:
		return &q.Entity
	case KeyUser:
		return &q.User
	case KeyPlatform:
		return &q.Platform
	case KeyTopic:
		return &q.Topic
	case KeyBusiness:
		return &q.Business
	case KeyRoute:
		return &q.Route
	case KeyStatus:
		return &q.Status
	}
	return nil
}

// flagField returns the flag of q that an is: value sets, or nil.
func (q *Query) flagField(value string) *bool {
	switch value {
	case IsStale:
		return &q.Stale
	case IsProblem:
		return &q.Problem
	case IsGone:
		return &q.Gone
	}
	return nil
}

// Parse reads a filter. Errors are *SyntaxError values naming the offending
// token and where it starts: an unknown key or is: value, a key given twice,
// a key without a value, an unterminated quote.
func Parse(s string) (Query, error) {
	var q Query
	seen := map[string]bool{}
	lx := lexer{src: s}
	for {
		tok, ok, err := lx.next()
		if err != nil {
			return Query{}, err
		}
		if !ok {
			return q, nil
		}
		if !tok.hasKey {
			if tok.value != "" {
				q.Words = append(q.Words, strings.ToLower(tok.value))
			}
			continue
		}
		if err := q.apply(tok, seen, s); err != nil {
			return Query{}, err
		}
	}
}

// apply sets the field of q that a key:value token names.
func (q *Query) apply(tok token, seen map[string]bool, src string) error {
	key := strings.ToLower(tok.key)
	fail := func(format string, args ...any) error { return newSyntaxError(src, tok, format, args...) }
	if tok.value == "" {
		return fail("%s: needs a value", key)
	}
	if key == KeyIs {
		value := strings.ToLower(tok.value)
		flag := q.flagField(value)
		if flag == nil {
			return fail("unknown is:%s (want is:%s, is:%s or is:%s)", tok.value, IsStale, IsProblem, IsGone)
		}
		*flag = true
		return nil
	}
	field := q.valueField(key)
	if field == nil {
		return fail("unknown key %s: (want app:, entity:, user:, platform:, topic:, business:, route:, status: or is:; quote a word that holds a colon)", tok.key)
	}
	if seen[key] {
		return fail("%s: given twice (a row has one %s)", key, key)
	}
	if key == KeyStatus && !IsStatus(tok.value) {
		return fail("status:%s: want a code (403) or a class (5xx)", tok.value)
	}
	seen[key] = true
	*field = tok.value
	return nil
}

// IsStatus reports whether s is an HTTP status code (403) or class (5xx,
// 4XX), as status: takes.
func IsStatus(s string) bool {
	if len(s) != 3 || s[0] < '1' || s[0] > '5' {
		return false
	}
	rest := strings.ToLower(s[1:])
	if rest == "xx" {
		return true
	}
	return rest[0] >= '0' && rest[0] <= '9' && rest[1] >= '0' && rest[1] <= '9'
}
