package data

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// MarshalValue writes an attribute value in DynamoDB's own JSON form
// ({"S":"x"}, {"N":"1"}, {"M":{…}}), which keeps its type exactly, unlike
// PlainItem. nil marshals as JSON null (no value: the attribute is absent).
func MarshalValue(v types.AttributeValue) (json.RawMessage, error) {
	w, err := wireOf(v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(w)
}

// UnmarshalValue reads what MarshalValue wrote; JSON null gives nil.
func UnmarshalValue(raw json.RawMessage) (types.AttributeValue, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var w map[string]json.RawMessage
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("attribute value: %w", err)
	}
	return valueOf(w)
}

// MarshalItem writes an item in DynamoDB's JSON form.
func MarshalItem(item Item) (json.RawMessage, error) {
	if item == nil {
		return json.RawMessage("null"), nil
	}
	out := make(map[string]any, len(item))
	for k, v := range item {
		w, err := wireOf(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = w
	}
	return json.Marshal(out)
}

// UnmarshalItem reads what MarshalItem wrote; JSON null gives nil.
func UnmarshalItem(raw json.RawMessage) (Item, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("item: %w", err)
	}
	item := make(Item, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v, err := UnmarshalValue(m[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if v == nil {
			return nil, fmt.Errorf("%s: null is not an attribute value", k)
		}
		item[k] = v
	}
	return item, nil
}

// wireOf is v as the JSON value DynamoDB's wire protocol uses.
func wireOf(v types.AttributeValue) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case *types.AttributeValueMemberS:
		return map[string]string{"S": v.Value}, nil
	case *types.AttributeValueMemberN:
		return map[string]string{"N": v.Value}, nil
	case *types.AttributeValueMemberB:
		return map[string][]byte{"B": v.Value}, nil
	case *types.AttributeValueMemberBOOL:
		return map[string]bool{"BOOL": v.Value}, nil
	case *types.AttributeValueMemberNULL:
		return map[string]bool{"NULL": true}, nil
	case *types.AttributeValueMemberSS:
		return map[string][]string{"SS": v.Value}, nil
	case *types.AttributeValueMemberNS:
		return map[string][]string{"NS": v.Value}, nil
	case *types.AttributeValueMemberBS:
		return map[string][][]byte{"BS": v.Value}, nil
	case *types.AttributeValueMemberL:
		list := make([]any, len(v.Value))
		for i, e := range v.Value {
			w, err := wireOf(e)
			if err != nil {
				return nil, err
			}
			list[i] = w
		}
		return map[string][]any{"L": list}, nil
	case *types.AttributeValueMemberM:
		m := make(map[string]any, len(v.Value))
		for k, e := range v.Value {
			w, err := wireOf(e)
			if err != nil {
				return nil, err
			}
			m[k] = w
		}
		return map[string]map[string]any{"M": m}, nil
	}
	return nil, fmt.Errorf("attribute value of type %T", v)
}

// valueOf reads one {"TYPE": value} object.
func valueOf(w map[string]json.RawMessage) (types.AttributeValue, error) {
	if len(w) != 1 {
		return nil, fmt.Errorf("attribute value: want one type key, got %d", len(w))
	}
	for typ, raw := range w {
		return decodeTyped(typ, raw)
	}
	panic("unreachable")
}

func decodeTyped(typ string, raw json.RawMessage) (types.AttributeValue, error) {
	var err error
	into := func(v any) { err = json.Unmarshal(raw, v) }
	var v types.AttributeValue
	switch typ {
	case "S":
		m := &types.AttributeValueMemberS{}
		into(&m.Value)
		v = m
	case "N":
		m := &types.AttributeValueMemberN{}
		into(&m.Value)
		v = m
	case "B":
		m := &types.AttributeValueMemberB{}
		into(&m.Value)
		v = m
	case "BOOL":
		m := &types.AttributeValueMemberBOOL{}
		into(&m.Value)
		v = m
	case "NULL":
		v = &types.AttributeValueMemberNULL{Value: true}
	case "SS":
		m := &types.AttributeValueMemberSS{}
		into(&m.Value)
		v = m
	case "NS":
		m := &types.AttributeValueMemberNS{}
		into(&m.Value)
		v = m
	case "BS":
		m := &types.AttributeValueMemberBS{}
		into(&m.Value)
		v = m
	case "L":
		var list []map[string]json.RawMessage
		into(&list)
		l := &types.AttributeValueMemberL{Value: make([]types.AttributeValue, len(list))}
		for i := 0; err == nil && i < len(list); i++ {
			l.Value[i], err = valueOf(list[i])
		}
		v = l
	case "M":
		var m map[string]json.RawMessage
		into(&m)
		if err == nil {
			var item Item
			item, err = UnmarshalItem(mustJSON(m))
			v = &types.AttributeValueMemberM{Value: item}
		}
	default:
		return nil, fmt.Errorf("attribute value: unknown type %q", typ)
	}
	if err != nil {
		return nil, fmt.Errorf("attribute value %s: %w", typ, err)
	}
	return v, nil
}

func mustJSON(m map[string]json.RawMessage) json.RawMessage {
	b, _ := json.Marshal(m) // re-marshalling raw messages cannot fail
	return b
}

// EqualValues reports whether two attribute values are the same value of the
// same type (numbers compare as written; sets in order). nil equals only nil.
func EqualValues(a, b types.AttributeValue) bool {
	wa, errA := MarshalValue(a)
	wb, errB := MarshalValue(b)
	return errA == nil && errB == nil && string(wa) == string(wb)
}
