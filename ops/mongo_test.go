package ops

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wsops/data"
	"wsops/internal/testrig"
	"wsops/ops/repairplan"
)

// The console's listings over MongoDB: every document once, the incident
// and the malformed flagged, a topic exactly its room.
func TestMongoListingFlagsTheIncidentAndReadsTopicsExactly(t *testing.T) {
	r := newMongoRig(t)
	r.insert(t, r.doc("c1", "u1", "customer-app", "customer", "order:1"),
		r.doc("r1", "u2", "rider-app", "customer", "order:1", "order:2"), // the incident: a rider written as customer
		r.doc("r2", "u3", "rider-app", "rider", "order:2"),
		r.doc("m1", "u4", "manager-web", "manager"),
		bson.D{{Key: "connectionId", Value: "x1"}, {Key: "rooms", Value: "order:1"}}) // malformed
	ctx := context.Background()
	conns, err := data.Collect(ctx, r.ops.Connections(ctx, data.Select{}))
	if err != nil {
		t.Fatal(err)
	}
	problems := map[string]string{}
	for _, c := range conns {
		if _, dup := problems[c.ID]; dup {
			t.Errorf("%s listed twice", c.ID)
		}
		problems[c.ID] = strings.Join(c.Problems, "; ")
	}
	want := map[string]string{"c1": "", "r1": `role "customer" but app rider-app`, "r2": "", "m1": "",
		"x1": "missing userId; missing role; missing app; missing connectedAt; rooms is a string, expected an array"}
	for id, w := range want {
		if got, ok := problems[id]; !ok || got != w {
			t.Errorf("%s: problems %q (listed %v), want %q", id, got, ok, w)
		}
	}
	if len(conns) != len(want) {
		t.Errorf("listed %d connections, want %d", len(conns), len(want))
	}
	for _, tc := range []struct {
		sel     data.Select
		members []string
	}{
		{data.Select{Topic: "order:1"}, []string{"c1", "r1", "x1"}},
		{data.Select{Topic: "order:2", App: "rider-app"}, []string{"r1", "r2"}},
		{data.Select{Topic: "order:2", EntityType: "rider"}, []string{"r2"}},
		{data.Select{Topic: "order:3"}, nil},
	} {
		sel, members := tc.sel, tc.members
		subs, err := r.ops.Subscriptions(ctx, sel)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range subs {
			if s.Key != sel.Topic {
				t.Errorf("%+v listed %s's room %s", sel, s.ConnectionID, s.Key)
			}
			ids = append(ids, s.ConnectionID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, members) {
			t.Errorf("%+v: members %v, want %v", sel, ids, members)
		}
	}
}

// A send to a topic reaches exactly the room's members, each once.
func TestMongoSendToATopicReachesExactlyTheRoom(t *testing.T) {
	r := newMongoRig(t)
	r.insert(t, r.doc("a", "u1", "customer-app", "customer", "order:order123", "order:9"),
		r.doc("b", "u2", "rider-app", "rider", "order:order123"),
		r.doc("c", "u3", "rider-app", "rider", "order:order1234"),
		r.doc("d", "u4", "manager-web", "manager"))
	r.gw.setGone("b")
	res, err := r.ops.Send(context.Background(), SendRequest{Targets: Targets{Select: data.Select{Topic: "order:order123"}},
		Payload: []byte(`{"type":"orderUpdated"}`), RPS: math.Inf(1), Journal: filepath.Join(r.dir, "send.jsonl")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Targets != 2 || res.Delivered != 1 || res.Gone != 1 {
		t.Errorf("send %+v, want 2 targets: 1 delivered, 1 gone", res)
	}
	if got := r.gw.posted(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("posted to %v, want exactly the room's a and b", got)
	}
}

// A logout cuts a user's connections and removes exactly their documents.
func TestMongoLogoutRemovesExactlyTheUsersDocuments(t *testing.T) {
	r := newMongoRig(t)
	r.insert(t, r.doc("a1", "alice", "customer-app", "customer", "order:1"),
		r.doc("a2", "alice", "rider-app", "rider", "order:1", "order:2"),
		r.doc("b1", "bob", "customer-app", "customer", "order:1"))
	res, err := r.ops.Logout(context.Background(), LogoutRequest{Targets: Targets{Select: data.Select{User: "alice"}},
		Rate: math.Inf(1), Journal: filepath.Join(r.dir, "logout.jsonl")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Targets != 2 || res.Notified != 2 || res.Disconnected != 2 || res.RecordsDeleted != 5 || res.Failed != 0 {
		t.Errorf("logout %+v, want 2 notified and cut, 2 documents and 3 room entries deleted", res)
	}
	docs := r.docs(t)
	if len(docs) != 1 || docs["b1"] == nil || !slices.Equal(testrig.Rooms(docs["b1"]), []string{"order:1"}) {
		t.Errorf("documents left %v, want bob's alone, rooms intact", docs)
	}
}

// A prune deletes exactly the gone connections' documents; its undo puts
// them back as they were, rooms, dates and ObjectIds included.
func TestMongoPruneDeletesStaleDocumentsAndUndoRestoresThem(t *testing.T) {
	r := newMongoRig(t)
	var stale []string
	docs := []bson.D{r.doc("live1", "u1", "customer-app", "customer", "order:1"), r.doc("live2", "u2", "rider-app", "rider")}
	for _, id := range []string{"s1", "s2", "s3"} {
		docs = append(docs, r.doc(id, "u-"+id, "rider-app", "rider", "order:1", "order:"+id))
		stale = append(stale, id)
	}
	young := r.doc("young", "u9", "rider-app", "rider")
	young[7].Value = r.now.Add(-5 * time.Second) // connected since the grace began: not probed
	docs = append(docs, young)
	r.insert(t, docs...)
	r.gw.setGone(append(stale, "young")...)
	before := r.docs(t)
	ctx := context.Background()
	journal := filepath.Join(r.dir, "prune.jsonl")
	res, err := r.ops.Prune(ctx, PruneRequest{Grace: DefaultPruneGrace, Journal: journal}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (PruneResult{Checked: 5, Gone: 3, Deleted: 3, Records: 9, Skipped: 1, Journal: journal, Complete: true}); res != want {
		t.Errorf("prune %+v, want %+v", res, want)
	}
	left := r.docs(t)
	if len(left) != 3 || left["live1"] == nil || left["live2"] == nil || left["young"] == nil {
		t.Fatalf("documents left %v, want live1, live2 and young", left)
	}
	undo, err := r.ops.UndoPrune(ctx, journal, filepath.Join(r.dir, "undo.jsonl"), nil)
	if err != nil || undo.Deleted != 3 {
		t.Fatalf("undo %+v, %v; want the 3 connections restored", undo, err)
	}
	after := r.docs(t)
	for id, d := range before {
		a := after[id]
		if a == nil || a["_id"] != d["_id"] || !slices.Equal(testrig.Rooms(a), testrig.Rooms(d)) || a["connectedAt"] != d["connectedAt"] || a["lastSeenAt"] != d["lastSeenAt"] || a["role"] != d["role"] {
			t.Errorf("%s after the undo: %v, want %v", id, a, d)
		}
	}
}

// A repair changes exactly the documents with the wrong role; a document
// changed between plan and apply is a conflict, left alone; the undo
// restores the rest. Every check reads the documents through the driver.
func TestMongoRepairConflictsAndUndo(t *testing.T) {
	r := newMongoRig(t)
	r.insert(t, r.doc("r1", "u1", "rider-app", "customer", "order:1"), r.doc("r2", "u2", "rider-app", "customer"),
		r.doc("r3", "u3", "rider-app", "customer"), r.doc("r4", "u4", "rider-app", "rider"), r.doc("c1", "u5", "customer-app", "customer"))
	ctx := context.Background()
	plan, err := r.ops.RepairPlan(ctx, repairplan.Request{})
	if err != nil {
		t.Fatal(err)
	}
	var planned []string
	for _, c := range plan.Changes {
		planned = append(planned, plainString(c.Key["connectionId"])+" "+c.Attribute+" "+repairplan.ValueText(c.Old)+"→"+repairplan.ValueText(c.New))
	}
	slices.Sort(planned)
	if want := []string{`r1 role "customer"→"rider"`, `r2 role "customer"→"rider"`, `r3 role "customer"→"rider"`}; !slices.Equal(planned, want) {
		t.Fatalf("plan %v, want %v", planned, want)
	}
	// Another writer fixes r2 its own way between the plan and the apply.
	if _, err := r.coll.UpdateOne(ctx, bson.D{{Key: "connectionId", Value: "r2"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "role", Value: "manager"}}}}); err != nil {
		t.Fatal(err)
	}
	res, err := r.ops.Repair(ctx, RepairApply{Plan: plan, RPS: math.Inf(1), Journal: filepath.Join(r.dir, "repair.jsonl")}, nil)
	if err != nil || res.Applied != 2 || res.Conflicts != 1 || res.Failed != 0 {
		t.Fatalf("apply %+v, %v; want 2 applied, 1 conflict", res, err)
	}
	roles := func() map[string]any {
		out := map[string]any{}
		for id, d := range r.docs(t) {
			out[id] = d["role"]
		}
		return out
	}
	if got := roles(); got["r1"] != "rider" || got["r3"] != "rider" || got["r2"] != "manager" || got["r4"] != "rider" || got["c1"] != "customer" {
		t.Errorf("roles after apply %v", got)
	}
	undo, err := r.ops.UndoRepair(ctx, res.Journal, filepath.Join(r.dir, "undo.jsonl"), math.Inf(1), nil)
	if err != nil || undo.Applied != 2 || undo.Conflicts != 0 {
		t.Fatalf("undo %+v, %v; want the 2 applied changes reversed", undo, err)
	}
	if got := roles(); got["r1"] != "customer" || got["r3"] != "customer" || got["r2"] != "manager" {
		t.Errorf("roles after undo %v, want r1 and r3 customer again and r2 the other writer's manager", got)
	}
	if d := r.docs(t)["r1"]; !slices.Equal(testrig.Rooms(d), []string{"order:1"}) {
		t.Errorf("r1's rooms after apply and undo: %v", testrig.Rooms(d))
	}
}
