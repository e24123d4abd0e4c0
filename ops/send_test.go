package ops_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"

	"wsops/client"
	"wsops/data"
	"wsops/internal/testrig"
	"wsops/ops"
)

func TestSendToAUserReachesExactlyTheirConnectionsAcrossApps(t *testing.T) {
	users := []string{"alice", "bob", "carol"}
	f := newSendFixture(t, testrig.WorldOptions{Clients: 12, Claims: appClaims(users...)})
	confirm := sendConfirm(nil)
	f.o.Confirm = confirm
	payload := []byte(`{"type":"notice","text":"hello alice"}`)
	var alice, others []string
	for n, id := range f.w.IDs {
		if users[n%len(users)] == "alice" {
			alice = append(alice, id)
		} else {
			others = append(others, id)
		}
	}

	var updates []client.Progress
	res, err := f.o.Send(context.Background(), ops.SendRequest{
		Targets: ops.Targets{Select: data.Select{User: "alice"}}, Payload: payload, Journal: f.journal("alice"),
	}, func(p client.Progress) { updates = append(updates, p) })
	if err != nil {
		t.Fatal(err)
	}

	f.w.Settle()
	assertFrames(t, f.w, alice, payload)
	assertFrames(t, f.w, others)
	want := client.Summary{Targets: 4, Delivered: 4, DurationMS: res.DurationMS}
	if res.Summary != want || res.NotAttempted != 0 || res.Attempted != 4 || !res.Complete || len(res.Gone)+len(res.Failed) != 0 {
		t.Errorf("result %+v, want %+v, all attempted and complete", res, want)
	}
	if got := len(f.w.Requests()); got != 4 {
		t.Errorf("%d management requests, want 4", got)
	}
	for _, id := range alice {
		if n := f.w.RequestsFor(id); n != 1 {
			t.Errorf("%d requests for %s, want 1", n, id)
		}
	}
	if last := updates[len(updates)-1]; len(updates) < 4 || last.Delivered != 4 || last.Done != 4 {
		t.Errorf("progress updates %+v, want running counts up to 4 delivered", updates)
	}

	// The operator confirmed a plan naming the user, with its radius over the three apps.
	if len(confirm.plans) != 1 {
		t.Fatalf("%d confirmations, want 1", len(confirm.plans))
	}
	p := confirm.plans[0]
	cells := map[data.AppEntity]int{{App: "drivers", EntityType: "driver"}: 2, {App: "customers", EntityType: "customer"}: 1,
		{App: "order-receiver", EntityType: "merchant"}: 1}
	if p.Action != "send" || p.Filter != "user alice" || p.Radius.Total != 4 || p.PayloadSize != len(payload) || !mapsEqual(p.Radius.Cells, cells) {
		t.Errorf("confirmed plan %+v, want send to user alice over %v", p, cells)
	}

	// One audit line: counts, journal, the payload's fingerprint and never the payload.
	entries := f.auditEntries(t)
	if len(entries) != 1 {
		t.Fatalf("%d audit lines, want 1", len(entries))
	}
	e := entries[0]
	sum := sha256.Sum256(payload)
	if e.Action != "send" || e.Filter != "user alice" || e.Targets != 4 || e.Result["delivered"] != 4 || e.Result["not_attempted"] != 0 ||
		e.Journal != res.Journal || e.PayloadBytes != len(payload) || e.PayloadSHA256 != hex.EncodeToString(sum[:]) || e.Error != "" {
		t.Errorf("audit line %+v", e)
	}
	if raw, _ := os.ReadFile(f.o.Audit.Path()); bytes.Contains(raw, payload) || bytes.Contains(raw, []byte(base64.StdEncoding.EncodeToString(payload))) {
		t.Errorf("the audit log holds the payload: %s", raw)
	}

	// The journal is private and holds the plan: payload, targets, profile.
	if st, err := os.Stat(res.Journal); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("journal %s: %v, mode %v, want 0600", res.Journal, err, st.Mode())
	}
	header, lines := journalLines(t, res.Journal)
	if header["payload"] != base64.StdEncoding.EncodeToString(payload) || header["profile"] != sendProfile || header["action"] != "send" {
		t.Errorf("journal header %v", header)
	}
	var planned []string
	for _, target := range header["targets"].([]any) {
		planned = append(planned, target.(map[string]any)["id"].(string))
	}
	if !sameSet(planned, alice) || !mapsEqual(outcomeLines(lines), countOnce(alice)) {
		t.Errorf("journal targets %v and outcomes %v, want each of %v once", planned, outcomeLines(lines), alice)
	}
}

func TestSendAccountsGoneAndFailedAndPrunesExactlyTheGone(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 3})
	live := f.w.IDs
	stale := []string{"stale-one-AAAAA=", "stale-two-BBBBB="}
	unknown := "neverseen-CCCCC="
	f.putStale(t, stale[0], "u-stale", "order#1", "order#2")
	f.putStale(t, stale[1], "u-stale", "order#3")
	f.putStale(t, "stale-kept-DDDD=", "u-stale", "order#4") // not a target: stays
	f.api.fail(live[2], errConnectionReset)

	res, err := f.o.Send(context.Background(), ops.SendRequest{
		Targets: ops.Targets{Conns: append(slices.Clone(live), stale[0], stale[1], unknown)},
		Payload: []byte(`{"type":"ping"}`), PruneGone: true, Journal: f.journal("gone"),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}

	want := client.Summary{Targets: 6, Delivered: 2, Gone: 3, Failed: 1, DurationMS: res.DurationMS}
	if res.Summary != want || res.NotAttempted != 0 {
		t.Errorf("summary %+v (not attempted %d), want %+v", res.Summary, res.NotAttempted, want)
	}
	if gone := append(slices.Clone(stale), unknown); !sameSet(res.Gone, gone) || !slices.Equal(res.Failed, live[2:3]) {
		t.Errorf("gone %v, failed %v; want %v and %v", res.Gone, res.Failed, gone, live[2:3])
	}
	// A failure that may hide a delivery is not sent again: nothing is left.
	if !res.Complete {
		t.Error("the journal is not complete")
	}
	if res.Pruned == nil || res.Pruned.Connections != 3 || res.Pruned.Subscriptions != 3 || len(res.Pruned.Failed) != 0 {
		t.Errorf("pruned %+v, want 3 connection deletes (one record was never there) and 3 subscriptions", res.Pruned)
	}
	conns, err := data.Collect(context.Background(), f.o.Registry.Connections(context.Background(), data.Select{}))
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, c := range conns {
		left = append(left, c.ID)
	}
	if kept := append(slices.Clone(live), "stale-kept-DDDD="); !sameSet(left, kept) {
		t.Errorf("connection records left %v, want %v", left, kept)
	}
	subs, err := data.Collect(context.Background(), f.o.Registry.Subscriptions(context.Background(), data.Select{}))
	if len(subs) != 1 || subs[0].Key != "order#4" || err != nil {
		t.Errorf("subscriptions left %+v (%v), want only order#4 of the kept record", subs, err)
	}
	if e := f.auditEntries(t)[0]; e.Result["gone"] != 3 || e.Result["failed"] != 1 || e.Result["pruned"] != 3 || e.Result["pruned_subscriptions"] != 3 {
		t.Errorf("audit result %v", e.Result)
	}
	if _, lines := journalLines(t, res.Journal); !slices.Equal(events(lines), []string{"pruned"}) {
		t.Errorf("journal events %v, want [pruned]", events(lines))
	}

	// Resuming finds nothing left: no call, no second prune.
	requests := len(f.w.Requests())
	again, err := f.o.Resume(context.Background(), res.Journal, nil)
	if err != nil || !again.Complete || again.Attempted != 0 || again.Pruned != nil || len(f.w.Requests()) != requests {
		t.Errorf("resume of a complete journal: %+v, %v; %d new requests", again, err, len(f.w.Requests())-requests)
	}
}

func TestSendRefusalsMakeNoCallAndAreAudited(t *testing.T) {
	for _, tc := range []struct {
		name    string
		policy  ops.Policy
		answer  error
		want    error
		targets int // in the audit line: a read-only profile refuses before reading the registry
	}{
		{"read-only", ops.Policy{Profile: sendProfile, ReadOnly: true}, nil, ops.ErrReadOnly, 0},
		{"not confirmed", ops.Policy{Profile: sendProfile}, ops.ErrNotConfirmed, ops.ErrNotConfirmed, 2},
		{"production guard", ops.Policy{Profile: sendProfile, Production: true}, ops.ErrProductionGuard, ops.ErrProductionGuard, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSendFixture(t, testrig.WorldOptions{Clients: 2})
			f.o.Policy, f.o.Confirm = tc.policy, sendConfirm(tc.answer)
			journal := f.journal("refused")
			_, err := f.o.Send(context.Background(), ops.SendRequest{
				Targets: ops.Targets{All: true}, Payload: []byte(`{"x":1}`), Journal: journal,
			}, nil)
			if !errors.Is(err, tc.want) || !ops.Refused(err) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if n := len(f.w.Requests()); n != 0 {
				t.Errorf("%d management requests, want none", n)
			}
			if _, err := os.Stat(journal); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused send left a journal: %v", err)
			}
			entries := f.auditEntries(t)
			if len(entries) != 1 || entries[0].Targets != tc.targets || !strings.Contains(entries[0].Error, "refused") {
				t.Errorf("audit %+v, want one line with the refusal", entries)
			}
			f.w.Settle()
			assertFrames(t, f.w, f.w.IDs)
		})
	}
}

func TestSendRefusesABadPayloadBeforeAnything(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 1})
	// No registry: resolving the targets would fail loudly.
	f.o.Registry = nil
	for _, tc := range []struct {
		name    string
		payload []byte
		want    error
	}{
		{"over 128 KB", bytes.Repeat([]byte("x"), client.MaxPayload+1), client.ErrPayloadTooLarge},
		{"empty", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			journal := f.journal(tc.name)
			_, err := f.o.Send(context.Background(), ops.SendRequest{
				Targets: ops.Targets{All: true}, Payload: tc.payload, Journal: journal,
			}, nil)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if _, err := os.Stat(journal); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("journal written: %v", err)
			}
		})
	}
	if n := len(f.w.Requests()); n != 0 {
		t.Errorf("%d management requests, want none", n)
	}
	if _, err := os.Stat(f.o.Audit.Path()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("audit log written for a payload refused before planning: %v", err)
	}
	// The largest payload API Gateway takes goes through.
	big := bytes.Repeat([]byte("y"), client.MaxPayload)
	f.o.Registry = data.NewRegistry(f.db, f.schema, data.Options{})
	res, err := f.o.Send(context.Background(), ops.SendRequest{Targets: ops.Targets{All: true}, Payload: big, Journal: f.journal("big")}, nil)
	if err != nil || res.Delivered != 1 {
		t.Fatalf("128 KB payload: %+v, %v", res, err)
	}
	f.w.Settle()
	assertFrames(t, f.w, f.w.IDs, big)
}

func mapsEqual[K comparable](a, b map[K]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func countOnce(ids []string) map[string]int {
	m := map[string]int{}
	for _, id := range ids {
		m[id] = 1
	}
	return m
}
