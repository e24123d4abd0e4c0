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

	"wsops/data"
	"wsops/internal/testrig"
	"wsops/mgmt"
	"wsops/ops"
)

func TestSendToAUserReachesExactlyTheirConnectionsAcrossApps(t *testing.T) {
	users := []string{"alice", "bob", "carol"}
	f := newSendFixture(t, testrig.WorldOptions{Clients: 12, Claims: appClaims(users...)})
	payload := []byte(`{"type":"notice","text":"hello alice"}`)
	var alice, others []string
	for n, id := range f.w.IDs {
		if users[n%len(users)] == "alice" {
			alice = append(alice, id)
		} else {
			others = append(others, id)
		}
	}

	var updates []ops.Progress
	res, err := f.o.Send(context.Background(), ops.SendRequest{
		Targets: ops.Targets{Select: data.Select{User: "alice"}}, Payload: payload, Journal: f.journal("alice"),
	}, func(p ops.Progress) { updates = append(updates, p) })
	if err != nil {
		t.Fatal(err)
	}

	f.w.Settle()
	assertFrames(t, f.w, alice, payload)
	assertFrames(t, f.w, others)
	if res.Targets != 4 || res.Delivered != 4 || res.Gone+res.Throttled+res.Failed+res.Unknown+res.NotAttempted != 0 ||
		res.Attempted != 4 || !res.Complete || len(res.GoneIDs)+len(res.FailedIDs)+len(res.UnknownIDs) != 0 {
		t.Errorf("result %+v, want 4 targets delivered, all attempted and complete", res)
	}
	if got := len(f.w.Requests()); got != 4 {
		t.Errorf("%d management requests, want 4", got)
	}
	for _, id := range alice {
		if n := f.w.RequestsFor(id); n != 1 {
			t.Errorf("%d requests for %s, want 1", n, id)
		}
	}
	if len(updates) < 4 {
		t.Fatalf("progress updates %+v, want one per outcome", updates)
	}
	if last := updates[len(updates)-1]; countOf(last, "delivered") != 4 || last.Done != 4 || last.Total != 4 {
		t.Errorf("progress updates %+v, want running counts up to 4 delivered", updates)
	}

	// The operator confirmed a plan naming the user, with its radius over the three apps.
	plans := f.confirm.asked()
	if len(plans) != 1 {
		t.Fatalf("%d confirmations, want 1", len(plans))
	}
	p := plans[0]
	cells := map[data.AppEntity]int{{App: "drivers", EntityType: "driver"}: 2, {App: "customers", EntityType: "customer"}: 1,
		{App: "order-receiver", EntityType: "merchant"}: 1}
	if p.Action != "send" || p.Filter != "user alice" || p.Radius.Total != 4 || p.PayloadSize != len(payload) || !mapsEqual(p.Radius.Cells, cells) {
		t.Errorf("confirmed plan %+v, want send to user alice over %v", p, cells)
	}

	// One run in the audit log (its start line, then its end line): counts,
	// journal, the payload's fingerprint and never the payload.
	if n := f.auditLines(t); n != 2 {
		t.Errorf("%d audit lines, want a start and an end", n)
	}
	entries := f.auditEntries(t)
	if len(entries) != 1 {
		t.Fatalf("%d audit entries, want 1", len(entries))
	}
	e := entries[0]
	sum := sha256.Sum256(payload)
	if e.Action != "send" || e.Filter != "user alice" || e.Targets != 4 || e.Result["delivered"] != 4 || e.Result["not_attempted"] != 0 ||
		e.Journal != res.Journal || e.PayloadBytes != len(payload) || e.PayloadSHA256 != hex.EncodeToString(sum[:]) || e.Error != "" ||
		e.Phase != "end" || e.Run == "" || e.Caller != "sandbox" {
		t.Errorf("audit line %+v", e)
	}
	if raw, _ := os.ReadFile(f.audit.Path()); bytes.Contains(raw, payload) || bytes.Contains(raw, []byte(base64.StdEncoding.EncodeToString(payload))) {
		t.Errorf("the audit log holds the payload: %s", raw)
	}

	// The journal is private and holds the plan: payload, targets, profile,
	// place; each target's intent before its outcome.
	if st, err := os.Stat(res.Journal); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("journal %s: %v, mode %v, want 0600", res.Journal, err, st.Mode())
	}
	j := journalLines(t, res.Journal)
	plan, _ := j.header["plan"].(map[string]any)
	place, _ := j.header["place"].(map[string]any)
	if plan["payload"] != base64.StdEncoding.EncodeToString(payload) || j.header["profile"] != sendProfile || j.header["action"] != "send" ||
		j.header["format"] != "wsops-journal/2" || place["management"] != f.w.ManagementURL {
		t.Errorf("journal header %v", j.header)
	}
	if !sameSet(j.ids, alice) || !mapsEqual(j.outcomes(), countOnce(alice)) || !mapsEqual(j.intents(), countOnce(alice)) {
		t.Errorf("journal targets %v, intents %v and outcomes %v, want each of %v once", j.ids, j.intents(), j.outcomes(), alice)
	}
	seen := map[string]bool{}
	for _, l := range j.lines {
		id := j.target(l)
		if _, intent := l["intent"]; intent {
			seen[id] = true
		} else if _, step := l["step"]; step && !seen[id] {
			t.Errorf("target %s: an outcome before its intent", id)
		}
	}
}

func TestSendAccountsGoneUnknownAndTheGoneRecordsAreDeleted(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 3})
	live := f.w.IDs
	stale := []string{"stale-one-AAAAA=", "stale-two-BBBBB="}
	unknown := "neverseen-CCCCC="
	f.putStale(t, stale[0], "u-stale", "order#1", "order#2")
	f.putStale(t, stale[1], "u-stale", "order#3")
	f.putStale(t, "stale-kept-DDDD=", "u-stale", "order#4") // not a target: stays
	f.api.FailIDs("POST", errConnectionReset, live[2])

	ctx := context.Background()
	res, err := f.o.Send(ctx, ops.SendRequest{
		Targets: ops.Targets{Conns: append(slices.Clone(live), stale[0], stale[1], unknown)},
		Payload: []byte(`{"type":"ping"}`), Journal: f.journal("gone"),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}

	if res.Targets != 6 || res.Delivered != 2 || res.Gone != 3 || res.Unknown != 1 || res.Failed+res.Throttled+res.NotAttempted != 0 {
		t.Errorf("result %+v, want 6 targets: 2 delivered, 3 gone, 1 unknown", res)
	}
	if gone := append(slices.Clone(stale), unknown); !sameSet(res.GoneIDs, gone) || !slices.Equal(res.UnknownIDs, live[2:3]) || len(res.FailedIDs) != 0 {
		t.Errorf("gone %v, unknown %v, failed %v; want %v, %v and none", res.GoneIDs, res.UnknownIDs, res.FailedIDs, gone, live[2:3])
	}
	// A failure that may hide a delivery is not sent again: nothing is left.
	if !res.Complete {
		t.Error("the journal is not complete")
	}

	// The gone targets' records go, as the CLI's --prune-gone does it (its
	// journal in the default place, under XDG_STATE_HOME).
	t.Setenv("XDG_STATE_HOME", f.dir)
	pruned, err := f.o.DeleteRecords(ctx, ops.GoneRecords{IDs: res.GoneIDs, Live: res.Delivered}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pruned.Gone != 3 || pruned.Deleted != 2 || pruned.Records != 5 || pruned.Failed+pruned.NotAttempted != 0 || !pruned.Complete || !strings.HasPrefix(pruned.Journal, f.dir) {
		t.Errorf("pruned %+v, want 2 connections' 5 records deleted (2 connection records, 3 subscriptions; the third had none: no target)", pruned)
	}
	conns, err := data.Collect(ctx, f.reg.Connections(ctx, data.Select{}))
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
	subs, err := data.Collect(ctx, f.reg.Subscriptions(ctx, data.Select{}))
	if len(subs) != 1 || subs[0].Key != "order#4" || err != nil {
		t.Errorf("subscriptions left %+v (%v), want only order#4 of the kept record", subs, err)
	}
	entries := f.auditEntries(t)
	if len(entries) != 2 {
		t.Fatalf("audit %+v, want the send and the prune", entries)
	}
	if e := entries[0]; e.Action != "send" || e.Result["gone"] != 3 || e.Result["unknown"] != 1 || e.Result["delivered"] != 2 {
		t.Errorf("audit of the send %+v", e)
	}
	if e := entries[1]; e.Action != "prune" || e.Result["deleted"] != 2 || e.Journal != pruned.Journal {
		t.Errorf("audit of the prune %+v", e)
	}
	if events := journalLines(t, res.Journal).events(); len(events) != 0 {
		t.Errorf("send journal events %v, want none", events)
	}

	// Resuming finds nothing left: no call.
	requests := len(f.w.Requests())
	again, err := f.o.Resume(ctx, res.Journal, false, nil)
	if err != nil || !again.Complete || again.Attempted != 0 || again.Unknown != 1 || len(f.w.Requests()) != requests {
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
			o := f.ops(t, func(d *ops.Deps) { d.Policy, d.Confirm = tc.policy, sendConfirm(tc.answer) })
			journal := f.journal("refused")
			_, err := o.Send(context.Background(), ops.SendRequest{
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
			if len(entries) != 1 || entries[0].Targets != tc.targets || !strings.Contains(entries[0].Error, "refused") || entries[0].Phase != "" {
				t.Errorf("audit %+v, want one line (no phase) with the refusal", entries)
			}
			f.w.Settle()
			assertFrames(t, f.w, f.w.IDs)
		})
	}
}

// failingRegistry fails the test at any use: an action that must not read
// the registry yet.
type failingRegistry struct {
	ops.Registry // nil: any call panics
}

func TestSendRefusesABadPayloadBeforeAnything(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 1})
	// No registry: resolving the targets would fail loudly.
	o := f.ops(t, func(d *ops.Deps) { d.Registry = failingRegistry{} })
	for _, tc := range []struct {
		name    string
		payload []byte
		want    error
	}{
		{"over 128 KB", bytes.Repeat([]byte("x"), mgmt.MaxPayload+1), mgmt.ErrPayloadTooLarge},
		{"empty", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			journal := f.journal(tc.name)
			_, err := o.Send(context.Background(), ops.SendRequest{
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
	if _, err := os.Stat(f.audit.Path()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("audit log written for a payload refused before planning: %v", err)
	}
	if n := len(f.confirm.asked()); n != 0 {
		t.Errorf("asked for confirmation %d times", n)
	}
	// The largest payload API Gateway takes goes through.
	big := bytes.Repeat([]byte("y"), mgmt.MaxPayload)
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
