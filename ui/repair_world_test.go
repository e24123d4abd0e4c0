package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/data"
	"wsops/internal/testrig"
	"wsops/ui/detail"
	"wsops/ui/repair"
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
	m, w := worldConsole(t, 0)
	seedIncident(t, w, m.sess.Profile.Schema)
	next, cmd := m.runCommand("repair entity-type")
	m = update(t, next.(Model), cmd())
	if m.top() != viewRepair || !strings.Contains(m.View(), "Repair plan: 2 changes, 2 selected") {
		t.Fatalf("repair view:\n%s", m.View())
	}
	m = keys(t, m, " ") // deselect the first change
	if !strings.Contains(m.View(), "2 changes, 1 selected") {
		t.Fatalf("after space:\n%s", m.View())
	}
	next, cmd = m.Update(runes("A"))
	m = next.(Model)
	apply, ok := cmd().(repair.ApplyMsg)
	if !ok || len(apply.Selected) != 1 {
		t.Fatalf("A yields %+v, want one selected change", apply)
	}
	next, cmd = m.Update(apply)
	m = runAction(t, next.(Model), cmd)
	if s, ok := m.runView.Summary(); !ok || s.Err != nil || !strings.Contains(m.View(), "applied 1") {
		t.Fatalf("summary %+v:\n%s", s, m.View())
	}
	reg := m.sess.Registry
	one, _ := reg.Connection(context.Background(), "INCIDENT000001=")
	two, _ := reg.Connection(context.Background(), "INCIDENT000002=")
	if one.EntityType != "customer" || two.EntityType != "merchant" {
		t.Errorf("after apply: %q, %q; want the deselected one left as customer", one.EntityType, two.EntityType)
	}

	// u on the summary undoes what the run applied, confirmed like any write.
	if !strings.Contains(m.View(), "u undo") {
		t.Fatalf("the summary offers no undo:\n%s", m.View())
	}
	m, msg := press(t, m, runes("u"))
	next, cmd = m.Update(msg)
	m = runAction(t, next.(Model), cmd)
	if s, ok := m.runView.Summary(); !ok || s.Err != nil || !strings.Contains(m.View(), "restored 1") || !s.Undoable {
		t.Fatalf("undo summary %+v:\n%s", s, m.View())
	}
	if two, _ = reg.Connection(context.Background(), "INCIDENT000002="); two.EntityType != "customer" {
		t.Errorf("after undo: %q, want customer again", two.EntityType)
	}
	lines, _, err := auditOf(t, m.sess.Ops).Tail(0)
	if err != nil || len(lines) != 2 || lines[1].Action != "repair-undo" {
		t.Errorf("audit %+v, %v; want the repair and its undo", lines, err)
	}
}

func TestConsoleTogglesASubscriptionsActiveFlag(t *testing.T) {
	m, w := worldConsole(t, 0)
	seedIncident(t, w, m.sess.Profile.Schema)
	m.push(viewDetail)
	m.detail.Loading("INCIDENT000001=")
	m = update(t, m, loadDetailCmd(m.sessCtx, m.sess.Registry, m.sess.Mgmt, "INCIDENT000001=")())
	next, cmd := m.Update(runes("t"))
	msg, ok := cmd().(detail.ToggleActiveMsg)
	if !ok || msg.Sub.Key != "business_status#b1" || !msg.Sub.Active || msg.App != "order-receiver" {
		t.Fatalf("t yields %+v", msg)
	}
	next, cmd = next.(Model).Update(msg)
	m = runAction(t, next.(Model), func() tea.Msg { return tea.BatchMsg{cmd} })
	if !strings.Contains(m.status, "toggled isActive") {
		t.Fatalf("status %q", m.status)
	}
	subs, err := m.sess.Registry.SubscriptionsOf(context.Background(), "INCIDENT000001=")
	if err != nil || len(subs) != 1 || subs[0].Active {
		t.Fatalf("after toggle: %+v, %v; want inactive", subs, err)
	}
	if v, ok := subs[0].Item["isActive"].(*types.AttributeValueMemberBOOL); !ok || v.Value {
		t.Errorf("isActive stored as %#v, want BOOL false", subs[0].Item["isActive"])
	}
	lines, _, err := auditOf(t, m.sess.Ops).Tail(0)
	if err != nil || len(lines) != 1 || lines[0].Action != "deactivate" {
		t.Errorf("audit %+v, %v", lines, err)
	}
}
