package ops

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"wsops/config"
	"wsops/data"
	"wsops/ops/auditlog"
	"wsops/ops/repairplan"
)

// seedIncident writes the incident of ecosystems.md: order-receiver records
// written as customer (connections and their subscriptions), a merchant with
// no business-status subscription, and well-formed records around them.
func seedIncident(t *testing.T, r *repairRig) {
	bad1, bad2 := r.conn(1, "order-receiver"), r.conn(2, "order-receiver")
	bad1.EntityType, bad2.EntityType = "customer", "customer"
	bad1.BusinessID, bad2.BusinessID = "b-1", "b-2"
	good := r.conn(3, "order-receiver")
	good.BusinessID = "b-3"
	noBusiness := r.conn(4, "order-receiver") // no business id: nothing to subscribe to
	driver, customer := r.conn(5, "drivers"), r.conn(6, "customers")
	sub := func(c data.Connection, key string) data.Subscription {
		return data.Subscription{ConnectionID: c.ID, Key: key, User: c.User, EntityType: c.EntityType, Active: true, CreatedAt: r.now}
	}
	r.put(t, []data.Connection{bad1, bad2, good, noBusiness, driver, customer}, []data.Subscription{
		sub(bad1, "order#o-1"), sub(bad1, "business_status#b-1"), // bad2 has none: a create
		sub(good, "business_status#b-3"), sub(driver, "order#o-1"), sub(customer, "order#o-1"),
	})
}

var incidentPlan = []string{
	"connections R00000000000001= entityType \"customer\"→\"merchant\"",
	"connections R00000000000002= entityType \"customer\"→\"merchant\"",
	"create subscriptions R00000000000002= business_status#b-2",
	"subscriptions R00000000000001= entityType \"customer\"→\"merchant\"",
	"subscriptions R00000000000001= entityType \"customer\"→\"merchant\"",
}

func TestRepairPlansAppliesAndUndoesTheIncident(t *testing.T) {
	eachRepairBackend(t, data.WizzSchema(), func(t *testing.T, r *repairRig) {
		seedIncident(t, r)
		ctx := context.Background()
		before, beforeSubs := r.entities(t)
		plan, err := r.ops.RepairPlan(ctx, repairplan.Request{})
		if err != nil {
			t.Fatal(err)
		}
		if got := summary(plan); !slices.Equal(got, incidentPlan) {
			t.Fatalf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(incidentPlan, "\n"))
		}
		if counts := plan.CountByRule(); counts[repairplan.RuleEntityType] != 4 || counts[repairplan.RuleBusinessStatus] != 1 {
			t.Errorf("counts by rule %v", counts)
		}
		res, err := r.ops.Repair(ctx, RepairApply{Plan: plan, RPS: math.Inf(1), Journal: filepath.Join(r.dir, "j.jsonl")}, nil)
		if err != nil || res.Applied != 5 || res.Conflicts != 0 || res.Failed != 0 {
			t.Fatalf("apply: %+v, %v", res, err)
		}
		conns, subs := r.entities(t)
		for id, e := range conns {
			if want := r.schema.AppEntity[map[string]string{"R00000000000005=": "drivers", "R00000000000006=": "customers"}[id]]; want == "" && e != "merchant" || want != "" && e != want {
				t.Errorf("after apply %s is %q", id, e)
			}
		}
		if subs["R00000000000002= business_status#b-2"] != "merchant" || subs["R00000000000001= order#o-1"] != "merchant" {
			t.Errorf("subscriptions after apply: %v", subs)
		}
		if again, err := r.ops.RepairPlan(ctx, repairplan.Request{}); err != nil || len(again.Changes) != 0 {
			t.Errorf("a second plan after apply: %v, %v; want nothing to do", summary(again), err)
		}

		undo, err := r.ops.UndoRepair(ctx, res.Journal, filepath.Join(r.dir, "undo.jsonl"), 0, nil)
		if err != nil || undo.Applied != 5 || undo.Conflicts != 0 {
			t.Fatalf("undo: %+v, %v", undo, err)
		}
		conns, subs = r.entities(t)
		if !mapsEqual(conns, before) || !mapsEqual(subs, beforeSubs) {
			t.Errorf("after undo:\n%v\n%v\nwant:\n%v\n%v", conns, subs, before, beforeSubs)
		}
		lines := auditActions(t, r.audit)
		if !slices.Equal(lines, []string{"repair", "repair-undo"}) || len(rawAudit(t, r.audit.Path())) != 4 {
			t.Errorf("audit actions %v", lines)
		}
		if n := len(r.confirm.asked()); n != 2 || r.confirm.asked()[0].Radius.Total != 5 || !strings.Contains(r.confirm.asked()[0].Radius.String(), "5 records") {
			t.Errorf("confirmations %+v", r.confirm.asked())
		}
	})
}

func TestRepairConflictKeepsTheOtherWritersValue(t *testing.T) {
	eachRepairBackend(t, data.WizzSchema(), func(t *testing.T, r *repairRig) {
		seedIncident(t, r)
		ctx := context.Background()
		plan, err := r.ops.RepairPlan(ctx, repairplan.Request{Only: []string{repairplan.RuleEntityType}})
		if err != nil {
			t.Fatal(err)
		}
		r.setEntity(t, "R00000000000001=", "driver") // someone else, between plan and apply
		res, err := r.ops.Repair(ctx, RepairApply{Plan: plan, Journal: filepath.Join(r.dir, "j.jsonl")}, nil)
		if err != nil || res.Applied != 3 || res.Conflicts != 1 {
			t.Fatalf("apply: %+v, %v; want 3 applied and 1 conflict", res, err)
		}
		c := res.Conflicted[0]
		if plainString(c.Change.Key["connectionId"]) != "R00000000000001=" || plainString(c.Current["entityType"]) != "driver" {
			t.Errorf("conflict %+v", c)
		}
		if conns, _ := r.entities(t); conns["R00000000000001="] != "driver" || conns["R00000000000002="] != "merchant" {
			t.Errorf("after apply: %v; want the other writer's driver kept", conns)
		}
		// The undo restores only what the repair wrote: the conflict stays.
		r.setEntity(t, "R00000000000002=", "rider") // and someone changes a repaired record
		undo, err := r.ops.UndoRepair(ctx, res.Journal, "", 0, nil)
		if err != nil || undo.Applied != 2 || undo.Conflicts != 1 {
			t.Fatalf("undo: %+v, %v; want 2 restored, 1 conflict", undo, err)
		}
		if conns, _ := r.entities(t); conns["R00000000000001="] != "driver" || conns["R00000000000002="] != "rider" {
			t.Errorf("after undo: %v; want the other writers' values kept", conns)
		}
		// The console's account lists the conflict as one, not as a failure.
		if rep := undo.Report(); len(rep.Conflicts) != 1 || len(rep.Failed) != 0 || !strings.Contains(rep.Conflicts[0], "R00000000000002=") {
			t.Errorf("undo report: conflicts %q, failed %q; want the one conflict, no failure", rep.Conflicts, rep.Failed)
		}
	})
}

func TestRepairWorksOnThis27Roles(t *testing.T) {
	eachRepairBackend(t, data.This27Schema(), func(t *testing.T, r *repairRig) {
		rider, manager := r.conn(1, "rider-app"), r.conn(2, "manager-web")
		manager.EntityType = "customer"
		r.put(t, []data.Connection{rider, manager}, []data.Subscription{{ConnectionID: manager.ID, Key: "order:o-1"}})
		ctx := context.Background()
		plan, err := r.ops.RepairPlan(ctx, repairplan.Request{})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{`connections R00000000000002= role "customer"→"manager"`}
		if got := summary(plan); !slices.Equal(got, want) {
			t.Fatalf("plan %v, want %v", got, want)
		}
		if _, err := r.ops.RepairPlan(ctx, repairplan.Request{Only: []string{repairplan.RuleBusinessStatus}}); err == nil {
			t.Error("business-status on this27: no error")
		}
		if res, err := r.ops.Repair(ctx, RepairApply{Plan: plan}, nil); err != nil || res.Applied != 1 {
			t.Fatalf("apply: %+v, %v", res, err)
		}
		if conns, _ := r.entities(t); conns[manager.ID] != "manager" || conns[rider.ID] != "rider" {
			t.Errorf("after apply: %v", conns)
		}
	})
}

func TestRepairProfileRules(t *testing.T) {
	eachRepairBackend(t, data.WizzSchema(), func(t *testing.T, r *repairRig) {
		seedIncident(t, r)
		rules := []config.RepairRule{
			{Name: "deactivate-orders", Table: config.RepairSubscriptions,
				Where:    map[string]any{"connection.appId": "drivers"},
				WhereNot: map[string]any{"isActive": false}, Set: map[string]any{"isActive": false}},
			{Name: "platform", Table: config.RepairConnections,
				Where: map[string]any{"appId": "customers"}, WhereMissing: []string{"sourceIp"},
				Set: map[string]any{"sourceIp": "0.0.0.0", "retries": int64(3)}},
		}
		plan, err := r.ops.RepairPlan(context.Background(), repairplan.Request{Rules: rules, Only: []string{"deactivate-orders", "platform"}})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"connections R00000000000006= retries (absent)→3", `connections R00000000000006= sourceIp (absent)→"0.0.0.0"`,
			"subscriptions R00000000000005= isActive true→false",
		}
		if got := summary(plan); !slices.Equal(got, want) {
			t.Errorf("plan %v, want %v", got, want)
		}
		bad := []config.RepairRule{{Name: "x", Table: config.RepairConnections, Where: map[string]any{"connection.appId": "a"}, Set: map[string]any{"a": "b"}}}
		if _, err := r.ops.RepairPlan(context.Background(), repairplan.Request{Rules: bad}); err == nil {
			t.Error("a connections rule reading connection.* planned")
		}
		if _, err := r.ops.RepairPlan(context.Background(), repairplan.Request{Only: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), "entity-type") {
			t.Errorf("unknown rule: %v; want the known rules listed", err)
		}
	})
}

func TestRepairResumesAnInterruptedApply(t *testing.T) {
	eachRepairBackend(t, data.WizzSchema(), func(t *testing.T, r *repairRig) {
		seedIncident(t, r)
		plan, err := r.ops.RepairPlan(context.Background(), repairplan.Request{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		journal := filepath.Join(r.dir, "j.jsonl")
		// One write at a time (the rate's burst is 1 at 1/s after the first),
		// cancelled as the first outcome arrives.
		res, err := r.ops.Repair(ctx, RepairApply{Plan: plan, RPS: 1, Journal: journal}, func(Progress) { cancel() })
		if !errors.Is(err, context.Canceled) || res.Applied < 1 || res.NotAttempted == 0 || res.Applied+res.NotAttempted != 5 {
			t.Fatalf("interrupted apply: %+v, %v", res, err)
		}
		resumed, err := r.ops.ResumeRepair(context.Background(), journal, nil)
		if err != nil || resumed.Applied != 5 || resumed.Conflicts != 0 || !resumed.Complete {
			t.Fatalf("resume: %+v, %v; want all 5 applied over the journal", resumed, err)
		}
		// Every change has exactly one outcome line across both runs, after its intent.
		outcomes, intents := map[int]int{}, map[int]int{}
		applied := 0
		for _, line := range journalLines(t, journal)[1:] {
			var e entry
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatal(err)
			}
			switch {
			case e.T != nil && e.Intent != "":
				intents[*e.T]++
			case e.T != nil:
				if intents[*e.T] == 0 {
					t.Errorf("target %d: an outcome with no intent before it", *e.T)
				}
				outcomes[*e.T]++
				if e.Step == repairApplied {
					applied++
				}
			}
		}
		if len(outcomes) != 5 || applied != 5 {
			t.Fatalf("journal: outcomes %v, %d applied; want one applied line per change", outcomes, applied)
		}
		for tg, n := range outcomes {
			if n != 1 || intents[tg] != 1 {
				t.Errorf("target %d: %d outcomes, %d intents; want one each", tg, n, intents[tg])
			}
		}

		// A complete journal: at once, nothing asked, no audit line, no write.
		asked, audited := len(r.confirm.asked()), len(rawAudit(t, r.audit.Path()))
		before, beforeSubs := r.entities(t)
		again, err := r.ops.ResumeRepair(context.Background(), journal, nil)
		if err != nil || !again.Complete || again.Applied != 5 || again.Failed+again.NotAttempted != 0 {
			t.Errorf("resume of a finished run: %+v, %v; want its account, complete", again, err)
		}
		if len(r.confirm.asked()) != asked || len(rawAudit(t, r.audit.Path())) != audited {
			t.Error("resuming a complete repair journal asked for confirmation or wrote an audit line")
		}
		if conns, subs := r.entities(t); !mapsEqual(conns, before) || !mapsEqual(subs, beforeSubs) {
			t.Error("resuming a complete repair journal wrote")
		}
	})
}

func TestRepairRefusals(t *testing.T) {
	dir := t.TempDir()
	// No registry: any read or write would panic.
	o := stubOps(t, func(d *Deps) { d.Policy.ReadOnly = true })
	plan := repairplan.Plan{Rules: []string{repairplan.RuleEntityType}, Changes: []repairplan.Change{{Op: repairplan.OpSet}}}
	if _, err := o.Repair(context.Background(), RepairApply{Plan: plan}, nil); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only apply: %v", err)
	}
	if _, err := o.UndoRepair(context.Background(), filepath.Join(dir, "none.jsonl"), "", 0, nil); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only undo: %v", err)
	}
	if _, err := o.ResumeRepair(context.Background(), filepath.Join(dir, "none.jsonl"), nil); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only resume: %v", err)
	}
	if got := auditActions(t, o.audit); len(got) != 3 {
		t.Errorf("audit lines %v, want one per refusal", got)
	}
	eachRepairBackend(t, data.WizzSchema(), func(t *testing.T, r *repairRig) {
		seedIncident(t, r)
		plan, err := r.ops.RepairPlan(context.Background(), repairplan.Request{})
		if err != nil {
			t.Fatal(err)
		}
		r.confirm.err = ErrNotConfirmed
		if _, err := r.ops.Repair(context.Background(), RepairApply{Plan: plan}, nil); !errors.Is(err, ErrNotConfirmed) {
			t.Errorf("declined: %v", err)
		}
		if conns, _ := r.entities(t); conns["R00000000000001="] != "customer" {
			t.Error("records changed despite the refusal")
		}
		if _, err := r.ops.Repair(context.Background(), RepairApply{Plan: plan, Selected: []int{99}}, nil); err == nil {
			t.Error("a selection out of the plan: no error")
		}
		notJournal := filepath.Join(r.dir, "garbage.jsonl")
		if err := os.WriteFile(notJournal, []byte("{\"format\":\"x\"}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		r.confirm.err = nil
		if _, err := r.ops.UndoRepair(context.Background(), notJournal, "", 0, nil); err == nil || !strings.Contains(err.Error(), "not a wsops-journal/2 header") {
			t.Errorf("undo of a non-journal: %v", err)
		}
	})
}

func TestRepairJournalsOfAnotherProfileOrPlaceAreRefused(t *testing.T) {
	eachRepairBackend(t, data.WizzSchema(), func(t *testing.T, r *repairRig) {
		seedIncident(t, r)
		plan, err := r.ops.RepairPlan(context.Background(), repairplan.Request{})
		if err != nil {
			t.Fatal(err)
		}
		// A real journal, cancelled before its end, so that a resume has work left.
		journal := filepath.Join(r.dir, "j.jsonl")
		ctx, cancel := context.WithCancel(context.Background())
		if _, err := r.ops.Repair(ctx, RepairApply{Plan: plan, RPS: 1, Journal: journal}, func(Progress) { cancel() }); !errors.Is(err, context.Canceled) {
			t.Fatalf("apply: %v", err)
		}
		conns, subs := r.entities(t)
		asked, audited := len(r.confirm.asked()), len(rawAudit(t, r.audit.Path()))
		for name, c := range map[string]struct {
			change  func(*Deps)
			message string
		}{
			"another profile":           {func(d *Deps) { d.Policy.Profile = "prod" }, "written on profile sandbox, not prod"},
			"another registry endpoint": {func(d *Deps) { d.Place.Registry = "aws dynamodb eu-west-1" }, "refused"},
			"other tables":              {func(d *Deps) { d.Place.Tables[0] = "prod-connections" }, "refused"},
			"another management API":    {func(d *Deps) { d.Place.Management = "https://abc.execute-api.eu-west-1.amazonaws.com/prod" }, "refused"},
		} {
			o := r.with(t, c.change)
			if _, err := o.ResumeRepair(context.Background(), journal, nil); err == nil || !strings.Contains(err.Error(), c.message) {
				t.Errorf("%s: resume: %v, want %q", name, err, c.message)
			}
			if _, err := o.UndoRepair(context.Background(), journal, "", 0, nil); err == nil || !strings.Contains(err.Error(), c.message) {
				t.Errorf("%s: undo: %v, want %q", name, err, c.message)
			}
		}
		// Refused, audited (one line each), nothing asked.
		lines := rawAudit(t, r.audit.Path())
		if len(r.confirm.asked()) != asked || len(lines) != audited+8 {
			t.Errorf("%d confirmations and %d audit lines after 8 refusals, want %d and %d", len(r.confirm.asked()), len(lines), asked, audited+8)
		}
		for _, l := range lines[min(audited, len(lines)):] {
			if !strings.Contains(l.Error, ErrForeignJournal.Error()) {
				t.Errorf("audit line %+v, want a refusal of a foreign journal", l)
			}
		}
		if after, afterSubs := r.entities(t); !mapsEqual(after, conns) || !mapsEqual(afterSubs, subs) {
			t.Error("a refused resume or undo wrote")
		}
	})
}

func TestRepairAppliesOnlyTheSelectedChanges(t *testing.T) {
	eachRepairBackend(t, data.WizzSchema(), func(t *testing.T, r *repairRig) {
		seedIncident(t, r)
		plan, err := r.ops.RepairPlan(context.Background(), repairplan.Request{Only: []string{repairplan.RuleEntityType}})
		if err != nil {
			t.Fatal(err)
		}
		var pick []int
		for i, c := range plan.Changes {
			if !c.Subscriptions {
				pick = append(pick, i)
			}
		}
		res, err := r.ops.Repair(context.Background(), RepairApply{Plan: plan, Selected: pick}, nil)
		if err != nil || res.Applied != 2 {
			t.Fatalf("apply: %+v, %v", res, err)
		}
		conns, subs := r.entities(t)
		if conns["R00000000000001="] != "merchant" || subs["R00000000000001= order#o-1"] != "customer" {
			t.Errorf("after a partial apply: %v %v; want connections fixed, subscriptions left", conns, subs)
		}
	})
}

func auditActions(t *testing.T, log *auditlog.Log) []string {
	t.Helper()
	entries, _, err := log.Tail(0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action)
	}
	return out
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
