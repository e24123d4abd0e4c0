package cli

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
)

// The hand-written JSON of a listed connection is byte for byte what
// json.Marshal writes for the same record with its attributes as a plain
// map: the shape design.md promises scripts.
func TestConnJSONMatchesMarshal(t *testing.T) {
	connected := "2026-11-22T03:04:05.123Z"
	item := data.Item{
		"connectionId": &types.AttributeValueMemberS{Value: "L0SM9cOFvHcCIhw="},
		"userId":       &types.AttributeValueMemberS{Value: "u-<1>&\x1b[2J"},
		"connectedAt":  &types.AttributeValueMemberN{Value: "1732244645123"},
		"isActive":     &types.AttributeValueMemberBOOL{Value: true},
		"blob":         &types.AttributeValueMemberB{Value: []byte("hi")},
	}
	type reference struct {
		ID          string         `json:"id"`
		User        string         `json:"user"`
		EntityType  string         `json:"entity_type"`
		App         string         `json:"app"`
		Platform    string         `json:"platform"`
		ConnectedAt *string        `json:"connected_at"`
		Problems    []string       `json:"problems"`
		Attributes  map[string]any `json:"attributes"`
		Live        *liveJSON      `json:"live,omitempty"`
	}
	lastActive := time.Date(2026, 11, 22, 3, 5, 0, 0, time.UTC).Format(time.RFC3339)
	cases := []connJSON{
		{ID: "L0SM9cOFvHcCIhw=", User: "u-<1>&\x1b[2J", EntityType: "customer", App: "order-receiver", Platform: "ios",
			ConnectedAt: &connected, Problems: []string{`entityType "customer" but appId order-receiver`, "é"}, item: item},
		{ID: "", Problems: []string{}},
		{ID: "x", Problems: nil, item: item, Live: &liveJSON{Status: "connected", LastActiveAt: &lastActive, SourceIP: "10.0.0.1"}},
	}
	for _, c := range cases {
		want, err := json.Marshal(reference{c.ID, c.User, c.EntityType, c.App, c.Platform, c.ConnectedAt, c.Problems,
			data.PlainItem(c.item), c.Live})
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("appendJSON:\n got %s\nwant %s", got, want)
		}
		viaMarshal, err := json.Marshal(c) // any caller that marshals it directly
		if err != nil || string(viaMarshal) != string(want) {
			t.Errorf("json.Marshal(connJSON):\n got %s (%v)\nwant %s", viaMarshal, err, want)
		}
		var decoded connJSON // and a line decodes back to the same record
		if err := json.Unmarshal(got, &decoded); err != nil {
			t.Fatal(err)
		}
		again, err := json.Marshal(decoded)
		if err != nil || string(again) != string(want) {
			t.Errorf("decoded and marshalled again:\n got %s (%v)\nwant %s", again, err, want)
		}
	}
}
