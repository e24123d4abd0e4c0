package ops

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"wsops/data"
	"wsops/internal/testrig"
)

func TestDeleteRecordsDeletesOnlyTheGivenRecords(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 1})
	gone := []string{staleID(1), staleID(2)}
	f.staleRecords(t, time.Time{}, append(slices.Clone(gone), staleID(3))...)

	res, err := f.ops.DeleteRecords(context.Background(), gone)
	if err != nil {
		t.Fatal(err)
	}
	if res.Connections != 2 || res.Subscriptions != 2 || len(res.Failed) != 0 {
		t.Errorf("result %+v, want 2 connections and 2 subscriptions deleted", res)
	}
	conns, subs := f.records(t, data.Select{User: "u-stale"})
	if want := []string{staleID(3)}; !slices.Equal(conns, want) || !slices.Equal(subs, want) {
		t.Errorf("left records %v, subscriptions %v; want %v", conns, subs, want)
	}
	if len(f.w.Requests()) != 0 {
		t.Errorf("management calls made: %v", f.w.Requests())
	}
	if n := len(f.confirm.plans); n != 1 || f.confirm.plans[0].Action != "prune" || f.confirm.plans[0].Radius.Total != 2 {
		t.Errorf("confirmations %+v, want one prune plan of 2", f.confirm.plans)
	}
	lines := f.auditLines(t)
	if len(lines) != 1 || lines[0].Action != "prune" || lines[0].Result["deleted"] != 2 || lines[0].Targets != 2 {
		t.Errorf("audit %+v", lines)
	}
}

func TestDeleteRecordsRefusals(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{})
	f.staleRecords(t, time.Time{}, staleID(1))

	f.confirm.err = ErrNotConfirmed
	if _, err := f.ops.DeleteRecords(context.Background(), []string{staleID(1)}); !errors.Is(err, ErrNotConfirmed) {
		t.Errorf("declined: %v", err)
	}
	f.ops.Policy.ReadOnly = true
	if _, err := f.ops.DeleteRecords(context.Background(), []string{staleID(1)}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only: %v", err)
	}
	if _, err := f.ops.DeleteRecords(context.Background(), nil); !errors.Is(err, ErrNoTargets) {
		t.Errorf("no ids: %v", err)
	}
	if conns, _ := f.records(t, data.Select{User: "u-stale"}); len(conns) != 1 {
		t.Errorf("records deleted despite the refusals: left %v", conns)
	}
	if lines := f.auditLines(t); len(lines) != 2 || lines[0].Error == "" || lines[1].Error == "" {
		t.Errorf("refusals not audited: %+v", lines)
	}
}
