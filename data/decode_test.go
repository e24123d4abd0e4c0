package data_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
)

func S(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func N(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func TestDecodeThis27ReadsISOTimesAndRoles(t *testing.T) {
	s := data.This27Schema()
	c := s.DecodeConnection(data.Item{
		"connectionId": S("L0SM9cOFvHcCIhw="), "userId": S("r1"), "role": S("customer"),
		"app": S("rider-app"), "platform": S("android"), "connectedAt": S("2026-11-22T09:59:00.000Z"),
	}, now)
	if c.ConnectedAt != now.Add(-time.Minute) || c.EntityType != "customer" {
		t.Fatalf("decoded %+v", c)
	}
	if want := `role "customer" but app rider-app`; strings.Join(c.Problems, ";") != want {
		t.Fatalf("problems %q, want %q", c.Problems, want)
	}
	// The other encoding is read, and flagged.
	c = s.DecodeConnection(data.Item{"connectionId": S("x"), "userId": S("m"), "role": S("manager"),
		"app": S("manager-web"), "connectedAt": N(fmt.Sprint(now.UnixMilli()))}, now)
	if !c.ConnectedAt.Equal(now) || strings.Join(c.Problems, ";") != "connectedAt is a number, expected an ISO-8601 string" {
		t.Fatalf("epoch ms in an ISO schema: %v %q", c.ConnectedAt, c.Problems)
	}
}

func TestDecodeSubscriptionActiveFlag(t *testing.T) {
	s := data.WizzSchema()
	cases := []struct {
		active   types.AttributeValue
		want     bool
		problems string
	}{
		{&types.AttributeValueMemberBOOL{Value: true}, true, ""},
		{&types.AttributeValueMemberBOOL{Value: false}, false, ""},
		{S("false"), false, "isActive is a string, expected a bool"},
		{nil, false, "missing isActive"},
		{S("maybe"), false, "unparseable isActive"},
	}
	for _, c := range cases {
		item := data.Item{"connectionId": S("c"), "subscriptionKey": S("order#1"), "userId": S("u"), "entityType": S("driver")}
		if c.active != nil {
			item["isActive"] = c.active
		}
		sub := s.DecodeSubscription(item, now)
		if sub.Active != c.want || strings.Join(sub.Problems, ";") != c.problems {
			t.Errorf("isActive %v: got %v %q, want %v %q", c.active, sub.Active, sub.Problems, c.want, c.problems)
		}
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	for _, s := range []data.Schema{data.WizzSchema(), data.This27Schema()} {
		app := "drivers"
		if s.Preset == "this27" {
			app = "rider-app"
		}
		in := data.Connection{ID: "L0SM9cOFvHcCIhw=", User: "u", App: app, EntityType: s.AppEntity[app],
			Platform: "ios", ConnectedAt: now.Add(-time.Second)}
		out := s.DecodeConnection(s.EncodeConnection(in), now)
		if out.ID != in.ID || out.User != in.User || !out.ConnectedAt.Equal(in.ConnectedAt) || len(out.Problems) != 0 {
			t.Errorf("%s: %+v round-tripped to %+v", s.Preset, in, out)
		}
	}
}

func TestPlainItemKeepsEveryValueExact(t *testing.T) {
	item := data.Item{
		"big":  N("12345678901234567890123456789012345678"),
		"bin":  &types.AttributeValueMemberB{Value: []byte{0, 1, 2}},
		"set":  &types.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
		"nest": &types.AttributeValueMemberM{Value: data.Item{"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{S("\x1b[2J"), &types.AttributeValueMemberNULL{Value: true}}}}},
		"odd":  N("not-a-number"),
	}
	b, err := json.Marshal(data.PlainItem(item))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"big":12345678901234567890123456789012345678,"bin":"AAEC","nest":{"l":["\u001b[2J",null]},"odd":"not-a-number","set":[1,2.5]}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

func FuzzDecodeConnection(f *testing.F) {
	f.Add("L0SM9cOFvHcCIhw=", "u", "drivers", "driver", "1700000000000", true)
	f.Add("", "\x1b]52;c;x\x07", "order-receiver", "customer", "2026-01-01T00:00:00Z", false)
	f.Add("x", "", "", "", "1e400", true)
	s := data.WizzSchema()
	f.Fuzz(func(t *testing.T, id, user, app, entity, at string, atIsNumber bool) {
		item := data.Item{"connectionId": S(id), "userId": S(user), "appId": S(app), "entityType": S(entity)}
		if atIsNumber {
			item["connectedAt"] = N(at)
		} else {
			item["connectedAt"] = S(at)
		}
		c := s.DecodeConnection(item, now)
		if c.ID != id || c.User != user || len(c.Item) != len(item) {
			t.Fatalf("lost data: %+v", c)
		}
		if _, err := json.Marshal(data.PlainItem(c.Item)); err != nil {
			t.Fatalf("plain item does not marshal: %v", err)
		}
	})
}

// BenchmarkDecodeConnection measures the decoding of one well-formed wizz
// connection item (target: at least 500,000 items per second per core).
func BenchmarkDecodeConnection(b *testing.B) {
	s := data.WizzSchema()
	item := s.EncodeConnection(data.Connection{
		ID: "L0SM9cOFvHcCIhw=", User: "user-000123", App: "order-receiver", EntityType: "merchant",
		Platform: "android", ConnectedAt: now.Add(-time.Minute), TTL: now.Add(time.Hour),
		SourceIP: "203.0.113.7", UserAgent: "okhttp/4.12.0", BusinessID: "biz-42",
	})
	b.ReportAllocs()
	for b.Loop() {
		_ = s.DecodeConnection(item, now)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkDecodeMalformedConnection is the same for an item with several
// problems, which costs formatting of the problem strings.
func BenchmarkDecodeMalformedConnection(b *testing.B) {
	s := data.WizzSchema()
	item := data.Item{"connectionId": S("L0SM9cOFvHcCIhw="), "entityType": S("customer"), "appId": S("order-receiver"),
		"connectedAt": S("1700000000000"), "ttl": N("1")}
	b.ReportAllocs()
	for b.Loop() {
		_ = s.DecodeConnection(item, now)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

func TestSchemaValidate(t *testing.T) {
	for _, s := range []data.Schema{data.WizzSchema(), data.This27Schema()} {
		if err := s.Validate(); err != nil {
			t.Errorf("preset %s: %v", s.Preset, err)
		}
	}
	broken := []func(*data.Schema){
		func(s *data.Schema) { s.Connections.Table.Name = "" },
		func(s *data.Schema) { s.Subscriptions.Attrs.Key = "" },
		func(s *data.Schema) { s.Connections.TimeFormat = "unix" },
		func(s *data.Schema) {
			s.Connections.Table.Indexes = append(s.Connections.Table.Indexes, data.Index{Name: "userId-index", HashKey: "x"})
		},
		func(s *data.Schema) { s.Subscriptions.Table.Indexes = []data.Index{{Name: "i"}} },
	}
	for i, breakIt := range broken {
		s := data.WizzSchema()
		breakIt(&s)
		if s.Validate() == nil {
			t.Errorf("broken schema %d validated", i)
		}
	}
}
