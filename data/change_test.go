package data_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
)

func TestUpdateReturnsTheRecordBeforeTheWrite(t *testing.T) {
	eachBackend(t, data.WizzSchema(), func(t *testing.T, f fixture) {
		c := f.conn(1, "m1", "order-receiver")
		c.EntityType = "customer"
		f.putConns(t, c)
		reg := f.registry(1)
		key := data.Item{"connectionId": &types.AttributeValueMemberS{Value: c.ID}}
		before, err := reg.Update(context.Background(), data.Change{Key: key, Attribute: "entityType",
			Old: &types.AttributeValueMemberS{Value: "customer"}, New: &types.AttributeValueMemberS{Value: "merchant"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := before["entityType"]; !data.EqualValues(got, &types.AttributeValueMemberS{Value: "customer"}) || before["userId"] == nil {
			t.Fatalf("before image %v: want the whole record with entityType customer", data.PlainItem(before))
		}
	})
}

func TestCreateAndDeleteUnchangedAreConditional(t *testing.T) {
	eachBackend(t, data.WizzSchema(), func(t *testing.T, f fixture) {
		reg := f.registry(1)
		ctx := context.Background()
		s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
		item := data.Item{"connectionId": s("c1"), "subscriptionKey": s("business_status#b1"), "userId": s("m1"),
			"isActive": &types.AttributeValueMemberBOOL{Value: true}}
		if err := reg.Create(ctx, true, item); err != nil {
			t.Fatalf("create: %v", err)
		}
		other := data.Item{"connectionId": s("c1"), "subscriptionKey": s("business_status#b1"), "userId": s("someone-else")}
		if err := reg.Create(ctx, true, other); !errors.Is(err, data.ErrConflict) {
			t.Fatalf("create over an existing record: %v, want ErrConflict", err)
		}
		// Someone flips isActive: the record no longer holds what was created.
		key := reg.KeyOf(true, item)
		if _, err := reg.Update(ctx, data.Change{Subscriptions: true, Key: key, Attribute: "isActive",
			Old: &types.AttributeValueMemberBOOL{Value: true}, New: &types.AttributeValueMemberBOOL{Value: false}}); err != nil {
			t.Fatal(err)
		}
		if err := reg.DeleteUnchanged(ctx, true, item); !errors.Is(err, data.ErrConflict) {
			t.Fatalf("delete of a changed record: %v, want ErrConflict", err)
		}
		got, err := reg.Record(ctx, true, key)
		if err != nil || !data.EqualValues(got["userId"], s("m1")) {
			t.Fatalf("after the refused delete: %v, %v; want the record kept", data.PlainItem(got), err)
		}
		if err := reg.DeleteUnchanged(ctx, true, got); err != nil {
			t.Fatalf("delete of an unchanged record: %v", err)
		}
		if _, err := reg.Record(ctx, true, key); !errors.Is(err, data.ErrNotFound) {
			t.Fatalf("after delete: %v, want ErrNotFound", err)
		}
	})
}

func TestWireValuesRoundTrip(t *testing.T) {
	item := data.Item{
		"s":    &types.AttributeValueMemberS{Value: "x\x1b[2J"},
		"n":    &types.AttributeValueMemberN{Value: "12345678901234567890123456789012345678"},
		"b":    &types.AttributeValueMemberB{Value: []byte{0, 1, 2}},
		"bool": &types.AttributeValueMemberBOOL{Value: false},
		"null": &types.AttributeValueMemberNULL{Value: true},
		"ss":   &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"ns":   &types.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
		"bs":   &types.AttributeValueMemberBS{Value: [][]byte{{9}}},
		"l":    &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "in"}}},
		"m":    &types.AttributeValueMemberM{Value: data.Item{"deep": &types.AttributeValueMemberN{Value: "1"}}},
	}
	raw, err := data.MarshalItem(item)
	if err != nil {
		t.Fatal(err)
	}
	back, err := data.UnmarshalItem(raw)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range item {
		if !data.EqualValues(v, back[k]) {
			t.Errorf("%s: %v → %s → %v", k, v, raw, back[k])
		}
	}
	if len(back) != len(item) {
		t.Errorf("round trip has %d attributes, want %d", len(back), len(item))
	}
	if data.EqualValues(&types.AttributeValueMemberS{Value: "1"}, &types.AttributeValueMemberN{Value: "1"}) {
		t.Error("S 1 equals N 1: types must differ")
	}
	for _, bad := range []string{`{"S":1}`, `{"X":"y"}`, `{"S":"a","N":"1"}`, `[1]`} {
		if _, err := data.UnmarshalValue([]byte(bad)); err == nil {
			t.Errorf("UnmarshalValue(%s): no error", bad)
		}
	}
}
