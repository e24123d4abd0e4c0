package ops_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"wsops/internal/testrig"
	"wsops/ops"
)

func TestResumeAfterCancelDeliversToEveryTargetExactlyOnce(t *testing.T) {
	const clients, cancelAt = 240, 20 // far more than the workers in flight and the reports queued
	f := newSendFixture(t, testrig.WorldOptions{Clients: clients})
	payload := []byte(`{"type":"broadcast","n":1}`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Cancel once cancelAt outcomes are in: the engine has at most its
	// workers' calls in flight and their reports queued, so most of the
	// targets are never attempted, whatever the scheduling.
	first, err := f.o.Send(ctx, ops.SendRequest{
		Targets: ops.Targets{All: true}, Payload: payload, RPS: math.Inf(1), Journal: f.journal("broadcast"),
	}, func(p ops.Progress) {
		if p.Done == cancelAt {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled send: %v, want context.Canceled", err)
	}
	if first.Targets != clients || first.Delivered < cancelAt || first.Delivered+first.NotAttempted != clients ||
		first.NotAttempted < clients/4 || first.Complete || first.Attempted != first.Delivered || first.Unknown != 0 {
		t.Fatalf("cancelled send result %+v", first)
	}
	j := journalLines(t, first.Journal)
	if outcomes := j.outcomes(); len(outcomes) != first.Delivered || !mapsEqual(outcomes, j.intents()) || !slices.Equal(j.events(), []string{"cancelled"}) {
		t.Fatalf("journal after cancel: %d outcomes for %d delivered (intents %d), events %v", len(outcomes), first.Delivered, len(j.intents()), j.events())
	}
	if e := f.auditEntries(t)[0]; e.Result["not_attempted"] != first.NotAttempted || !strings.Contains(e.Error, "context canceled") {
		t.Errorf("audit of the cancelled send %+v", e)
	}

	// A crash mid-write left half a line: an outcome the journal never got,
	// and no intent before it (so the post was never made).
	var notAttempted = -1
	for n, id := range j.ids {
		if f.w.RequestsFor(id) == 0 {
			notAttempted = n
			break
		}
	}
	appendTo(t, first.Journal, fmt.Sprintf(`{"t":%d,"step":"deliv`, notAttempted))

	var last ops.Progress
	res, err := f.o.Resume(context.Background(), first.Journal, false, func(p ops.Progress) { last = p })
	if err != nil {
		t.Fatal(err)
	}
	if res.Targets != clients || res.Delivered != clients || res.NotAttempted+res.Unknown != 0 || !res.Complete || res.Attempted != first.NotAttempted {
		t.Errorf("resume result %+v, want all %d delivered, %d of them now", res, clients, first.NotAttempted)
	}
	if countOf(last, "delivered") != clients || last.Done != clients || last.Total != clients {
		t.Errorf("resume progress ends at %+v, want the journal's running totals", last)
	}
	f.w.Settle()
	assertFrames(t, f.w, f.w.IDs, payload)
	for _, id := range f.w.IDs {
		if n := f.w.RequestsFor(id); n != 1 {
			t.Errorf("%d posts to %s, want exactly 1", n, id)
		}
	}
	j = journalLines(t, res.Journal) // the torn line was cut off: every line parses
	if outcomes := j.outcomes(); !mapsEqual(outcomes, countOnce(f.w.IDs)) {
		t.Errorf("journal outcomes %v, want each target once", outcomes)
	}
	if got := j.events(); !slices.Equal(got, []string{"cancelled", "resume"}) {
		t.Errorf("journal events %v", got)
	}
	entries := f.auditEntries(t)
	if r := entries[len(entries)-1]; len(entries) != 2 || r.Action != "send" || r.Filter != "resume "+res.Journal ||
		r.Targets != first.NotAttempted || r.Result["delivered"] != clients || r.PayloadBytes != len(payload) || r.Error != "" {
		t.Errorf("audit of the resume %+v", r)
	}

	// The journal is complete: resuming it again sends nothing and says so.
	again, err := f.o.Resume(context.Background(), res.Journal, false, nil)
	if err != nil || !again.Complete || again.Attempted != 0 || again.Delivered != clients || len(f.w.Requests()) != clients {
		t.Errorf("resume of a complete journal: %+v, %v; %d requests in all", again, err, len(f.w.Requests()))
	}
}

func TestResumeOfACompleteJournalReturnsAtOnceUnasked(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 3})
	res, err := f.o.Send(context.Background(), ops.SendRequest{Targets: ops.Targets{All: true}, Payload: []byte(`{"n":1}`), Journal: f.journal("done")}, nil)
	if err != nil || !res.Complete || res.Delivered != 3 {
		t.Fatalf("send: %+v, %v", res, err)
	}
	asked, lines, requests := len(f.confirm.asked()), f.auditLines(t), len(f.w.Requests())
	journal, err := os.ReadFile(res.Journal)
	if err != nil {
		t.Fatal(err)
	}
	// A confirmer that would refuse: a resume that asked would fail.
	f.confirm.answer = ops.ErrNotConfirmed
	for _, resendUnknown := range []bool{false, true} {
		again, err := f.o.Resume(context.Background(), res.Journal, resendUnknown, nil)
		if err != nil || again.Attempted != 0 || !again.Complete || again.Delivered != 3 || again.Targets != 3 {
			t.Errorf("resume (resend unknown %v) of a complete journal: %+v, %v", resendUnknown, again, err)
		}
	}
	if n := len(f.confirm.asked()); n != asked {
		t.Errorf("the confirmer was asked %d more times", n-asked)
	}
	if n := f.auditLines(t); n != lines {
		t.Errorf("%d audit lines added", n-lines)
	}
	if n := len(f.w.Requests()); n != requests {
		t.Errorf("%d management requests made", n-requests)
	}
	if after, _ := os.ReadFile(res.Journal); !bytes.Equal(after, journal) {
		t.Errorf("the journal changed:\n%s", after)
	}
}

func TestResumeAfterACrashLeavesTheHiddenOutcomeUnknown(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 6})
	payload := []byte(`{"type":"crash-test"}`)
	res, err := f.o.Send(context.Background(), ops.SendRequest{
		Targets: ops.Targets{All: true}, Payload: payload, Journal: f.journal("crash"),
	}, nil)
	if err != nil || !res.Complete {
		t.Fatalf("send: %+v, %v", res, err)
	}
	// The crash came while the last outcome line was being written: its
	// post was made (its intent is in the journal), its answer is lost.
	j := journalLines(t, res.Journal)
	lost := j.target(j.lines[len(j.lines)-1])
	if lost == "" || j.intents()[lost] != 1 {
		t.Fatalf("last journal line %v is not an outcome after an intent", j.lines[len(j.lines)-1])
	}
	content, err := os.ReadFile(res.Journal)
	if err != nil {
		t.Fatal(err)
	}
	cut := bytes.LastIndexByte(content[:len(content)-1], '\n') + 12
	if err := os.WriteFile(res.Journal, content[:cut], 0o600); err != nil {
		t.Fatal(err)
	}

	again, err := f.o.Resume(context.Background(), res.Journal, false, nil)
	if err != nil || again.Attempted != 0 || again.Delivered != 5 || again.Unknown != 1 || !slices.Equal(again.UnknownIDs, []string{lost}) || !again.Complete {
		t.Fatalf("resume: %+v, %v; want nothing sent, %s unknown", again, err, lost)
	}
	f.w.Settle()
	assertFrames(t, f.w, f.w.IDs, payload)

	// Asked to, a resume sends to it again: at least once, never more.
	again, err = f.o.Resume(context.Background(), res.Journal, true, nil)
	if err != nil || again.Attempted != 1 || again.Delivered != 6 || again.Unknown != 0 || !again.Complete {
		t.Fatalf("resume resending the unknown: %+v, %v", again, err)
	}
	f.w.Settle()
	for _, id := range f.w.IDs {
		want := [][]byte{payload}
		if id == lost {
			want = append(want, payload)
		}
		assertFrames(t, f.w, []string{id}, want...)
	}
}

func TestResumeDoesNotPostToATargetWhoseIntentHasNoOutcome(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 4})
	res := f.sendNothing(t, "intent")
	j := journalLines(t, res.Journal)
	// A crash between an intent and its post's outcome: the post may or
	// may not have been made.
	const hidden = 2
	appendTo(t, res.Journal, fmt.Sprintf("{\"t\":%d,\"intent\":\"post\"}\n", hidden))
	id := j.ids[hidden]

	again, err := f.o.Resume(context.Background(), res.Journal, false, nil)
	if err != nil || again.Delivered != 3 || again.Unknown != 1 || !slices.Equal(again.UnknownIDs, []string{id}) || again.Attempted != 3 ||
		again.NotAttempted != 0 || !again.Complete {
		t.Fatalf("resume: %+v, %v; want 3 delivered, %s unknown", again, err, id)
	}
	if n := f.api.Calls("POST", id); n != 0 {
		t.Errorf("%d posts to the target whose fate is unknown, want none", n)
	}
	if e := f.auditEntries(t); e[len(e)-1].Result["unknown"] != 1 {
		t.Errorf("audit of the resume %+v, want 1 unknown", e[len(e)-1])
	}

	again, err = f.o.Resume(context.Background(), res.Journal, true, nil)
	if err != nil || again.Delivered != 4 || again.Unknown != 0 || again.Attempted != 1 || !again.Complete {
		t.Fatalf("resume resending the unknown: %+v, %v", again, err)
	}
	f.w.Settle()
	assertFrames(t, f.w, f.w.IDs, []byte(`{}`))
	for _, other := range f.w.IDs {
		if n := f.api.Calls("POST", other); n != 1 {
			t.Errorf("%d posts to %s, want 1", n, other)
		}
	}
}

func TestResumeRetriesOnlyWhatWasCertainlyNotDelivered(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 5})
	throttled, forbidden, refused, reset, fine := f.w.IDs[0], f.w.IDs[1], f.w.IDs[2], f.w.IDs[3], f.w.IDs[4]
	f.api.SetFault(func(method, id string, _ int) error {
		switch {
		case method != "POST":
		case id == throttled:
			return &types.LimitExceededException{Message: aws.String("Rate exceeded")}
		case id == forbidden:
			return &types.ForbiddenException{Message: aws.String("Forbidden")}
		case id == refused:
			return errConnectionRefused
		case id == reset:
			return errConnectionReset
		}
		return nil
	})
	payload := []byte(`{"type":"retry-test"}`)

	res, err := f.o.Send(context.Background(), ops.SendRequest{
		Targets: ops.Targets{Conns: []string{throttled, forbidden, refused, reset, fine, "neverseen-CCCCC="}}, Payload: payload,
		Journal: f.journal("retry"),
	}, nil)
	if err == nil || !strings.Contains(err.Error(), "2 of 6 targets failed") {
		t.Fatalf("send error %v, want the 2 failed targets named", err)
	}
	if res.Targets != 6 || res.Delivered != 1 || res.Gone != 1 || res.Throttled != 1 || res.Failed != 2 || res.Unknown != 1 || res.Complete ||
		!sameSet(res.FailedIDs, []string{throttled, forbidden, refused}) || !slices.Equal(res.UnknownIDs, []string{reset}) {
		t.Fatalf("send: %+v, want 1 delivered, 1 gone, 1 throttled, 2 failed, 1 unknown, not complete", res)
	}

	// The throttle, the permissions and the network are fixed; the
	// connection reset may have hidden a delivery, so it is not sent again.
	f.api.SetFault(nil)
	again, err := f.o.Resume(context.Background(), res.Journal, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Targets != 6 || again.Delivered != 4 || again.Gone != 1 || again.Unknown != 1 || again.Failed+again.Throttled != 0 ||
		again.Attempted != 3 || !again.Complete || len(again.FailedIDs) != 0 || !slices.Equal(again.UnknownIDs, []string{reset}) {
		t.Errorf("resume: %+v, want 4 delivered, 1 gone, 1 unknown, 3 attempted, complete", again)
	}
	f.w.Settle()
	assertFrames(t, f.w, []string{throttled, forbidden, refused, fine}, payload)
	assertFrames(t, f.w, []string{reset})
	if n := f.api.Calls("POST", reset); n != 1 {
		t.Errorf("%d posts to the reset target, want 1", n)
	}
}

func TestResumeRefusals(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 2})
	res := f.sendNothing(t, "left")
	ctx := context.Background()

	t.Run("read-only", func(t *testing.T) {
		o := f.ops(t, func(d *ops.Deps) { d.Policy.ReadOnly = true })
		if _, err := o.Resume(ctx, res.Journal, false, nil); !errors.Is(err, ops.ErrReadOnly) {
			t.Errorf("error %v, want ErrReadOnly", err)
		}
	})
	t.Run("another profile", func(t *testing.T) {
		o := f.ops(t, func(d *ops.Deps) { d.Policy.Profile = "production" })
		if _, err := o.Resume(ctx, res.Journal, false, nil); err == nil {
			t.Error("resumed a journal of another profile")
		}
	})
	// The same profile's name, pointing elsewhere (another config's
	// profile, or this one edited): the journal's place is not here.
	for _, tc := range []struct {
		name  string
		place func(*ops.Place)
	}{
		{"another management URL", func(p *ops.Place) { p.Management += "-other" }},
		{"another registry", func(p *ops.Place) { p.Registry = "aws dynamodb eu-west-1" }},
		{"other tables", func(p *ops.Place) { p.Tables = []string{"prod_connections", p.Tables[1]} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := f.ops(t, func(d *ops.Deps) {
				d.Place.Tables = slices.Clone(d.Place.Tables)
				tc.place(&d.Place)
			})
			_, err := o.Resume(ctx, res.Journal, false, nil)
			if err == nil || !strings.Contains(err.Error(), "refused") {
				t.Errorf("error %v, want the journal's place refused", err)
			}
		})
	}
	// A journal whose rate was tampered with: 0 or negative would send
	// with no limit.
	for _, rps := range []float64{0, -1} {
		t.Run(fmt.Sprintf("rps %v", rps), func(t *testing.T) {
			path := f.journal(fmt.Sprintf("rps%v", rps))
			rewriteHeader(t, res.Journal, path, func(h map[string]any) { h["rps"] = rps })
			if _, err := f.o.Resume(ctx, path, false, nil); err == nil || !strings.Contains(err.Error(), "rate") {
				t.Errorf("error %v, want the rate refused", err)
			}
		})
	}
	t.Run("not a journal", func(t *testing.T) {
		path := f.journal("garbage")
		appendTo(t, path, "{\"hello\":1}\n")
		if _, err := f.o.Resume(ctx, path, false, nil); err == nil {
			t.Error("resumed a file that is no send journal")
		}
	})
	if n := len(f.w.Requests()); n != 0 {
		t.Errorf("%d management requests, want none", n)
	}
	// Refused resumes leave the journal resumable.
	again, err := f.o.Resume(ctx, res.Journal, false, nil)
	if err != nil || again.Delivered != 2 || !again.Complete {
		t.Errorf("resume: %+v, %v", again, err)
	}
}

func TestResumeActsOnceOnATargetListedTwice(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 3})
	res := f.sendNothing(t, "plan")
	twice := f.journal("twice")
	var dup string
	rewriteHeader(t, res.Journal, twice, func(h map[string]any) {
		plan := h["plan"].(map[string]any)
		targets := plan["targets"].([]any)
		dup = targets[1].(map[string]any)["id"].(string)
		plan["targets"] = append(targets, targets[1], targets[1])
	})
	again, err := f.o.Resume(context.Background(), twice, false, nil)
	if err != nil || again.Targets != 3 || again.Delivered != 3 || again.Attempted != 3 || !again.Complete {
		t.Fatalf("resume of a plan listing %s three times: %+v, %v; want 3 targets delivered", dup, again, err)
	}
	for _, id := range f.w.IDs {
		if n := f.api.Calls("POST", id); n != 1 {
			t.Errorf("%d posts to %s, want 1", n, id)
		}
	}
	f.w.Settle()
	assertFrames(t, f.w, f.w.IDs, []byte(`{}`))
}

func TestSendNeverOverwritesAJournal(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 1})
	path := f.journal("taken")
	appendTo(t, path, "precious\n")
	if _, err := f.o.Send(context.Background(), ops.SendRequest{Targets: ops.Targets{All: true}, Payload: []byte(`{}`), Journal: path}, nil); err == nil {
		t.Fatal("sent with a journal path that exists")
	}
	if content, _ := os.ReadFile(path); string(content) != "precious\n" || len(f.w.Requests()) != 0 {
		t.Errorf("journal %q, %d requests", content, len(f.w.Requests()))
	}
}

func appendTo(t *testing.T, path, text string) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fh.WriteString(text); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
}
