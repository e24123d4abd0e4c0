package ops

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/client"
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
	f := startFleetRig(t, testrig.WorldOptions{Clients: 3})
	live := f.w.IDs
	// The console's clock runs 10 minutes ahead, so the live connections'
	// records are past the grace and get probed too.
	now := time.Now().Add(10 * time.Minute)
	f.ops.Now = func() time.Time { return now }
	var old []string // more than one batch of 25
	for n := range 27 {
		old = append(old, staleID(100+n))
	}
	undated, young := staleID(13), []string{staleID(20), staleID(21)}
	f.staleRecords(t, now.Add(-30*time.Minute), old...)
	f.staleRecords(t, time.Time{}, undated)
	f.staleRecords(t, now.Add(-10*time.Second), young...)
	f.subscribe(t, "testrig-user-0", live[0])

	var progress [][2]int
	res, err := f.ops.Prune(context.Background(), PruneRequest{}, func(checked, total int) { progress = append(progress, [2]int{checked, total}) })
	if err != nil {
		t.Fatal(err)
	}
	if want := (PruneResult{Checked: 31, Gone: 28, Deleted: 28, Skipped: 2}); res != want {
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
	if len(progress) != 31 || progress[30] != [2]int{31, 31} {
		t.Errorf("progress %v, want 31 calls ending at 31 of 31", progress)
	}
	plans := f.confirm.asked()
	if len(plans) != 1 || plans[0].Action != "prune" || plans[0].Filter != "stale records (grace 60s)" || plans[0].Radius.Total != 31 ||
		plans[0].Radius.Cells[data.AppEntity{App: "drivers", EntityType: "driver"}] != 28 ||
		plans[0].Radius.Cells[data.AppEntity{App: "customers", EntityType: "customer"}] != 3 {
		t.Errorf("confirmation asked with %+v", plans)
	}

	again, err := f.ops.Prune(context.Background(), PruneRequest{}, nil)
	if want := (PruneResult{Checked: 3, Skipped: 2}); err != nil || again != want {
		t.Errorf("second prune: %+v (%v), want %+v", again, err, want)
	}
	lines := f.auditLines(t)
	if len(lines) != 2 {
		t.Fatalf("%d audit lines, want 2", len(lines))
	}
	for i, want := range []PruneResult{res, again} {
		l := lines[i]
		if l.Action != "prune" || l.Filter != "stale records (grace 60s)" || l.Targets != want.Checked || l.Error != "" || !equalCounts(l.Result, want.counts()) {
			t.Errorf("audit line %d: %+v", i, l)
		}
	}
}

func TestPruneKeepsRecordsWhoseProbeFails(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 1})
	refused, gone := staleID(30), staleID(31)
	f.staleRecords(t, time.Now().Add(-time.Hour), refused, gone)
	f.put(t, []data.Connection{{ID: staleID(32), User: "u-rider", App: "customers", EntityType: "customer"}}, nil)
	f.api.fail = func(method, id string, _ int) error {
		if method == "GET" && id == refused {
			return &types.ForbiddenException{Message: aws.String("Forbidden")}
		}
		return nil
	}
	res, err := f.ops.Prune(context.Background(), PruneRequest{Select: data.Select{App: "drivers"}, Grace: 5 * time.Minute}, nil)
	if !errors.Is(err, client.ErrForbidden) {
		t.Errorf("error %v, want one wrapping ErrForbidden", err)
	}
	if want := (PruneResult{Checked: 2, Gone: 1, Deleted: 1, Failed: 1}); res != want {
		t.Errorf("result %+v, want %+v", res, want)
	}
	if conns, _ := f.records(t, data.Select{}); !slices.Equal(conns, slices.Sorted(slices.Values([]string{f.w.IDs[0], refused, staleID(32)}))) {
		t.Errorf("connection records %v: want the live one, the unprobed app's and the one whose probe failed", conns)
	}
	if plans := f.confirm.asked(); len(plans) != 1 || plans[0].Filter != "stale records (grace 300s) of app drivers" {
		t.Errorf("confirmation asked with %+v", plans)
	}
	if lines := f.auditLines(t); len(lines) != 1 || !strings.Contains(lines[0].Error, "forbidden") || lines[0].Result["failed"] != 1 {
		t.Errorf("audit lines %+v", lines)
	}
}

// failingWrites is a DynamoDB whose batch writes all fail.
type failingWrites struct{ data.DynamoAPI }

func (failingWrites) BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	return nil, errors.New("injected: DynamoDB unavailable")
}

func TestRecordsThatCannotBeDeletedAreReported(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 2, Claims: usersOf(map[int][2]string{0: {"u-d", "drivers"}, 1: {"u-d", "drivers"}})})
	f.ops.Registry = data.NewRegistry(failingWrites{f.db}, f.schema, data.Options{})
	f.staleRecords(t, time.Now().Add(-time.Hour), staleID(50))

	res, err := f.ops.Logout(context.Background(), LogoutRequest{Journal: journalIn(t), Targets: Targets{Select: data.Select{User: "u-d"}}}, nil)
	if err == nil || !strings.Contains(err.Error(), "DynamoDB unavailable") {
		t.Errorf("logout error %v, want the registry's", err)
	}
	slices.Sort(res.FailedIDs)
	// Both sockets are cut; their records could not be deleted.
	want := LogoutResult{Targets: 2, Notified: 2, Disconnected: 2, Failed: 2, FailedIDs: slices.Sorted(slices.Values(f.w.IDs))}
	if !equalLogout(res, want) {
		t.Errorf("logout result %+v, want %+v", res, want)
	}
	assertLoggedOut(t, f, DefaultNotice, f.w.IDs...)

	later := time.Now().Add(10 * time.Minute) // past the grace of the records just cut
	f.ops.Now = func() time.Time { return later }
	pruned, err := f.ops.Prune(context.Background(), PruneRequest{}, nil)
	if err == nil || !strings.Contains(err.Error(), "DynamoDB unavailable") {
		t.Errorf("prune error %v, want the registry's", err)
	}
	// The two logged-out connections' records remain too, and are gone now.
	if want := (PruneResult{Checked: 3, Gone: 3, Failed: 3}); pruned != want {
		t.Errorf("prune result %+v, want %+v", pruned, want)
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
		res, err := o.Logout(context.Background(), LogoutRequest{Journal: journalIn(t), Targets: Targets{Select: data.Select{User: "u-ref"}}}, nil)
		if !equalLogout(res, LogoutResult{}) {
			t.Errorf("refused logout reports %+v", res)
		}
		return err
	}
	prune := func(o *Ops) error {
		res, err := o.Prune(context.Background(), PruneRequest{}, nil)
		if res != (PruneResult{}) {
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
		o := *f.ops
		confirm := &recordingConfirmer{err: c.answer}
		o.Policy, o.Confirm = c.pol, confirm
		if err := c.action(&o); !errors.Is(err, c.want) || !Refused(err) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
		if n := len(confirm.asked()); n != c.asked {
			t.Errorf("%s: asked %d times, want %d", c.name, n, c.asked)
		}
	}
	if reqs := f.w.Requests(); len(reqs) != 0 {
		t.Errorf("refused actions sent %d management requests: %v", len(reqs), reqs)
	}
	lines := f.auditLines(t)
	if len(lines) != len(cases) {
		t.Fatalf("%d audit lines, want one per refusal", len(lines))
	}
	for i, l := range lines {
		if want := strings.Fields(cases[i].name)[0]; l.Action != want || !strings.Contains(l.Error, "refused") {
			t.Errorf("audit line %d: %+v, want a refused %s", i, l, want)
		}
	}
	assertUntouched(t, f, f.w.IDs[0])
	if conns, subs := f.records(t, data.Select{}); len(conns) != 2 || len(subs) != 1 {
		t.Errorf("records changed: connections %v, subscriptions %v", conns, subs)
	}
}
