package ops

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"wsops/config"
	"wsops/data"
	"wsops/ops/repairplan"
)

// incidentRules are profile rules on both tables, over seedIncident's records.
var incidentRules = []config.RepairRule{
	{Name: "deactivate-orders", Table: config.RepairSubscriptions,
		Where:    map[string]any{"connection.appId": "drivers"},
		WhereNot: map[string]any{"isActive": false}, Set: map[string]any{"isActive": false}},
	{Name: "source", Table: config.RepairConnections,
		Where: map[string]any{"appId": "customers"}, WhereMissing: []string{"sourceIp"},
		Set: map[string]any{"sourceIp": "0.0.0.0"}},
}

// Listings flag, as problems, exactly the records the repair plan would
// change: the same rules mark the rows of conns and subs (read through
// Ops), and the details (Inspect).
func TestListingsFlagWhatRepairFixes(t *testing.T) {
	eachRepairBackend(t, data.WizzSchema(), func(t *testing.T, r *repairRig) {
		seedIncident(t, r)
		// A merchant connected a moment ago has not subscribed yet: neither
		// the plan nor a listing holds it against it.
		fresh := r.conn(7, "order-receiver")
		fresh.BusinessID, fresh.ConnectedAt = "b-7", r.now.Add(-2*time.Second)
		r.put(t, []data.Connection{fresh}, nil)
		ctx := context.Background()
		o := r.with(t, func(d *Deps) { d.RepairRules = incidentRules })
		plan, err := o.RepairPlan(ctx, repairplan.Request{Rules: incidentRules})
		if err != nil {
			t.Fatal(err)
		}
		wantConns, wantSubs := map[string]bool{}, map[string]bool{}
		for _, c := range plan.Changes {
			switch {
			case c.Op == repairplan.OpCreate:
				wantConns[c.ConnectionID] = true
			case c.Subscriptions:
				wantSubs[plainString(c.Key["connectionId"])+" "+plainString(c.Key["subscriptionKey"])] = true
			default:
				wantConns[plainString(c.Key["connectionId"])] = true
			}
		}

		conns, err := data.Collect(ctx, o.Connections(ctx, data.Select{}))
		if err != nil {
			t.Fatal(err)
		}
		gotConns := map[string]bool{}
		for _, c := range conns {
			if len(c.Problems) > 0 {
				gotConns[c.ID] = true
			}
		}
		if !maps.Equal(gotConns, wantConns) {
			t.Errorf("connections flagged %v, the plan changes %v", slices.Sorted(maps.Keys(gotConns)), slices.Sorted(maps.Keys(wantConns)))
		}
		subs, err := o.Subscriptions(ctx, data.Select{})
		if err != nil {
			t.Fatal(err)
		}
		gotSubs := map[string]bool{}
		for _, s := range subs {
			if len(s.Problems) > 0 {
				gotSubs[s.ConnectionID+" "+s.Key] = true
			}
		}
		if !maps.Equal(gotSubs, wantSubs) {
			t.Errorf("subscriptions flagged %v, the plan changes %v", slices.Sorted(maps.Keys(gotSubs)), slices.Sorted(maps.Keys(wantSubs)))
		}

		// The words: what is wrong, in the record's own attribute names.
		in := o.Inspect(ctx, "R00000000000002=")
		if in.ConnErr != nil || !slices.Contains(in.Conn.Problems, "no business_status#b-2 subscription") {
			t.Errorf("details of the merchant without its subscription: problems %q (%v)", in.Conn.Problems, in.ConnErr)
		}
		in = o.Inspect(ctx, "R00000000000001=")
		if len(in.Subs) == 0 || !slices.Contains(in.Subs[0].Problems, `entityType "customer" but connection's appId order-receiver`) {
			t.Errorf("details' subscriptions: %+v", in.Subs)
		}
		subs, err = o.Subscriptions(ctx, data.Select{App: "drivers"})
		if err != nil || len(subs) != 1 || !slices.Contains(subs[0].Problems, "rule deactivate-orders: isActive true → false") {
			t.Errorf("subs --app drivers: %+v (%v)", subs, err)
		}
		// A projected read is not checked: its records lack what the rules read.
		for _, c := range plan.Changes {
			if c.ConnectionID == fresh.ID {
				t.Errorf("the plan creates a subscription for a merchant connected 2 s ago: %+v", c)
			}
		}
		// Past the grace it owes one: flagged, and planned.
		r.now = r.now.Add(time.Minute)
		if in := o.Inspect(ctx, fresh.ID); !slices.Contains(in.Conn.Problems, "no business_status#b-7 subscription") {
			t.Errorf("a minute later the merchant's problems are %q", in.Conn.Problems)
		}
		conns, err = data.Collect(ctx, o.Connections(ctx, data.Select{Attributes: []string{"connectionId"}}))
		if err != nil || len(conns) != 7 {
			t.Fatalf("projected read: %d (%v)", len(conns), err)
		}
		for _, c := range conns {
			for _, p := range c.Problems {
				if strings.Contains(p, "business_status") || strings.HasPrefix(p, "rule ") {
					t.Errorf("projected %s checked: %q", c.ID, p)
				}
			}
		}
	})
}

// An entity type selection says how many records it leaves out because
// their entity type breaks the preset's rule; a business id selects the
// connections of one merchant (and, joined, their subscriptions).
func TestSelectionsByEntityAndBusiness(t *testing.T) {
	eachRepairBackend(t, data.WizzSchema(), func(t *testing.T, r *repairRig) {
		seedIncident(t, r)
		ctx := context.Background()
		targets, radius, err := Resolve(ctx, r.reg, Targets{Select: data.Select{EntityType: "merchant"}})
		if err != nil || len(targets) != 2 || radius.LeftOut != 2 {
			t.Fatalf("--entity merchant: %d targets, %d left out (%v); want 2 and 2", len(targets), radius.LeftOut, err)
		}
		if s := radius.String(); !strings.Contains(s, "left out: 2 records") {
			t.Errorf("radius %q does not say what it leaves out", s)
		}
		_, _, err = Resolve(ctx, r.reg, Targets{Select: data.Select{EntityType: "merchant", User: "u-1"}})
		if !errors.Is(err, ErrNoMatch) || !strings.Contains(err.Error(), "left out: 1 records") {
			t.Errorf("--entity merchant --user u-1: %v; want no match, naming the record it left out", err)
		}
		targets, _, err = Resolve(ctx, r.reg, Targets{Select: data.Select{BusinessID: "b-2"}})
		if err != nil || len(targets) != 1 || targets[0].ID != "R00000000000002=" {
			t.Errorf("--business b-2: %+v (%v)", targets, err)
		}
		subs, err := data.Collect(ctx, r.reg.Subscriptions(ctx, data.Select{BusinessID: "b-1"}))
		if err != nil || len(subs) != 2 {
			t.Errorf("subscriptions of business b-1: %d (%v), want 2", len(subs), err)
		}
	})
	eachRepairBackend(t, data.This27Schema(), func(t *testing.T, r *repairRig) {
		_, _, err := Resolve(context.Background(), r.reg, Targets{Select: data.Select{BusinessID: "b-1"}})
		if !errors.Is(err, data.ErrNoBusinessID) {
			t.Errorf("--business on this27: %v, want %v", err, data.ErrNoBusinessID)
		}
	})
}
