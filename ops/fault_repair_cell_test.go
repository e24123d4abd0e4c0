package ops_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"wsops/data"
	"wsops/ops"
	"wsops/ops/repairplan"
)

// repairWrong is how many order-receiver records the repair cell seeds
// written as customer, each with one subscription written the same way.
const repairWrong = 6

// repairCell seeds the incident, plans (again while the plan's reads
// fail), applies and resumes until the journal is done, then undoes and
// resumes the undo. Nobody else writes, so every change is applied exactly
// once and none conflicts — a write whose answer was lost and whose retry
// found the value already written counts as applied — and the live drivers'
// records are never touched.
func repairCell(t *testing.T, m *matrixWorld) string {
	var ids []string
	for n := range repairWrong {
		id := fmt.Sprintf("RepairMatrix%03d=", n)
		ids = append(ids, id)
		m.put(t, m.schema.Connections.Table.Name, m.schema.EncodeConnection(data.Connection{
			ID: id, User: fmt.Sprintf("m-%d", n), App: "order-receiver", EntityType: "customer", Platform: "android",
		}))
		m.put(t, m.schema.Subscriptions.Table.Name, m.schema.EncodeSubscription(data.Subscription{
			ConnectionID: id, Key: "order#r" + id, User: fmt.Sprintf("m-%d", n), EntityType: "customer", Active: true,
		}))
	}
	var plan repairplan.Plan
	planRounds, planErr := retried(t, "repair (plan)", func() error {
		var err error
		plan, err = m.o.RepairPlan(ctxFor(t), repairplan.Request{Only: []string{repairplan.RuleEntityType}})
		return err
	})
	if len(plan.Changes) != 2*repairWrong {
		t.Fatalf("plan of %d changes, want %d", len(plan.Changes), 2*repairWrong)
	}
	journal := filepath.Join(m.dir, "repair.jsonl")
	first, _ := m.o.Repair(ctxFor(t), ops.RepairApply{Plan: plan, RPS: 1000, Journal: journal}, nil)
	applied, resumes := finish(t, m, first, journal)
	if applied != 2*repairWrong {
		t.Errorf("%d changes applied in the journal, want each of the %d", applied, 2*repairWrong)
	}
	m.checkEntities(t, ids, "merchant")

	undo, _ := m.o.UndoRepair(ctxFor(t), journal, filepath.Join(m.dir, "undo.jsonl"), 1000, nil)
	restored, undoResumes := finish(t, m, undo, undo.Journal)
	if restored != 2*repairWrong {
		t.Errorf("%d changes restored in the undo's journal, want %d", restored, 2*repairWrong)
	}
	m.checkEntities(t, ids, "customer")

	out := fmt.Sprintf("first apply: %d applied, %d failed, %d not attempted", first.Applied, first.Failed, first.NotAttempted)
	if planRounds > 1 {
		out = fmt.Sprintf("plan failed %d× (%s); ", planRounds-1, shortErr(planErr)) + out
	}
	return out + fmt.Sprintf("; %d resumes → %d applied, 0 conflicts, 0 already; undo + %d resumes → %d restored; live records untouched",
		resumes, applied, undoResumes, restored)
}

// finish resumes a repair journal until no change is left failed or not
// attempted, and returns the changes its journal applied and the number of
// resumes. A conflict, or a change found already made, fails the test:
// nobody else writes.
func finish(t *testing.T, m *matrixWorld, res ops.RepairResult, journal string) (applied, resumes int) {
	t.Helper()
	if res.Journal == "" {
		t.Fatalf("the run left no journal: %+v", res)
	}
	for !res.Complete {
		resumes++
		if resumes > maxRounds {
			t.Fatalf("repair journal %s still unfinished after %d resumes: %+v", journal, maxRounds, res)
		}
		var err error
		res, err = m.o.ResumeRepair(ctxFor(t), journal, nil)
		if err != nil {
			t.Logf("resume repair: %v", err)
		}
	}
	if res.Failed+res.NotAttempted != 0 {
		t.Errorf("complete journal %s with %d failed and %d not attempted", journal, res.Failed, res.NotAttempted)
	}
	if res.Conflicts != 0 || res.Already != 0 {
		t.Errorf("%d conflicts and %d changes found already made, with no other writer", res.Conflicts, res.Already)
	}
	return res.Applied, resumes
}

// checkEntities reads the repaired records straight from DynamoDB: each
// connection and its subscription hold entity, and every live driver's
// record still says driver.
func (m *matrixWorld) checkEntities(t *testing.T, ids []string, entity string) {
	t.Helper()
	truth := m.truth(t)
	for _, id := range ids {
		if got := truth[id].EntityType; got != entity {
			t.Errorf("connection %s is %q, want %q", id, got, entity)
		}
		subs, err := data.NewRegistry(m.direct, m.schema, data.Options{}).SubscriptionsOf(ctxFor(t), id)
		if err != nil || len(subs) != 1 || subs[0].EntityType != entity {
			t.Errorf("subscriptions of %s: %+v, %v; want one of %q", id, subs, err, entity)
		}
	}
	for _, id := range m.w.IDs {
		if got := truth[id].EntityType; got != "driver" {
			t.Errorf("live driver %s became %q", id, got)
		}
	}
}
