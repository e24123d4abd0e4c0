package ops

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"wsops/data"
	"wsops/internal/testrig"
	"wsops/ops/auditlog"
	"wsops/ops/repairplan"
)

type answer struct{ err error }

func (a answer) Confirm(context.Context, Plan, Policy) error { return a.err }

// noRegistry and noGateway panic on any call: an Ops over them proves that
// what it ran made no call at all.
type (
	noRegistry struct{ Registry }
	noGateway  struct{ Gateway }
)

// stubOps is an Ops over noRegistry and noGateway, confirming everything,
// auditing to a fresh file; change edits its deps first.
func stubOps(t *testing.T, change func(*Deps)) *Ops {
	t.Helper()
	return testOps(t, Deps{Registry: noRegistry{}, Gateway: noGateway{}, Confirm: answer{}, Caller: sandboxCaller,
		Audit: auditlog.New(filepath.Join(t.TempDir(), "audit.jsonl")), Policy: Policy{Profile: "p"}}, change)
}

// testOps is New(d) once change (nil: none) edited a copy of d, which
// shares no tables slice with d.
func testOps(t *testing.T, d Deps, change func(*Deps)) *Ops {
	t.Helper()
	d.Place.Tables = slices.Clone(d.Place.Tables)
	if change != nil {
		change(&d)
	}
	o, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// journalLines reads a journal's lines.
func journalLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// rawAudit reads every line of an audit log, start lines included.
func rawAudit(t *testing.T, path string) []auditlog.Entry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []auditlog.Entry
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e auditlog.Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		out = append(out, e)
	}
	return out
}

func TestRunAuditsEveryOutcomeAndNeverThePayload(t *testing.T) {
	log := auditlog.New(filepath.Join(t.TempDir(), "a", "audit.jsonl"))
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
		{"confirmed", Policy{Profile: "p"}, answer{}, nil, 1},
	}
	for _, c := range cases {
		did = 0
		o := stubOps(t, func(d *Deps) { d.Policy, d.Confirm, d.Audit = c.pol, c.confirm, log })
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
	if last.PayloadBytes != len(payload) || len(last.PayloadSHA256) != 64 || last.Result["delivered"] != 2 || last.Error != "" ||
		last.Phase != "end" || last.Caller != "sandbox" {
		t.Errorf("audit line %+v", last)
	}
	if !strings.Contains(entries[0].Error, "read-only") || entries[0].Phase != "" {
		t.Errorf("the refusal's line lacks its reason or has a phase: %+v", entries[0])
	}
	raw, err := os.ReadFile(log.Path())
	if err != nil || strings.Contains(string(raw), "payload body") {
		t.Errorf("the audit log holds the payload (%v):\n%s", err, raw)
	}
}

func TestNewRefusesMissingDependencies(t *testing.T) {
	full := Deps{Registry: noRegistry{}, Gateway: noGateway{}, Confirm: answer{}, Caller: sandboxCaller,
		Audit: auditlog.New(filepath.Join(t.TempDir(), "audit.jsonl")), Policy: Policy{Profile: "p"}}
	if _, err := New(full); err != nil {
		t.Fatalf("all deps: %v", err)
	}
	for name, drop := range map[string]func(*Deps){
		"no registry":      func(d *Deps) { d.Registry = nil },
		"no gateway":       func(d *Deps) { d.Gateway = nil },
		"nobody to ask":    func(d *Deps) { d.Confirm = nil },
		"no audit log":     func(d *Deps) { d.Audit = nil },
		"no caller":        func(d *Deps) { d.Caller = nil },
		"no profile named": func(d *Deps) { d.Policy.Profile = "" },
	} {
		d := full
		drop(&d)
		if o, err := New(d); err == nil || o != nil {
			t.Errorf("%s: New gave %v, %v; want a refusal", name, o, err)
		}
	}
}

func TestReadOnlyRefusesBeforeAnyCall(t *testing.T) {
	// No registry and no management API: any call at all would panic.
	o := stubOps(t, func(d *Deps) { d.Policy.ReadOnly = true })
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "none.jsonl")
	calls := map[string]func() error{
		"send": func() error {
			_, err := o.Send(ctx, SendRequest{Targets: Targets{All: true}, Payload: []byte(`{}`)}, nil)
			return err
		},
		"logout": func() error {
			_, err := o.Logout(ctx, LogoutRequest{Targets: Targets{Conns: []string{"a"}}, Journal: filepath.Join(dir, "l.jsonl")}, nil)
			return err
		},
		"prune": func() error { _, err := o.Prune(ctx, PruneRequest{}, nil); return err },
		"delete records": func() error {
			_, err := o.DeleteRecords(ctx, GoneRecords{IDs: []string{"a"}}, nil)
			return err
		},
		"repair": func() error {
			_, err := o.Repair(ctx, RepairApply{Plan: repairplan.Plan{Changes: []repairplan.Change{{Op: repairplan.OpSet}}}}, nil)
			return err
		},
		"resume send":   func() error { _, err := o.Resume(ctx, missing, false, nil); return err },
		"resume logout": func() error { _, err := o.ResumeLogout(ctx, missing, 0, nil); return err },
		"resume prune":  func() error { _, err := o.ResumePrune(ctx, missing, nil); return err },
		"undo prune":    func() error { _, err := o.UndoPrune(ctx, missing, "", nil); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s: %v, want ErrReadOnly", name, err)
		}
	}
	entries, _, err := auditlog.New(o.audit.Path()).Tail(0)
	if err != nil || len(entries) != len(calls) {
		t.Fatalf("%d audit lines (%v), want one per refusal", len(entries), err)
	}
	for _, e := range entries {
		if e.Phase != "" || e.Run != "" || !strings.Contains(e.Error, "read-only") {
			t.Errorf("refusal line %+v: want one line with no phase, naming the reason", e)
		}
	}
}

// auditingGateway is a management API whose every post first reads the
// audit log, so a test can see what was on disk when the call was made.
type auditingGateway struct {
	noGateway
	log *auditlog.Log

	mu    sync.Mutex
	posts int
	seen  []auditlog.Entry // the audit log as the first post found it
}

func (g *auditingGateway) Post(context.Context, string, []byte) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.posts++
	if g.posts == 1 {
		b, _ := os.ReadFile(g.log.Path())
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var e auditlog.Entry
			if json.Unmarshal([]byte(line), &e) == nil {
				g.seen = append(g.seen, e)
			}
		}
	}
	return nil
}

func TestAuditStartLineIsWrittenBeforeTheFirstCall(t *testing.T) {
	log := auditlog.New(filepath.Join(t.TempDir(), "audit.jsonl"))
	gw := &auditingGateway{log: log}
	o := stubOps(t, func(d *Deps) { d.Gateway, d.Audit = gw, log })
	self := data.Connection{ID: "self="}
	if err := o.PostToSelf(context.Background(), self, []byte(`{"hi":1}`)); err != nil {
		t.Fatal(err)
	}
	if len(gw.seen) != 1 || gw.seen[0].Phase != "start" || gw.seen[0].Run == "" || gw.seen[0].Action != "send" {
		t.Fatalf("the audit log at the first call: %+v, want one start line with a run id", gw.seen)
	}
	lines := rawAudit(t, log.Path())
	if len(lines) != 2 || lines[1].Phase != "end" || lines[1].Run != gw.seen[0].Run || lines[1].Result["delivered"] != 1 {
		t.Fatalf("audit lines %+v, want the start line and an end line of the same run", lines)
	}

	// A second run, killed before its end line: its start line stays in the tail.
	killed := auditlog.Entry{Profile: "p", Action: "logout", Run: auditlog.NewRunID()}
	if err := log.Start(killed); err != nil {
		t.Fatal(err)
	}
	entries, _, err := log.Tail(0)
	if err != nil || len(entries) != 2 {
		t.Fatalf("tail %+v (%v), want the finished run once and the killed run's start", entries, err)
	}
	if entries[0].Run != lines[0].Run || entries[0].Phase != "end" || entries[1].Run != killed.Run || entries[1].Phase != "start" {
		t.Errorf("tail %+v", entries)
	}
}

func TestAnUnwritableAuditLogMeansNoCall(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "state")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil { // a file where the log's directory would be
		t.Fatal(err)
	}
	log := auditlog.New(filepath.Join(blocker, "audit.jsonl"))
	gw := &auditingGateway{log: log}
	o := stubOps(t, func(d *Deps) { d.Gateway, d.Audit = gw, log })
	err := o.PostToSelf(context.Background(), data.Connection{ID: "self="}, []byte(`{"hi":1}`))
	if err == nil || !strings.Contains(err.Error(), "nothing done") {
		t.Errorf("error %v, want the audit log's, nothing done", err)
	}
	if gw.posts != 0 {
		t.Errorf("%d posts made with no audit line", gw.posts)
	}

	// A journaled action against a live world: no call, no journal.
	f := startFleetRig(t, testrig.WorldOptions{Clients: 1})
	journal := journalIn(t)
	lo := f.with(t, func(d *Deps) { d.Audit = log })
	if _, err := lo.Logout(context.Background(), LogoutRequest{Targets: Targets{Conns: f.w.IDs}, Journal: journal}, nil); err == nil {
		t.Error("a logout with an unwritable audit log: no error")
	}
	if _, err := os.Stat(journal); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a journal was created: %v", err)
	}
	if reqs := f.w.Requests(); len(reqs) != 0 {
		t.Errorf("management requests made: %v", reqs)
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
	log := auditlog.New(path)
	if err := log.Append(auditlog.Entry{Action: "send"}); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(strings.Repeat("x", 2<<20) + "\n{\"action\":\"cut-off\n")
	f.Close()
	if err := log.Append(auditlog.Entry{Action: "logout"}); err != nil {
		t.Fatal(err)
	}
	entries, skipped, err := log.Tail(0)
	if err != nil || skipped != 2 || len(entries) != 2 || entries[1].Action != "logout" {
		t.Fatalf("entries %d, skipped %d, err %v", len(entries), skipped, err)
	}
}
