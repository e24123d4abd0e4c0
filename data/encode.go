package data

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// EncodeConnection builds the item the schema stores for c. Empty strings and
// zero times are left out, as the reference backends leave them out.
func (s Schema) EncodeConnection(c Connection) Item {
	a := s.Connections.Attrs
	item := Item{}
	putS(item, a.ID, c.ID)
	putS(item, a.User, c.User)
	putS(item, a.EntityType, c.EntityType)
	putS(item, a.App, c.App)
	putS(item, a.Platform, c.Platform)
	putS(item, a.SourceIP, c.SourceIP)
	putS(item, a.UserAgent, c.UserAgent)
	putS(item, a.BusinessID, c.BusinessID)
	putTime(item, a.ConnectedAt, c.ConnectedAt, s.Connections.TimeFormat)
	putTime(item, a.LastSeenAt, c.LastSeenAt, s.Connections.TimeFormat)
	putSeconds(item, a.TTL, c.TTL)
	return item
}

// EncodeSubscription builds the item the schema stores for sub.
func (s Schema) EncodeSubscription(sub Subscription) Item {
	a := s.Subscriptions.Attrs
	item := Item{}
	putS(item, a.ConnectionID, sub.ConnectionID)
	putS(item, a.Key, sub.Key)
	putS(item, a.User, sub.User)
	putS(item, a.EntityType, sub.EntityType)
	if a.Active != "" {
		item[a.Active] = &types.AttributeValueMemberBOOL{Value: sub.Active}
	}
	putTime(item, a.CreatedAt, sub.CreatedAt, s.Subscriptions.TimeFormat)
	putSeconds(item, a.TTL, sub.TTL)
	return item
}

func putS(item Item, name, v string) {
	if name != "" && v != "" {
		item[name] = &types.AttributeValueMemberS{Value: v}
	}
}

func putTime(item Item, name string, t time.Time, f TimeFormat) {
	if name == "" || t.IsZero() {
		return
	}
	if f == ISO8601 || f == Date {
		item[name] = &types.AttributeValueMemberS{Value: t.UTC().Format("2006-01-02T15:04:05.000Z07:00")}
		return
	}
	item[name] = &types.AttributeValueMemberN{Value: strconv.FormatInt(t.UnixMilli(), 10)}
}

func putSeconds(item Item, name string, t time.Time) {
	if name != "" && !t.IsZero() {
		item[name] = &types.AttributeValueMemberN{Value: strconv.FormatInt(t.Unix(), 10)}
	}
}

// PlainItem converts a raw item to plain JSON values: numbers stay exact
// (json.Number), binary becomes base64 (encoding/json's []byte encoding), sets
// become arrays. Nothing is dropped.
func PlainItem(item Item) map[string]any {
	out := make(map[string]any, len(item))
	for k, v := range item {
		out[k] = PlainValue(v)
	}
	return out
}

// PlainValue is one attribute value as PlainItem converts it; nil (no
// value) is nil.
func PlainValue(v types.AttributeValue) any {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return plainNumber(v.Value)
	case *types.AttributeValueMemberB:
		return v.Value
	case *types.AttributeValueMemberBOOL:
		return v.Value
	case *types.AttributeValueMemberNULL:
		return nil
	case *types.AttributeValueMemberM:
		return PlainItem(v.Value)
	case *types.AttributeValueMemberL:
		list := make([]any, len(v.Value))
		for i, e := range v.Value {
			list[i] = PlainValue(e)
		}
		return list
	case *types.AttributeValueMemberSS:
		return v.Value
	case *types.AttributeValueMemberNS:
		nums := make([]any, len(v.Value))
		for i, n := range v.Value {
			nums[i] = plainNumber(n)
		}
		return nums
	case *types.AttributeValueMemberBS:
		return v.Value
	}
	return nil
}

// plainNumber keeps a number's exact digits; text that is not a JSON number
// (only a non-conforming endpoint sends that) stays a string rather than
// breaking the whole output.
func plainNumber(n string) any {
	if isJSONNumber(n) {
		return json.Number(n)
	}
	return n
}

// isJSONNumber matches -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	i := 0
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
