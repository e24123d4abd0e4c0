package data

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// AppendPlainJSON writes exactly what json.Marshal(PlainItem(item)) writes,
// for every kind of attribute value and every string that needs escaping.
func TestAppendPlainJSONMatchesMarshal(t *testing.T) {
	tricky := []string{"", "plain", `quote " and \ backslash`, "<script>&amp;", "tab\tnew\nline\x00\x1b[2J",
		"é ü 漢字 😀", "line\u2028sep\u2029", "bad \xff utf8", "\x7f del"}
	items := []Item{nil, {}}
	for _, s := range tricky {
		items = append(items, Item{s: &types.AttributeValueMemberS{Value: s}, "k": &types.AttributeValueMemberS{Value: s}})
	}
	items = append(items, Item{
		"n":     &types.AttributeValueMemberN{Value: "1732270000123"},
		"big":   &types.AttributeValueMemberN{Value: "123456789012345678901234567890.5e-3"},
		"notN":  &types.AttributeValueMemberN{Value: "12abc"},
		"t":     &types.AttributeValueMemberBOOL{Value: true},
		"f":     &types.AttributeValueMemberBOOL{Value: false},
		"null":  &types.AttributeValueMemberNULL{Value: true},
		"bin":   &types.AttributeValueMemberB{Value: []byte{0, 1, 2, 250}},
		"nobin": &types.AttributeValueMemberB{},
		"ss":    &types.AttributeValueMemberSS{Value: []string{"a", "<b>"}},
		"ns":    &types.AttributeValueMemberNS{Value: []string{"1", "x"}},
		"bs":    &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
		"list":  &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "&"}, &types.AttributeValueMemberN{Value: "2"}}},
		"map": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"z": &types.AttributeValueMemberS{Value: "last"}, "a": &types.AttributeValueMemberN{Value: "-0.5"},
			"inner": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
		}},
	})
	for _, item := range items {
		want, err := json.Marshal(PlainItem(item))
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendPlainJSON(nil, item); string(got) != string(want) {
			t.Errorf("AppendPlainJSON:\n got %s\nwant %s", got, want)
		}
	}
	for _, s := range tricky {
		want, _ := json.Marshal(s)
		if got := AppendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("AppendJSONString(%q) = %s, want x%s", s, got, want)
		}
	}
}
