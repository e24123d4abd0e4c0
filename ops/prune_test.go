package ops

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/data"
	"wsops/internal/testrig"
)

// staleRecords seeds connection records of user u-stale (drivers × driver)
// for ids that are not connected, connected at the given time (zero: no
// connectedAt attribute), each with one subscription.
func (f *fleetRig) staleRecords(t *testing.T, at time.Time, ids ...string) {
	t.Helper()
	var conns []data.Connection
	for _, id := range ids {
		conns = append(conns, data.Connection{ID: id, User: "u-stale", App: "drivers", EntityType: "driver", Platform: "ios", ConnectedAt: at})
	}
	f.put(t, conns, nil)
	f.subscribe(t, "u-stale", ids...)
}

func TestPruneDeletesOnlyStaleRecords(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 5})
	live := f.w.IDs
	// The console's clock runs 10 minutes ahead, so the live connections'
	// records are past the grace and get probed too.
	now := time.Now().Add(10 * time.Minute)
	o := f.with(t, func(d *Deps) { d.Now = func() time.Time { return now } })
	var old []string // more than one batch of 25
	for n := range 27 {
		old = append(old, staleID(100+n))
	}
	undated, young := staleID(13), []string{staleID(20), staleID(21)}
	f.staleRecords(t, now.Add(-30*time.Minute), old...)
	f.staleRecords(t, time.Time{}, undated)
	f.staleRecords(t, now.Add(-10*time.Second), young...)
	f.subscribe(t, "testrig-user-0", live[0])

	var progress progressLog
	journal := filepath.Join(t.TempDir(), "prune.jsonl")
	res, err := o.Prune(context.Background(), PruneRequest{Grace: DefaultPruneGrace, Journal: journal}, progress.report)
	if err != nil {
		t.Fatal(err)
	}
	if want := (PruneResult{Checked: 33, Gone: 28, Deleted: 28, Records: 56, Skipped: 2, Journal: journal, Complete: true}); res != want {
		t.Errorf("result %+v, want %+v", res, want)
	}
	probed := append(slices.Clone(live), append(slices.Clone(old), undated)...)
	for _, id := range probed {
		if got := f.methods(id); !slices.Equal(got, []string{"GET"}) {
			t.Errorf("requests for %s: %v, want one GET", id, got)
		}
	}
	for _, id := range young {
		if n := f.w.RequestsFor(id); n != 0 {
			t.Errorf("a record younger than the grace was probed (%d requests)", n)
		}
	}
	conns, subs := f.records(t, data.Select{})
	if want := slices.Sorted(slices.Values(append(slices.Clone(live), young...))); !slices.Equal(conns, want) {
		t.Errorf("connection records %v, want the live and the young ones %v", conns, want)
	}
	if want := slices.Sorted(slices.Values(append([]string{live[0]}, young...))); !slices.Equal(subs, want) {
		t.Errorf("subscriptions of %v remain, want those of %v", subs, want)
	}
	// The probes' progress (33 of 33), then the deletes' (28 of 28).
	steps := progress.get()
	if len(steps) != 33+28 || steps[32] != [2]int{33, 33} || steps[len(steps)-1] != [2]int{28, 28} {
		t.Errorf("progress %v, want 33 probe steps to 33 of 33 then 28 delete steps to 28 of 28", steps)
	}
	plans := f.confirm.asked()
	if len(plans) != 1 || plans[0].Action != "prune" || plans[0].Filter != "stale records (grace 60s)" || plans[0].Radius.Total != 28 ||
		plans[0].Radius.Cells[data.AppEntity{App: "drivers", EntityType: "driver"}] != 28 || len(plans[0].Radius.Cells) != 1 {
		t.Errorf("confirmation asked with %+v, want the 28 gone connections' records", plans)
	}

	again, err := o.Prune(context.Background(), PruneRequest{Grace: DefaultPruneGrace}, nil)
	if want := (PruneResult{Checked: 5, Skipped: 2}); err != nil || again != want {
		t.Errorf("second prune: %+v (%v), want %+v", again, err, want)
	}
	// The second prune deleted nothing: no confirmation, no audit line.
	lines := f.auditLines(t)
	if len(lines) != 1 || len(f.confirm.asked()) != 1 {
		t.Fatalf("%d audit lines, %d confirmations; want 1 each", len(lines), len(f.confirm.asked()))
	}
	l := lines[0]
	if l.Action != "prune" || l.Filter != "stale records (grace 60s)" || l.Targets != 28 || l.Error != "" || l.Journal != journal ||
		!equalCounts(l.Result, map[string]int{"targets": 28, "deleted": 28, "failed": 0}) {
		t.Errorf("audit line %+v", l)
	}
}

func TestPruneKeepsRecordsWhoseProbeFails(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 1})
	refused, gone := staleID(30), staleID(31)
	f.staleRecords(t, time.Now().Add(-time.Hour), refused, gone)
	f.put(t, []data.Connection{{ID: staleID(32), User: "u-rider", App: "customers", EntityType: "customer"}}, nil)
	f.api.FailIDs("GET", &types.ForbiddenException{Message: aws.String("Forbidden")}, refused)
	res, err := f.ops.Prune(context.Background(), PruneRequest{Select: data.Select{App: "drivers"}, Grace: 5 * time.Minute}, nil)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 probes failed") {
		t.Errorf("error %v, want the failed probe counted", err)
	}
	if want := (PruneResult{Checked: 2, Gone: 1, Deleted: 1, Records: 2, Failed: 1}); clearJournal(res) != want {
		t.Errorf("result %+v, want %+v", res, want)
	}
	if conns, _ := f.records(t, data.Select{}); !slices.Equal(conns, slices.Sorted(slices.Values([]string{f.w.IDs[0], refused, staleID(32)}))) {
		t.Errorf("connection records %v: want the live one, the unprobed app's and the one whose probe failed", conns)
	}
	if plans := f.confirm.asked(); len(plans) != 1 || plans[0].Filter != "stale records (grace 300s) of app drivers" || plans[0].Radius.Total != 1 {
		t.Errorf("confirmation asked with %+v", plans)
	}
	if lines := f.auditLines(t); len(lines) != 1 || lines[0].Result["deleted"] != 1 {
		t.Errorf("audit lines %+v", lines)
	}
}

// clearJournal is res without its journal's path and completeness.
func clearJournal(res PruneResult) PruneResult {
	res.Journal, res.Complete = "", false
	return res
}

// failingWrites is a DynamoDB whose batch writes all fail.
type failingWrites struct{ data.DynamoAPI }

func (failingWrites) BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	return nil, errors.New("injected: DynamoDB unavailable")
}

func TestRecordsThatCannotBeDeletedAreReported(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 2, Claims: usersOf(map[int][2]string{0: {"u-d", "drivers"}, 1: {"u-d", "drivers"}})})
	failing := data.NewRegistry(failingWrites{f.db}, f.schema, data.Options{})
	o := f.with(t, func(d *Deps) { d.Registry = failing })
	f.staleRecords(t, time.Now().Add(-time.Hour), staleID(50))

	// One cut at a time: the first target's records cannot be deleted, so
	// the run stops before cutting a socket whose records would stay.
	journal := journalIn(t)
	res, err := o.Logout(context.Background(), LogoutRequest{Journal: journal, Targets: Targets{Select: data.Select{User: "u-d"}}, Rate: 0.001}, nil)
	if !errors.Is(err, errStopRun) || !strings.Contains(err.Error(), "DynamoDB unavailable") {
		t.Errorf("logout error %v, want the run stopped with the registry's error", err)
	}
	if len(res.FailedIDs) != 1 {
		t.Fatalf("logout result %+v, want one target failed", res)
	}
	cut := res.FailedIDs[0]
	if want := (LogoutResult{Targets: 2, Notified: 1, Failed: 1, FailedIDs: []string{cut}}); !equalLogout(res, want) || res.NotAttempted != 1 {
		t.Errorf("logout result %+v, want %+v and 1 not attempted", res, want)
	}
	assertLoggedOut(t, f, DefaultNotice, cut)
	other := f.w.IDs[0]
	if other == cut {
		other = f.w.IDs[1]
	}
	assertUntouched(t, f, other)

	later := time.Now().Add(10 * time.Minute) // past the grace of the records just cut
	o = f.with(t, func(d *Deps) { d.Registry, d.Now = failing, func() time.Time { return later } })
	pruneJournal := filepath.Join(t.TempDir(), "prune.jsonl")
	pruned, err := o.Prune(context.Background(), PruneRequest{Grace: DefaultPruneGrace, Journal: pruneJournal}, nil)
	if err == nil || !strings.Contains(err.Error(), "DynamoDB unavailable") {
		t.Errorf("prune error %v, want the registry's; result %+v; requests %v", err, pruned, f.w.Requests())
	}
	// The logged-out connection's records remain too, and it is gone now.
	if want := (PruneResult{Checked: 3, Gone: 2, Failed: 2}); clearJournal(pruned) != want {
		t.Errorf("prune result %+v, want %+v", pruned, want)
	}
	if n := strings.Count(strings.Join(journalLines(t, pruneJournal), "\n"), "DynamoDB unavailable"); n != 2 {
		t.Errorf("%d failed deletes name the registry's error in the journal, want 2", n)
	}
	if conns, _ := f.records(t, data.Select{}); len(conns) != 3 {
		t.Errorf("records %v, want all three kept", conns)
	}
}

func TestRefusalsMakeNoCall(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 1, Claims: usersOf(map[int][2]string{0: {"u-ref", "drivers"}})})
	stale := staleID(40)
	f.staleRecords(t, time.Now().Add(-time.Hour), stale)
	logout := func(o *Ops) error {
		journal := journalIn(t)
		res, err := o.Logout(context.Background(), LogoutRequest{Journal: journal, Targets: Targets{Select: data.Select{User: "u-ref"}}}, nil)
		if res.Notified+res.Disconnected+res.Gone+res.Failed+res.RecordsDeleted != 0 {
			t.Errorf("refused logout reports %+v", res)
		}
		if _, err := os.Stat(journal); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a refused logout created its journal (%v)", err)
		}
		return err
	}
	prune := func(o *Ops) error {
		res, err := o.Prune(context.Background(), PruneRequest{Grace: DefaultPruneGrace}, nil)
		if res.Deleted+res.Records != 0 {
			t.Errorf("refused prune reports %+v", res)
		}
		return err
	}
	cases := []struct {
		name   string
		action func(*Ops) error
		pol    Policy
		answer error
		want   error
		asked  int
	}{
		{"logout read-only", logout, Policy{Profile: "sandbox", ReadOnly: true}, nil, ErrReadOnly, 0},
		{"logout declined", logout, Policy{Profile: "sandbox"}, ErrNotConfirmed, ErrNotConfirmed, 1},
		{"prune read-only", prune, Policy{Profile: "sandbox", ReadOnly: true}, nil, ErrReadOnly, 0},
		{"prune declined", prune, Policy{Profile: "sandbox"}, ErrNotConfirmed, ErrNotConfirmed, 1},
	}
	for _, c := range cases {
		confirm := &recordingConfirmer{err: c.answer}
		o := f.with(t, func(d *Deps) { d.Policy, d.Confirm = c.pol, confirm })
		if err := c.action(o); !errors.Is(err, c.want) || !Refused(err) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
		if n := len(confirm.asked()); n != c.asked {
			t.Errorf("%s: asked %d times, want %d", c.name, n, c.asked)
		}
	}
	// Only the declined prune's probes (reads) reached API Gateway.
	for _, r := range f.w.Requests() {
		if r.Method != "GET" {
			t.Errorf("a refused action sent %s %s", r.Method, r.ID)
		}
	}
	lines := f.auditLines(t)
	if len(lines) != len(cases) {
		t.Fatalf("%d audit lines, want one per refusal", len(lines))
	}
	for i, l := range lines {
		if want := strings.Fields(cases[i].name)[0]; l.Action != want || !strings.Contains(l.Error, "refused") || l.Phase != "" {
			t.Errorf("audit line %d: %+v, want a refused %s", i, l, want)
		}
	}
	f.w.Settle()
	if frames := f.w.Client(f.w.IDs[0]).Frames(); len(frames) != 0 || !slices.Contains(f.w.Sandbox.Gateway().IDs(), f.w.IDs[0]) {
		t.Errorf("the client was reached: %d frames", len(frames))
	}
	if conns, subs := f.records(t, data.Select{}); len(conns) != 2 || len(subs) != 1 {
		t.Errorf("records changed: connections %v, subscriptions %v", conns, subs)
	}
}
