package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"wsops/data"
	"wsops/internal/testrig"
	"wsops/ui/view"
)

// seedIncident puts two order-receiver connections written as customer into
// the world's registry, one with a business-status subscription.
func seedIncident(t *testing.T, w *testrig.SandboxWorld, s data.Schema) {
	t.Helper()
	db := testrig.DynamoClient(w.Sandbox.Endpoints().DynamoDBURL)
	put := func(table string, item data.Item) {
		if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"INCIDENT000001=", "INCIDENT000002="} {
		put(s.Connections.Table.Name, s.EncodeConnection(data.Connection{ID: id, User: "m-" + id, App: "order-receiver", EntityType: "customer"}))
	}
	put(s.Subscriptions.Table.Name, s.EncodeSubscription(data.Subscription{ConnectionID: "INCIDENT000001=", Key: "business_status#b1",
		User: "m-INCIDENT000001=", EntityType: "merchant", Active: true}))
}

func TestConsoleRepairsTheSelectedChanges(t *testing.T) {
	r, w := worldRig(t, 0, worldOptions{})
	seedIncident(t, w, r.fx.Profile.Schema)
	r.command("repair entity-type")
	r.until("the plan", func(m Model) bool {
		return m.topName() == "repair" && strings.Contains(m.View(), "Repair plan: 2 changes, 2 selected")
	})
	r.Keys(" ") // deselect the first change
	if !strings.Contains(r.M.View(), "2 changes, 1 selected") {
		t.Fatalf("after space:\n%s", r.M.View())
	}
	r.Send(runes("A"))
	if s := r.confirmAndWait(); s.Err != nil || !strings.Contains(r.M.View(), "applied 1") {
		t.Fatalf("summary %+v:\n%s", s, r.M.View())
	}
	reg := r.fx.Registry
	one, _ := reg.Connection(context.Background(), "INCIDENT000001=")
	two, _ := reg.Connection(context.Background(), "INCIDENT000002=")
	if one.EntityType != "customer" || two.EntityType != "merchant" {
		t.Errorf("after apply: %q, %q; want the deselected one left as customer", one.EntityType, two.EntityType)
	}
	// The view plans again once the repair ended: one change is left.
	r.until("the fresh plan", func(m Model) bool { return strings.Contains(m.views["repair"].View(), "Repair plan: 1 change,") })

	// u on the summary undoes what the run applied, confirmed like any write.
	if !strings.Contains(r.M.View(), "u undo") {
		t.Fatalf("the summary offers no undo:\n%s", r.M.View())
	}
	r.Send(runes("u"))
	if s := r.confirmAndWait(); s.Err != nil || !strings.Contains(r.M.View(), "restored 1") || !s.Undoable {
		t.Fatalf("undo summary %+v:\n%s", s, r.M.View())
	}
	if two, _ = reg.Connection(context.Background(), "INCIDENT000002="); two.EntityType != "customer" {
		t.Errorf("after undo: %q, want customer again", two.EntityType)
	}
	lines, _, err := r.fx.Audit.Tail(0)
	if err != nil || len(lines) != 2 || lines[1].Action != "repair-undo" {
		t.Errorf("audit %+v, %v; want the repair and its undo", lines, err)
	}
}

func TestConsoleTogglesASubscriptionsActiveFlag(t *testing.T) {
	r, w := worldRig(t, 0, worldOptions{})
	seedIncident(t, w, r.fx.Profile.Schema)
	r.Send(view.OpenMsg{Name: "detail", Arg: "INCIDENT000001="})
	r.until("the details", func(m Model) bool { return strings.Contains(m.View(), "business_status#b1  active") })
	r.Send(runes("t"))
	r.until("the confirmation", func(m Model) bool { return strings.Contains(m.View(), "Type yes") })
	r.Keys("yes")
	r.Send(enter)
	r.until("the toggle", func(m Model) bool { return strings.Contains(m.status, "toggled isActive") })
	r.until("the details read again", func(m Model) bool { return strings.Contains(m.View(), "business_status#b1  inactive") })
	subs, err := r.fx.Registry.SubscriptionsOf(context.Background(), "INCIDENT000001=")
	if err != nil || len(subs) != 1 || subs[0].Active {
		t.Fatalf("after toggle: %+v, %v; want inactive", subs, err)
	}
	if v, ok := subs[0].Item["isActive"].(*types.AttributeValueMemberBOOL); !ok || v.Value {
		t.Errorf("isActive stored as %#v, want BOOL false", subs[0].Item["isActive"])
	}
	lines, _, err := r.fx.Audit.Tail(0)
	if err != nil || len(lines) != 1 || lines[0].Action != "deactivate" {
		t.Errorf("audit %+v, %v", lines, err)
	}
}
