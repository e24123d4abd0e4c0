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

	res, err := f.ops.DeleteRecords(context.Background(), GoneRecords{IDs: append(slices.Clone(gone), gone[0]), Live: 1}, nil) // one listed twice
	if err != nil {
		t.Fatal(err)
	}
	if res.Gone != 2 || res.Deleted != 2 || res.Records != 4 || res.Failed != 0 || !res.Complete || res.Journal == "" {
		t.Errorf("result %+v, want 2 connections' 4 records deleted", res)
	}
	conns, subs := f.records(t, data.Select{User: "u-stale"})
	if want := []string{staleID(3)}; !slices.Equal(conns, want) || !slices.Equal(subs, want) {
		t.Errorf("left records %v, subscriptions %v; want %v", conns, subs, want)
	}
	if len(f.w.Requests()) != 0 {
		t.Errorf("management calls made: %v", f.w.Requests())
	}
	if plans := f.confirm.asked(); len(plans) != 1 || plans[0].Action != "prune" || plans[0].Radius.Total != 2 {
		t.Errorf("confirmations %+v, want one prune plan of 2", plans)
	}
	lines := f.auditLines(t)
	if len(lines) != 1 || lines[0].Action != "prune" || lines[0].Result["deleted"] != 2 || lines[0].Targets != 2 || lines[0].Journal != res.Journal {
		t.Errorf("audit %+v", lines)
	}
}

func TestDeleteRecordsRefusals(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{})
	f.staleRecords(t, time.Time{}, staleID(1))

	f.confirm.err = ErrNotConfirmed
	if _, err := f.ops.DeleteRecords(context.Background(), GoneRecords{IDs: []string{staleID(1)}}, nil); !errors.Is(err, ErrNotConfirmed) {
		t.Errorf("declined: %v", err)
	}
	readOnly := f.with(t, func(d *Deps) { d.Policy.ReadOnly = true })
	if _, err := readOnly.DeleteRecords(context.Background(), GoneRecords{IDs: []string{staleID(1)}}, nil); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only: %v", err)
	}
	if _, err := f.ops.DeleteRecords(context.Background(), GoneRecords{}, nil); !errors.Is(err, ErrNoTargets) {
		t.Errorf("no ids: %v", err)
	}
	if conns, _ := f.records(t, data.Select{User: "u-stale"}); len(conns) != 1 {
		t.Errorf("records deleted despite the refusals: left %v", conns)
	}
	if lines := f.auditLines(t); len(lines) != 2 || lines[0].Error == "" || lines[1].Error == "" {
		t.Errorf("refusals not audited: %+v", lines)
	}
}
