package data_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
)

// itemFrom builds a DynamoDB item out of fuzz bytes: each schema attribute
// (and a few others) gets a value of a type the bytes choose — any of the ten
// DynamoDB types, nested up to the bytes' length.
type itemFrom struct{ b []byte }

func (f *itemFrom) next() byte {
	if len(f.b) == 0 {
		return 0
	}
	c := f.b[0]
	f.b = f.b[1:]
	return c
}

func (f *itemFrom) text() string {
	n := int(f.next()) % 24
	n = min(n, len(f.b))
	s := string(f.b[:n])
	f.b = f.b[n:]
	return s
}

func (f *itemFrom) value(depth int) types.AttributeValue {
	switch k := f.next() % 10; {
	case k == 0:
		return &types.AttributeValueMemberS{Value: f.text()}
	case k == 1:
		return &types.AttributeValueMemberN{Value: f.text()}
	case k == 2:
		return &types.AttributeValueMemberB{Value: []byte(f.text())}
	case k == 3:
		return &types.AttributeValueMemberBOOL{Value: f.next()%2 == 0}
	case k == 4:
		return &types.AttributeValueMemberNULL{Value: true}
	case k == 5:
		return &types.AttributeValueMemberSS{Value: []string{f.text(), f.text()}}
	case k == 6:
		return &types.AttributeValueMemberNS{Value: []string{f.text()}}
	case k == 7:
		return &types.AttributeValueMemberBS{Value: [][]byte{[]byte(f.text())}}
	case k == 8 && depth < 40:
		return &types.AttributeValueMemberL{Value: []types.AttributeValue{f.value(depth + 1), f.value(depth + 1)}}
	case depth < 40:
		return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{f.text(): f.value(depth + 1)}}
	}
	return &types.AttributeValueMemberS{Value: f.text()}
}

// FuzzDecodeItem decodes items of any shape with both presets' schemas, as
// connections and as subscriptions: decoding never panics and never drops a
// row or an attribute, a mistyped or missing key attribute is a problem (not
// a crash), and the raw item always renders as JSON.
func FuzzDecodeItem(f *testing.F) {
	f.Add([]byte{0, 5, 'L', '0', 'S', 'M', '=', 0, 1, 'u'})
	f.Add([]byte{1, 3, '1', 'e', '9', 9, 9, 9, 9, 2, 'k', 'k'})
	f.Add([]byte{8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8})
	f.Add([]byte{5, 0, 0, 6, 3, 'N', 'a', 'N', 7, 0, 3, 1, 4, 2, 0})
	schemas := []data.Schema{data.WizzSchema(), data.This27Schema()}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, s := range schemas {
			src := &itemFrom{b: b}
			names := []string{s.Connections.Attrs.ID, s.Connections.Attrs.User, s.Connections.Attrs.App, s.Connections.Attrs.EntityType,
				s.Connections.Attrs.ConnectedAt, s.Connections.Attrs.TTL, s.Subscriptions.Attrs.Key, "extra"}
			item := data.Item{}
			for _, name := range names {
				if name != "" && src.next()%4 != 0 {
					item[name] = src.value(0)
				}
			}
			c := s.DecodeConnection(item, now)
			if len(c.Item) != len(item) {
				t.Fatalf("connection lost attributes: %d of %d", len(c.Item), len(item))
			}
			if _, isString := item[s.Connections.Attrs.ID].(*types.AttributeValueMemberS); !isString && len(c.Problems) == 0 {
				t.Fatalf("connection with id %T decoded with no problem", item[s.Connections.Attrs.ID])
			}
			sub := s.DecodeSubscription(item, now)
			if len(sub.Item) != len(item) {
				t.Fatalf("subscription lost attributes")
			}
			out, err := json.Marshal(data.PlainItem(item))
			if err != nil || !json.Valid(out) {
				t.Fatalf("raw item does not render as JSON: %v", err)
			}
			if slices.Contains(c.Problems, "") {
				t.Fatalf("an empty problem: %q", c.Problems)
			}
		}
	})
}
