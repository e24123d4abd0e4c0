package ops

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wsops/data"
)

type answer struct{ err error }

func (a answer) Confirm(context.Context, Plan, Policy) error { return a.err }

func TestRunAuditsEveryOutcomeAndNeverThePayload(t *testing.T) {
	log := NewAuditLog(filepath.Join(t.TempDir(), "a", "audit.jsonl"))
	plan := Plan{Action: "send", Filter: "user u", Radius: Radius{Total: 2}}
	payload := []byte(`{"secret-ish":"payload body"}`)
	did := 0
	do := func(context.Context) (Outcome, error) {
		did++
		return Outcome{Result: map[string]int{"delivered": 2}, Payload: payload}, nil
	}
	cases := []struct {
		name    string
		pol     Policy
		confirm Confirmer
		want    error
		runs    int
	}{
		{"read-only", Policy{Profile: "p", ReadOnly: true}, answer{}, ErrReadOnly, 0},
		{"declined", Policy{Profile: "p"}, answer{ErrNotConfirmed}, ErrNotConfirmed, 0},
		{"nobody to ask", Policy{Profile: "p"}, nil, ErrNotConfirmed, 0},
		{"confirmed", Policy{Profile: "p"}, answer{}, nil, 1},
	}
	for _, c := range cases {
		did = 0
		o := &Ops{Policy: c.pol, Confirm: c.confirm, Audit: log, Caller: "sandbox"}
		err := o.run(context.Background(), plan, do)
		if !errors.Is(err, c.want) || (c.want == nil && err != nil) || did != c.runs {
			t.Errorf("%s: err %v, ran %d times; want %v, %d", c.name, err, did, c.want, c.runs)
		}
		if (c.want != nil) != Refused(err) {
			t.Errorf("%s: Refused(%v) wrong", c.name, err)
		}
	}
	entries, skipped, err := log.Tail(0)
	if err != nil || skipped != 0 || len(entries) != len(cases) {
		t.Fatalf("%d audit lines (%d skipped, %v), want one per run", len(entries), skipped, err)
	}
	last := entries[len(entries)-1]
	if last.PayloadBytes != len(payload) || len(last.PayloadSHA256) != 64 || last.Result["delivered"] != 2 || last.Error != "" {
		t.Errorf("audit line %+v", last)
	}
	if !strings.Contains(entries[0].Error, "read-only") {
		t.Errorf("the refusal's line lacks its reason: %+v", entries[0])
	}
	if (&Ops{Policy: Policy{}, Confirm: answer{}}).run(context.Background(), plan, do) == nil {
		t.Error("an action without an audit log ran")
	}
}

func TestReadOnlyPlanMakesNoCall(t *testing.T) {
	log := NewAuditLog(filepath.Join(t.TempDir(), "audit.jsonl"))
	o := &Ops{Policy: Policy{Profile: "p", ReadOnly: true}, Audit: log} // no registry: any read would panic
	if _, _, err := o.Plan(context.Background(), "send", Targets{All: true}, 10); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("read-only plan: %v", err)
	}
	if entries, _, _ := log.Tail(0); len(entries) != 1 {
		t.Fatalf("%d audit lines, want 1", len(entries))
	}
}

func TestTargetsAndRadius(t *testing.T) {
	for _, c := range []struct {
		t    Targets
		ok   bool
		desc string
	}{
		{Targets{}, false, ""},
		{Targets{All: true}, true, "all connections"},
		{Targets{Conns: []string{"a", "b"}}, true, "2 connection ids"},
		{Targets{Conns: []string{"L0SM9cOFvHcCIhw="}}, true, "connection L0SM9cOFvHcCIhw="},
		{Targets{Conns: []string{"a"}, All: true}, false, ""},
		{Targets{Select: data.Select{User: "u", App: "drivers"}}, true, "user u, app drivers"},
		{Targets{Select: data.Select{Topic: "order#1"}, All: true}, false, ""},
	} {
		if err := c.t.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: Validate %v", c.t, err)
		}
		if c.ok && c.t.String() != c.desc {
			t.Errorf("%+v: %q, want %q", c.t, c.t.String(), c.desc)
		}
	}
	r := RadiusOf([]Target{{App: "drivers", EntityType: "driver"}, {App: "drivers", EntityType: "driver"}, {}})
	if got := r.String(); got != "3 connections: drivers × driver 2, ? × ? 1" {
		t.Errorf("radius %q", got)
	}
}

func TestAuditTailSkipsHugeAndBrokenLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	log := NewAuditLog(path)
	if err := log.Append(AuditEntry{Action: "send"}); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(strings.Repeat("x", 2<<20) + "\n{\"action\":\"cut-off\n")
	f.Close()
	if err := log.Append(AuditEntry{Action: "logout"}); err != nil {
		t.Fatal(err)
	}
	entries, skipped, err := log.Tail(0)
	if err != nil || skipped != 2 || len(entries) != 2 || entries[1].Action != "logout" {
		t.Fatalf("entries %d, skipped %d, err %v", len(entries), skipped, err)
	}
}
