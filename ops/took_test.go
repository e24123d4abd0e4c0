package ops

import (
	"context"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"wsops/data"
	"wsops/internal/testrig"
	"wsops/ops/auditlog"
	"wsops/ops/repairplan"
)

// stoppedClock is a clock that moves only when told to.
type stoppedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stoppedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stoppedClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// slowOperator confirms every plan after reading it for think, on clock.
type slowOperator struct {
	clock *stoppedClock
	think time.Duration
}

func (s slowOperator) Confirm(context.Context, Plan, Policy) error {
	s.clock.advance(s.think)
	return nil
}

// The audit's TOOK (an end line's duration_ms) and a send's duration_ms are
// the action's own: the time the operator spent on the confirmation is not
// in them, and the run's time is when it started acting.
func TestTookExcludesTheConfirmation(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 3})
	ids := f.w.IDs
	// The clock starts 10 minutes ahead, so the stale record below is past
	// prune's grace; it moves only while the operator reads the prompt.
	start := time.Now().Add(10 * time.Minute)
	const think = time.Hour
	f.staleRecords(t, start.Add(-30*time.Minute), staleID(900))
	f.put(t, []data.Connection{{ID: staleID(901), User: "m-1", App: "order-receiver", EntityType: "customer",
		Platform: "ios", BusinessID: "b-1", ConnectedAt: start}}, nil)

	for _, tc := range []struct {
		action string
		run    func(ctx context.Context, o *Ops, dir string) (sendMS int64, err error)
	}{
		{"send", func(ctx context.Context, o *Ops, dir string) (int64, error) {
			res, err := o.Send(ctx, SendRequest{Targets: Targets{Conns: ids[:1]}, Payload: []byte(`{"n":1}`),
				Journal: filepath.Join(dir, "send.jsonl")}, nil)
			return res.DurationMS, err
		}},
		{"logout", func(ctx context.Context, o *Ops, dir string) (int64, error) {
			_, err := o.Logout(ctx, LogoutRequest{Targets: Targets{Conns: ids[1:2]}, Journal: filepath.Join(dir, "logout.jsonl")}, nil)
			return 0, err
		}},
		{"prune", func(ctx context.Context, o *Ops, dir string) (int64, error) {
			_, err := o.Prune(ctx, PruneRequest{Grace: DefaultPruneGrace, Journal: filepath.Join(dir, "prune.jsonl")}, nil)
			return 0, err
		}},
		{"repair", func(ctx context.Context, o *Ops, dir string) (int64, error) {
			plan, err := o.RepairPlan(ctx, repairplan.Request{})
			if err != nil || len(plan.Changes) == 0 {
				t.Fatalf("repair plan: %d changes, %v; want the seeded order-receiver record's", len(plan.Changes), err)
			}
			_, err = o.Repair(ctx, RepairApply{Plan: plan, RPS: math.Inf(1), Journal: filepath.Join(dir, "repair.jsonl")}, nil)
			return 0, err
		}},
	} {
		t.Run(tc.action, func(t *testing.T) {
			dir := t.TempDir()
			clock := &stoppedClock{t: start}
			audit := auditlog.New(filepath.Join(dir, "audit.jsonl"))
			o := f.with(t, func(d *Deps) {
				d.Now, d.Confirm, d.Audit = clock.now, slowOperator{clock: clock, think: think}, audit
			})
			sendMS, err := tc.run(context.Background(), o, dir)
			if err != nil {
				t.Fatal(err)
			}
			if clock.now().Sub(start) != think {
				t.Fatalf("the operator was asked %v worth of times, want once", clock.now().Sub(start))
			}
			lines := rawAudit(t, audit.Path())
			if len(lines) != 2 || lines[0].Phase != "start" || lines[1].Phase != "end" || lines[1].Action != tc.action {
				t.Fatalf("audit lines %+v, want the %s run's start and end", lines, tc.action)
			}
			for _, l := range lines {
				if l.DurationMS >= think.Milliseconds() {
					t.Errorf("%s line: TOOK %d ms, which counts the %v spent confirming", l.Phase, l.DurationMS, think)
				}
				if !l.Time.Equal(start.Add(think)) {
					t.Errorf("%s line: time %v, want when the run started acting, %v", l.Phase, l.Time, start.Add(think).UTC())
				}
			}
			if sendMS >= think.Milliseconds() {
				t.Errorf("send's duration_ms %d counts the %v spent confirming", sendMS, think)
			}
		})
	}
}
