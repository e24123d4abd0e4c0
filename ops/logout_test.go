package ops

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/coder/websocket"

	"wsops/data"
	"wsops/internal/testrig"
	"wsops/mgmt"
)

// assertLoggedOut checks that each client received exactly the notice and
// then close 1000. The client's reader records frames until its socket
// ends, so a notice recorded and a close seen means the notice came first.
func assertLoggedOut(t *testing.T, f *fleetRig, notice string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		c := f.w.Client(id)
		if code := c.WaitClosed(t); code != websocket.StatusNormalClosure {
			t.Errorf("client %s closed with %v, want 1000", id, code)
		}
		frames := c.Frames()
		if len(frames) != 1 || frames[0].Type != websocket.MessageText || string(frames[0].Data) != notice {
			t.Errorf("client %s received %d frames %v before its close, want the notice alone", id, len(frames), frames)
		}
	}
}

// assertUntouched checks that no request named these clients, that they are
// still connected and that they received nothing.
func assertUntouched(t *testing.T, f *fleetRig, ids ...string) {
	t.Helper()
	f.w.Settle()
	live := f.w.Sandbox.Gateway().IDs()
	for _, id := range ids {
		if n := f.w.RequestsFor(id); n != 0 {
			t.Errorf("client %s: %d requests, want none", id, n)
		}
		if !slices.Contains(live, id) {
			t.Errorf("client %s was disconnected", id)
		}
		if frames := f.w.Client(id).Frames(); len(frames) != 0 {
			t.Errorf("client %s received %d frames", id, len(frames))
		}
	}
}

func TestLogoutUserAcrossApps(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 5, Claims: usersOf(map[int][2]string{
		1: {"u-multi", "drivers"}, 2: {"u-multi", "customers"}, 3: {"u-multi", "drivers"}, 4: {"u-other", "drivers"},
	})})
	ids := f.w.IDs
	mine, others := []string{ids[1], ids[2], ids[3]}, []string{ids[0], ids[4]}
	f.subscribe(t, "u-multi", mine...)
	f.subscribe(t, "u-other", ids[4])
	var progress progressLog
	res, err := f.ops.Logout(context.Background(), LogoutRequest{Journal: journalIn(t), Targets: Targets{Select: data.Select{User: "u-multi"}}},
		progress.report)
	if err != nil {
		t.Fatal(err)
	}
	want := LogoutResult{Targets: 3, Notified: 3, Disconnected: 3, RecordsDeleted: 6}
	if !equalLogout(res, want) {
		t.Errorf("result %+v, want %+v", res, want)
	}
	assertLoggedOut(t, f, DefaultNotice, mine...)
	for _, id := range mine {
		if got := f.methods(id); !slices.Equal(got, []string{"POST", "DELETE"}) {
			t.Errorf("requests for %s: %v, want POST then DELETE", id, got)
		}
	}
	assertUntouched(t, f, others...)
	if conns, subs := f.records(t, data.Select{User: "u-multi"}); len(conns)+len(subs) != 0 {
		t.Errorf("records of the user remain: connections %v, subscriptions %v", conns, subs)
	}
	for _, id := range mine {
		if subs, err := f.reg.SubscriptionsOf(context.Background(), id); err != nil || len(subs) != 0 {
			t.Errorf("subscriptions of %s remain: %v (%v)", id, subs, err)
		}
	}
	if conns, subs := f.records(t, data.Select{User: "u-other"}); len(conns) != 1 || len(subs) != 1 {
		t.Errorf("the other user's records changed: connections %v, subscriptions %v", conns, subs)
	}
	if steps := progress.get(); len(steps) != 3 || steps[2] != [2]int{3, 3} {
		t.Errorf("progress %v, want three calls ending at 3 of 3", steps)
	}
	plans := f.confirm.asked()
	if len(plans) != 1 || plans[0].Filter != "user u-multi" || plans[0].Radius.Total != 3 || plans[0].PayloadSize != len(DefaultNotice) ||
		plans[0].Radius.Cells[data.AppEntity{App: "drivers", EntityType: "driver"}] != 2 ||
		plans[0].Radius.Cells[data.AppEntity{App: "customers", EntityType: "customer"}] != 1 {
		t.Errorf("confirmation asked with %+v", plans)
	}
	lines := f.auditLines(t)
	if len(lines) != 1 {
		t.Fatalf("%d audit lines, want 1", len(lines))
	}
	l := lines[0]
	wantCounts := map[string]int{"targets": 3, "disconnected": 3, "gone": 0, "failed": 0}
	if l.Action != "logout" || l.Filter != "user u-multi" || l.Targets != 3 || l.Error != "" || l.Phase != "end" || l.Run == "" ||
		!equalCounts(l.Result, wantCounts) || l.PayloadBytes != len(DefaultNotice) {
		t.Errorf("audit line %+v", l)
	}
}

func TestLogoutCleansRecordsOfGoneConnections(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 2})
	bystander, closing := f.w.IDs[0], f.w.IDs[1]
	withRecord, noRecord := staleID(1), staleID(2)
	f.put(t, []data.Connection{{ID: withRecord, User: "u-gone", App: "drivers", EntityType: "driver"}}, nil)
	f.subscribe(t, "u-gone", withRecord)
	f.subscribe(t, "testrig-user-1", closing)
	// closing's socket ends between the post and the delete: the delete gets 410.
	closer := testrig.ManagementAPI(t, f.w.ManagementURL)
	var closeErr error
	f.w.OnRequest(func(r testrig.Request) {
		if r.Method == "DELETE" && r.ID == closing {
			_, closeErr = closer.DeleteConnection(context.Background(), &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(closing)})
		}
	})
	notice := `{"type":"force_logout","reason":"password changed"}`
	res, err := f.ops.Logout(context.Background(), LogoutRequest{Journal: journalIn(t),
		Targets: Targets{Conns: []string{withRecord, noRecord, closing}}, Notice: []byte(notice)}, nil)
	if err != nil || closeErr != nil {
		t.Fatal(err, closeErr)
	}
	want := LogoutResult{Targets: 3, Notified: 1, Gone: 3, RecordsDeleted: 4}
	if !equalLogout(res, want) {
		t.Errorf("result %+v, want %+v", res, want)
	}
	for id, want := range map[string][]string{withRecord: {"POST"}, noRecord: {"POST"}, closing: {"POST", "DELETE"}} {
		if got := f.methods(id); !slices.Equal(got, want) {
			t.Errorf("requests for %s: %v, want %v", id, got, want)
		}
	}
	assertLoggedOut(t, f, notice, closing)
	for _, id := range []string{withRecord, noRecord, closing} {
		if conns, subs := f.records(t, data.Select{ConnectionID: id}); len(conns)+len(subs) != 0 {
			t.Errorf("records of %s remain: %v, %v", id, conns, subs)
		}
	}
	assertUntouched(t, f, bystander)
	if conns, _ := f.records(t, data.Select{ConnectionID: bystander}); len(conns) != 1 {
		t.Errorf("the bystander's record is gone")
	}
}

func TestLogoutIsStaged(t *testing.T) {
	for _, c := range []struct {
		rate, profileRPS float64
		want             mgmt.FanOut
	}{
		{5, 0, mgmt.FanOut{RPS: 5, Burst: 1, Workers: mgmt.DefaultWorkers, MaxWorkers: mgmt.MaxInFlight, StopAfter: stopAfter, Linger: journaledLinger}},
		{0, 0, mgmt.FanOut{RPS: DefaultLogoutRate, Burst: 1, Workers: mgmt.DefaultWorkers, MaxWorkers: mgmt.MaxInFlight, StopAfter: stopAfter, Linger: journaledLinger}},
		{0.5, 0, mgmt.FanOut{RPS: 0.5, Burst: 1, Workers: mgmt.DefaultWorkers, MaxWorkers: mgmt.MaxInFlight, StopAfter: stopAfter, Linger: journaledLinger}},
		{100, 40, mgmt.FanOut{RPS: 20, Burst: 1, Workers: mgmt.DefaultWorkers, MaxWorkers: mgmt.MaxInFlight, StopAfter: stopAfter, Linger: journaledLinger}}, // two calls a cut: half the profile's RPS
		{2000, 0, mgmt.FanOut{RPS: 2000, Burst: 1, Workers: 400, MaxWorkers: mgmt.MaxInFlight, StopAfter: stopAfter, Linger: journaledLinger}},               // two calls a cut, 100 ms each at first
		{math.Inf(1), 0, mgmt.FanOut{RPS: math.Inf(1), Burst: 1, Workers: mgmt.DefaultWorkers, MaxWorkers: mgmt.MaxInFlight, StopAfter: stopAfter, Linger: journaledLinger}},
	} {
		o := stubOps(t, func(d *Deps) { d.RPS = c.profileRPS })
		if got := fanOut(callCut, o.logoutRate(c.rate)); got != c.want {
			t.Errorf("rate %v, profile RPS %v: engine %+v, want %+v", c.rate, c.profileRPS, got, c.want)
		}
	}

	// At 5/s with every first delete throttled: each retry waits for the
	// limiter again and never posts the notice twice.
	f := startFleetRig(t, testrig.WorldOptions{Clients: 5, Claims: usersOf(map[int][2]string{
		0: {"u-rate", "drivers"}, 1: {"u-rate", "drivers"}, 2: {"u-rate", "customers"}, 3: {"u-rate", "order-receiver"},
	})})
	mine := f.w.IDs[:4]
	f.api.SetFault(func(method, _ string, call int) error {
		if method == "DELETE" && call == 1 {
			return &types.LimitExceededException{Message: aws.String("Rate exceeded")}
		}
		return nil
	})
	var mu sync.Mutex
	wire := map[string]int{}
	f.w.OnRequest(func(r testrig.Request) {
		mu.Lock()
		defer mu.Unlock()
		wire[r.Method]++
	})
	res, err := f.ops.Logout(context.Background(), LogoutRequest{Journal: journalIn(t), Targets: Targets{Select: data.Select{User: "u-rate"}}, Rate: 5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (LogoutResult{Targets: 4, Notified: 4, Disconnected: 4, RecordsDeleted: 4}); !equalLogout(res, want) {
		t.Errorf("result %+v, want %+v", res, want)
	}
	mu.Lock()
	if wire["POST"] != 4 || wire["DELETE"] != 4 || len(wire) != 2 {
		t.Errorf("requests on the wire %v, want 4 POST and 4 DELETE", wire)
	}
	mu.Unlock()
	for _, id := range mine {
		if p, d := f.api.Calls("POST", id), f.api.Calls("DELETE", id); p != 1 || d != 2 {
			t.Errorf("%s: %d posts and %d deletes, want 1 and 2 (one throttled)", id, p, d)
		}
	}
	assertLoggedOut(t, f, DefaultNotice, mine...)
	assertUntouched(t, f, f.w.IDs[4])
}

func TestLogoutStopsWhenCancelled(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 3, Claims: usersOf(map[int][2]string{
		0: {"u-stop", "drivers"}, 1: {"u-stop", "drivers"}, 2: {"u-stop", "drivers"},
	})})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	f.w.OnRequest(func(r testrig.Request) { once.Do(cancel) }) // cancelled as the first notice goes out
	// A rate whose bucket holds the first token only: one cut can start.
	res, err := f.ops.Logout(ctx, LogoutRequest{Journal: journalIn(t), Targets: Targets{Select: data.Select{User: "u-stop"}}, Rate: 0.001}, nil)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stopped after 1 of 3") {
		t.Errorf("error %v, want the stop after 1 of 3", err)
	}
	if want := (LogoutResult{Targets: 3, Notified: 1, Disconnected: 1, RecordsDeleted: 1}); !equalLogout(res, want) {
		t.Errorf("result %+v, want %+v", res, want)
	}
	var cut, kept []string
	for _, id := range f.w.IDs {
		if len(f.methods(id)) > 0 {
			cut = append(cut, id)
		} else {
			kept = append(kept, id)
		}
	}
	if len(cut) != 1 || !slices.Equal(f.methods(cut[0]), []string{"POST", "DELETE"}) {
		t.Fatalf("cut %v, want one connection posted to then deleted", cut)
	}
	assertLoggedOut(t, f, DefaultNotice, cut...)
	assertUntouched(t, f, kept...)
	if conns, _ := f.records(t, data.Select{User: "u-stop"}); !slices.Equal(conns, slices.Sorted(slices.Values(kept))) {
		t.Errorf("records %v remain, want those of the connections not cut %v", conns, kept)
	}
	if lines := f.auditLines(t); len(lines) != 1 || !strings.Contains(lines[0].Error, "stopped") || lines[0].Result["disconnected"] != 1 ||
		lines[0].Result["not_attempted"] != 2 {
		t.Errorf("audit lines %+v", lines)
	}
}

func TestLogoutNeverCutsWithoutTheNotice(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 2, Claims: usersOf(map[int][2]string{0: {"u-x", "drivers"}, 1: {"u-x", "drivers"}})})
	refused, cut := f.w.IDs[0], f.w.IDs[1]
	f.api.FailIDs("POST", &types.ForbiddenException{Message: aws.String("Forbidden")}, refused)
	journal := journalIn(t)
	res, err := f.ops.Logout(context.Background(), LogoutRequest{Journal: journal, Targets: Targets{Select: data.Select{User: "u-x"}}}, nil)
	if !errors.Is(err, mgmt.ErrForbidden) {
		t.Errorf("error %v, want one wrapping ErrForbidden", err)
	}
	if lines := journalLines(t, journal); !slices.ContainsFunc(lines, func(l string) bool {
		return strings.Contains(l, `"step":"failed"`) && strings.Contains(strings.ToLower(l), "forbidden")
	}) {
		t.Errorf("no failed outcome naming the refusal in the journal:\n%s", strings.Join(lines, "\n"))
	}
	if want := (LogoutResult{Targets: 2, Notified: 1, Disconnected: 1, RecordsDeleted: 1, Failed: 1, FailedIDs: []string{refused}}); !equalLogout(res, want) {
		t.Errorf("result %+v, want %+v", res, want)
	}
	if f.api.Calls("DELETE", refused) != 0 || f.api.Calls("POST", refused) != 1 {
		t.Error("a connection whose notice failed was cut")
	}
	assertLoggedOut(t, f, DefaultNotice, cut)
	if conns, _ := f.records(t, data.Select{User: "u-x"}); !slices.Equal(conns, []string{refused}) {
		t.Errorf("records %v, want the failed target's only", conns)
	}
}

func equalLogout(a, b LogoutResult) bool {
	return a.Targets == b.Targets && a.Notified == b.Notified && a.Disconnected == b.Disconnected && a.Gone == b.Gone &&
		a.RecordsDeleted == b.RecordsDeleted && a.Failed == b.Failed && slices.Equal(a.FailedIDs, b.FailedIDs)
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if n, ok := a[k]; !ok || n != v {
			return false
		}
	}
	return true
}
