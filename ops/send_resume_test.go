package ops_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"wsops/client"
	"wsops/internal/testrig"
	"wsops/ops"
)

func TestResumeAfterCancelDeliversToEveryTargetExactlyOnce(t *testing.T) {
	const clients, cancelAt = 120, 20
	f := newSendFixture(t, testrig.WorldOptions{Clients: clients})
	payload := []byte(`{"type":"broadcast","n":1}`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Cancel once cancelAt outcomes are in: the engine has at most its
	// workers' calls in flight and their reports queued, so most of the
	// targets are never attempted, whatever the scheduling.
	first, err := f.o.Send(ctx, ops.SendRequest{
		Targets: ops.Targets{All: true}, Payload: payload, RPS: math.Inf(1), Journal: f.journal("broadcast"),
	}, func(p client.Progress) {
		if p.Done == cancelAt {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled send: %v, want context.Canceled", err)
	}
	if first.Targets != clients || first.Delivered < cancelAt || first.Delivered+first.NotAttempted != clients ||
		first.NotAttempted < clients/4 || first.Complete || first.Attempted != first.Delivered {
		t.Fatalf("cancelled send result %+v", first)
	}
	_, lines := journalLines(t, first.Journal)
	if outcomes := outcomeLines(lines); len(outcomes) != first.Delivered || !slices.Equal(events(lines), []string{"cancelled"}) {
		t.Fatalf("journal after cancel: %d outcomes for %d delivered, events %v", len(outcomes), first.Delivered, events(lines))
	}
	if e := f.auditEntries(t)[0]; e.Result["not_attempted"] != first.NotAttempted || e.Error == "" {
		t.Errorf("audit of the cancelled send %+v", e)
	}

	// A crash mid-write left half a line: an outcome the journal never got.
	var notAttempted string
	for _, id := range f.w.IDs {
		if f.w.RequestsFor(id) == 0 {
			notAttempted = id
			break
		}
	}
	appendTo(t, first.Journal, fmt.Sprintf(`{"id":%q,"outcome":"deliv`, notAttempted))

	var last client.Progress
	res, err := f.o.Resume(context.Background(), first.Journal, func(p client.Progress) { last = p })
	if err != nil {
		t.Fatal(err)
	}
	if res.Targets != clients || res.Delivered != clients || res.NotAttempted != 0 || !res.Complete || res.Attempted != first.NotAttempted {
		t.Errorf("resume result %+v, want all %d delivered, %d of them now", res, clients, first.NotAttempted)
	}
	if last.Delivered != clients || last.Done != clients {
		t.Errorf("resume progress ends at %+v, want the journal's running totals", last)
	}
	f.w.Settle()
	assertFrames(t, f.w, f.w.IDs, payload)
	for _, id := range f.w.IDs {
		if n := f.w.RequestsFor(id); n != 1 {
			t.Errorf("%d posts to %s, want exactly 1", n, id)
		}
	}
	_, lines = journalLines(t, res.Journal) // the torn line was cut off: every line parses
	if outcomes := outcomeLines(lines); !mapsEqual(outcomes, countOnce(f.w.IDs)) {
		t.Errorf("journal outcomes %v, want each target once", outcomes)
	}
	if got := events(lines); !slices.Equal(got, []string{"cancelled", "resume"}) {
		t.Errorf("journal events %v", got)
	}
	entries := f.auditEntries(t)
	if r := entries[len(entries)-1]; len(entries) != 2 || r.Action != "send" || r.Filter != "resume "+res.Journal ||
		r.Targets != first.NotAttempted || r.Result["delivered"] != first.NotAttempted || r.PayloadBytes != len(payload) {
		t.Errorf("audit of the resume %+v", r)
	}

	// The journal is complete: resuming it again sends nothing and says so.
	again, err := f.o.Resume(context.Background(), res.Journal, nil)
	if err != nil || !again.Complete || again.Attempted != 0 || again.Delivered != clients || len(f.w.Requests()) != clients {
		t.Errorf("resume of a complete journal: %+v, %v; %d requests in all", again, err, len(f.w.Requests()))
	}
}

func TestResumeAfterACrashResendsOnlyTheLostLine(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 6})
	payload := []byte(`{"type":"crash-test"}`)
	res, err := f.o.Send(context.Background(), ops.SendRequest{
		Targets: ops.Targets{All: true}, Payload: payload, Journal: f.journal("crash"),
	}, nil)
	if err != nil || !res.Complete {
		t.Fatalf("send: %+v, %v", res, err)
	}
	// The crash came while the last outcome line was being written.
	_, lines := journalLines(t, res.Journal)
	lost := lines[len(lines)-1]["id"].(string)
	content, err := os.ReadFile(res.Journal)
	if err != nil {
		t.Fatal(err)
	}
	cut := bytes.LastIndexByte(content[:len(content)-1], '\n') + 12
	if err := os.WriteFile(res.Journal, content[:cut], 0o600); err != nil {
		t.Fatal(err)
	}

	again, err := f.o.Resume(context.Background(), res.Journal, nil)
	if err != nil || again.Attempted != 1 || again.Delivered != 6 || !again.Complete {
		t.Fatalf("resume: %+v, %v", again, err)
	}
	// At least once for an outcome the crash lost; exactly once for the rest.
	f.w.Settle()
	for _, id := range f.w.IDs {
		want := [][]byte{payload}
		if id == lost {
			want = append(want, payload)
		}
		assertFrames(t, f.w, []string{id}, want...)
	}
}

func TestResumeRetriesOnlyWhatWasCertainlyNotDelivered(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 4})
	throttled, forbidden, reset, fine := f.w.IDs[0], f.w.IDs[1], f.w.IDs[2], f.w.IDs[3]
	f.api.fail(throttled, &types.LimitExceededException{Message: aws.String("Rate exceeded")})
	f.api.fail(forbidden, &types.ForbiddenException{Message: aws.String("Forbidden")})
	f.api.fail(reset, errConnectionReset)
	payload := []byte(`{"type":"retry-test"}`)

	res, err := f.o.Send(context.Background(), ops.SendRequest{
		Targets: ops.Targets{Conns: []string{throttled, forbidden, reset, fine, "neverseen-CCCCC="}}, Payload: payload,
		Journal: f.journal("retry"),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := client.Summary{Targets: 5, Delivered: 1, Gone: 1, Throttled: 1, Failed: 2, DurationMS: res.DurationMS}
	if res.Summary != want || res.Complete || !sameSet(res.Failed, []string{forbidden, reset}) {
		t.Fatalf("send: %+v, want %+v and not complete", res, want)
	}

	// The throttle and the permissions are fixed; the connection reset may
	// have hidden a delivery, so it is not sent again.
	f.api.heal()
	again, err := f.o.Resume(context.Background(), res.Journal, nil)
	if err != nil {
		t.Fatal(err)
	}
	want = client.Summary{Targets: 5, Delivered: 3, Gone: 1, Failed: 1, DurationMS: again.DurationMS}
	if again.Summary != want || again.Attempted != 2 || !again.Complete || !slices.Equal(again.Failed, []string{reset}) {
		t.Errorf("resume: %+v, want %+v, 2 attempted, complete", again, want)
	}
	f.w.Settle()
	assertFrames(t, f.w, []string{throttled, forbidden, fine}, payload)
	assertFrames(t, f.w, []string{reset})
}

func TestResumeRefusals(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 2})
	res := f.sendNothing(t, "left")

	t.Run("read-only", func(t *testing.T) {
		o := *f.o
		o.Policy.ReadOnly = true
		if _, err := o.Resume(context.Background(), res.Journal, nil); !errors.Is(err, ops.ErrReadOnly) {
			t.Errorf("error %v, want ErrReadOnly", err)
		}
	})
	t.Run("another profile", func(t *testing.T) {
		o := *f.o
		o.Policy.Profile = "production"
		if _, err := o.Resume(context.Background(), res.Journal, nil); err == nil {
			t.Error("resumed a journal of another profile")
		}
	})
	t.Run("not a journal", func(t *testing.T) {
		path := f.journal("garbage")
		appendTo(t, path, "{\"hello\":1}\n")
		if _, err := f.o.Resume(context.Background(), path, nil); err == nil {
			t.Error("resumed a file that is no send journal")
		}
	})
	if n := len(f.w.Requests()); n != 0 {
		t.Errorf("%d management requests, want none", n)
	}
	// Refused resumes leave the journal resumable.
	again, err := f.o.Resume(context.Background(), res.Journal, nil)
	if err != nil || again.Delivered != 2 || !again.Complete {
		t.Errorf("resume: %+v, %v", again, err)
	}
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
