package ops

import (
	"context"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wsops/data"
	"wsops/internal/faultproxy"
	"wsops/internal/testrig"
	"wsops/ops/repairplan"
)

// The fault matrix's MongoDB rows: a registry reached through a wire
// protocol proxy that drops a connection before it answers, slows every
// answer down, or lets a write through and cuts its answer. Each case
// checks that the operation stops with an exact account or completes,
// that running it again (a resume) finishes the job, and — reading the
// documents through the driver, past the proxy — that nothing was lost or
// done twice.

// throughProxy points the rig's Ops at its database through a Wire proxy;
// opt tunes the registry.
func (r *mongoRig) throughProxy(t *testing.T, opt data.Options) *faultproxy.Wire {
	t.Helper()
	upstream := strings.TrimSuffix(strings.TrimPrefix(testrig.MongoURL(t), "mongodb://"), "/")
	w := faultproxy.StartWire(t, upstream)
	if opt.PageSize == 0 {
		opt.PageSize = 7 // several batches: a listing is several calls
	}
	reg, err := data.DialMongo("mongodb://"+w.Addr()+"/?retryWrites=false", r.schema, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reg.Close(context.Background()) })
	r.deps.Registry = reg
	r.ops = testOps(t, r.deps, nil)
	return w
}

// fleet seeds n documents: even ones in room order:even, every third a
// rider written as customer.
func (r *mongoRig) fleet(t *testing.T, n int) {
	t.Helper()
	var docs []bson.D
	for i := range n {
		role := "rider"
		if i%3 == 0 {
			role = "customer"
		}
		rooms := []string{"order:all"}
		if i%2 == 0 {
			rooms = append(rooms, "order:even")
		}
		docs = append(docs, r.doc(fleetID(i), "u", "rider-app", role, rooms...))
	}
	r.insert(t, docs...)
}

func fleetID(i int) string { return "F" + string(rune('A'+i/26)) + string(rune('a'+i%26)) }

func TestMongoFaultDroppedConnection(t *testing.T) {
	t.Run("listing", func(t *testing.T) {
		r := newMongoRig(t)
		r.fleet(t, 30)
		w := r.throughProxy(t, data.Options{})
		w.Add(faultproxy.WireRule{Command: "getMore", Nth: 2, Action: faultproxy.Drop})
		ctx := context.Background()
		got, err := data.Collect(ctx, r.ops.Connections(ctx, data.Select{}))
		if err == nil {
			t.Fatalf("a listing whose connection dropped half way: %d rows and no error", len(got))
		}
		got, err = data.Collect(ctx, r.ops.Connections(ctx, data.Select{}))
		if err != nil || len(got) != 30 {
			t.Fatalf("the listing again: %d rows, %v; want all 30", len(got), err)
		}
	})
	t.Run("prune", func(t *testing.T) {
		r := newMongoRig(t)
		r.fleet(t, 12)
		var gone []string
		for i := range 12 {
			if i%4 != 0 {
				gone = append(gone, fleetID(i))
			}
		}
		r.gw.setGone(gone...)
		w := r.throughProxy(t, data.Options{})
		w.Add(faultproxy.WireRule{Command: "delete", Nth: 3, Action: faultproxy.Drop})
		ctx := context.Background()
		journal := filepath.Join(r.dir, "prune.jsonl")
		res, err := r.ops.Prune(ctx, PruneRequest{Grace: DefaultPruneGrace, Journal: journal}, nil)
		// The drop fails the call it cut and those the driver had in flight on
		// the pool it then clears: an exact account, whatever their number.
		if err == nil || res.Failed == 0 || res.Deleted+res.Failed+res.NotAttempted != len(gone) {
			t.Fatalf("prune with a dropped delete: %+v, %v; want failures accounted for", res, err)
		}
		res, err = r.ops.ResumePrune(ctx, journal, nil)
		if err != nil || !res.Complete || res.Deleted != len(gone) {
			t.Fatalf("resume: %+v, %v", res, err)
		}
		left := slices.Sorted(maps.Keys(r.docs(t)))
		if want := []string{fleetID(0), fleetID(4), fleetID(8)}; !slices.Equal(left, want) {
			t.Errorf("documents left %v, want the live %v", left, want)
		}
	})
}

func TestMongoFaultSlowServer(t *testing.T) {
	r := newMongoRig(t)
	r.fleet(t, 20)
	w := r.throughProxy(t, data.Options{})
	w.SetLatency(20 * time.Millisecond)
	ctx := context.Background()
	got, err := data.Collect(ctx, r.ops.Connections(ctx, data.Select{}))
	if err != nil || len(got) != 20 {
		t.Fatalf("a slow listing: %d rows, %v; want all 20", len(got), err)
	}
	res, err := r.ops.Send(ctx, SendRequest{Targets: Targets{Select: data.Select{Topic: "order:even"}}, Payload: []byte(`{}`),
		RPS: math.Inf(1), Journal: filepath.Join(r.dir, "send.jsonl")}, nil)
	if err != nil || res.Delivered != 10 || !slices.Equal(r.gw.posted(), evenIDs(20)) {
		t.Errorf("a send to a room on a slow server: %+v, %v, posted %v", res, err, r.gw.posted())
	}
	impatient := r.throughProxy(t, data.Options{CallTimeout: 5 * time.Millisecond})
	impatient.SetLatency(50 * time.Millisecond)
	if _, err := data.Collect(ctx, r.ops.Connections(ctx, data.Select{})); err == nil || !strings.Contains(err.Error(), "MongoDB did not answer within 5ms") {
		t.Errorf("a server slower than the call timeout: %v", err)
	}
}

func evenIDs(n int) []string {
	var ids []string
	for i := 0; i < n; i += 2 {
		ids = append(ids, fleetID(i))
	}
	slices.Sort(ids)
	return ids
}

func TestMongoFaultWriteCutHalfWay(t *testing.T) {
	t.Run("repair", func(t *testing.T) {
		r := newMongoRig(t)
		r.fleet(t, 9) // 0, 3, 6: riders written as customer
		w := r.throughProxy(t, data.Options{})
		ctx := context.Background()
		plan, err := r.ops.RepairPlan(ctx, repairplan.Request{})
		if err != nil || len(plan.Changes) != 3 {
			t.Fatalf("plan %d changes, %v", len(plan.Changes), err)
		}
		w.Add(faultproxy.WireRule{Command: "findAndModify", Nth: 2, Action: faultproxy.CutAnswer})
		journal := filepath.Join(r.dir, "repair.jsonl")
		res, err := r.ops.Repair(ctx, RepairApply{Plan: plan, RPS: math.Inf(1), Journal: journal}, nil)
		if err == nil || res.Applied != 2 || res.Failed != 1 {
			t.Fatalf("apply with a cut answer: %+v, %v; want 2 applied, 1 failed", res, err)
		}
		if roles := r.roles(t); roles[fleetID(0)] != "rider" || roles[fleetID(3)] != "rider" || roles[fleetID(6)] != "rider" {
			t.Fatalf("roles %v: the cut write happened too", roles)
		}
		res, err = r.ops.ResumeRepair(ctx, journal, nil)
		if err != nil || res.Applied != 3 || res.Failed != 0 || res.Conflicts != 0 {
			t.Fatalf("resume: %+v, %v; want the cut write found made, as this journal's", res, err)
		}
		undo, err := r.ops.UndoRepair(ctx, journal, filepath.Join(r.dir, "undo.jsonl"), math.Inf(1), nil)
		if err != nil || undo.Applied != 3 {
			t.Fatalf("undo: %+v, %v", undo, err)
		}
		if roles := r.roles(t); roles[fleetID(0)] != "customer" || roles[fleetID(3)] != "customer" || roles[fleetID(6)] != "customer" || roles[fleetID(1)] != "rider" {
			t.Errorf("roles after undo %v", roles)
		}
	})
	t.Run("logout", func(t *testing.T) {
		r := newMongoRig(t)
		r.insert(t, r.doc("a1", "alice", "customer-app", "customer", "order:1"), r.doc("a2", "alice", "rider-app", "rider", "order:1"),
			r.doc("b1", "bob", "customer-app", "customer", "order:1"))
		w := r.throughProxy(t, data.Options{})
		w.Add(faultproxy.WireRule{Command: "delete", Nth: 1, Action: faultproxy.CutAnswer})
		ctx := context.Background()
		journal := filepath.Join(r.dir, "logout.jsonl")
		res, err := r.ops.Logout(ctx, LogoutRequest{Targets: Targets{Select: data.Select{User: "alice"}}, Rate: math.Inf(1), Journal: journal}, nil)
		if err == nil || res.Failed == 0 || res.Failed+res.Disconnected+res.NotAttempted != 2 {
			t.Fatalf("logout with a cut delete: %+v, %v; want the failure accounted for", res, err)
		}
		res, err = r.ops.ResumeLogout(ctx, journal, math.Inf(1), nil)
		if err != nil || !res.Complete || res.Failed != 0 {
			t.Fatalf("resume: %+v, %v", res, err)
		}
		if left := slices.Sorted(maps.Keys(r.docs(t))); !slices.Equal(left, []string{"b1"}) {
			t.Errorf("documents left %v, want bob's", left)
		}
		if n := len(r.gw.cuts); n != 2 {
			t.Errorf("%d cuts, want each of alice's 2 connections cut once", n)
		}
	})
}

// roles are the documents' roles, read through the driver.
func (r *mongoRig) roles(t *testing.T) map[string]any {
	t.Helper()
	out := map[string]any{}
	for id, d := range r.docs(t) {
		out[id] = d["role"]
	}
	return out
}
