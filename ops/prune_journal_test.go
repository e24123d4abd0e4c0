package ops

import (
	"context"
	"errors"
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
	"wsops/ops/auditlog"
)

// dump is every record of both tables as DynamoDB JSON, sorted: two dumps
// are equal when every record is, attribute for attribute.
func (f *fleetRig) dump(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, table := range []string{f.schema.Connections.Table.Name, f.schema.Subscriptions.Table.Name} {
		in := &dynamodb.ScanInput{TableName: aws.String(table)}
		for {
			page, err := f.db.Scan(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				raw, err := data.MarshalItem(it)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, table+" "+string(raw))
			}
			if len(page.LastEvaluatedKey) == 0 {
				break
			}
			in.ExclusiveStartKey = page.LastEvaluatedKey
		}
	}
	slices.Sort(out)
	return out
}

func TestUndoPruneRestoresExactlyTheDeletedRecords(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 3})
	stale := []string{staleID(60), staleID(61), staleID(62)}
	f.staleRecords(t, time.Now().Add(-time.Hour), stale...)
	f.put(t, nil, []data.Subscription{{ConnectionID: stale[0], Key: "business_status#b-9", User: "u-stale", EntityType: "merchant",
		Active: false, CreatedAt: time.Now().Add(-2 * time.Hour).Truncate(time.Millisecond), TTL: time.Now().Add(time.Hour).Truncate(time.Second)}})
	f.subscribe(t, "testrig-user-0", f.w.IDs[0])
	before := f.dump(t)

	journal := filepath.Join(t.TempDir(), "prune.jsonl")
	res, err := f.ops.Prune(context.Background(), PruneRequest{Journal: journal}, nil)
	if err != nil || res.Deleted != 3 || res.Records != 7 {
		t.Fatalf("prune: %+v, %v; want 3 connections' 7 records deleted", res, err)
	}
	if conns, _ := f.records(t, data.Select{User: "u-stale"}); len(conns) != 0 {
		t.Fatalf("stale records left: %v", conns)
	}
	undo, err := f.ops.UndoPrune(context.Background(), journal, filepath.Join(t.TempDir(), "undo.jsonl"), nil)
	if err != nil || undo.Deleted != 3 || undo.Records != 7 || !undo.Complete {
		t.Fatalf("undo: %+v, %v; want 3 connections' 7 records restored", undo, err)
	}
	if after := f.dump(t); !slices.Equal(after, before) {
		t.Errorf("after the undo:\n%s\nwant:\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
	}
	if got := auditActionsOf(f.auditLines(t)); !slices.Equal(got, []string{"prune", "prune-undo"}) {
		t.Errorf("audit actions %v", got)
	}
}

func TestResumePruneFinishesACancelledPrune(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 2})
	var stale []string
	for n := range 40 {
		stale = append(stale, staleID(100+n))
	}
	f.staleRecords(t, time.Now().Add(-time.Hour), stale...)
	// The first delete cancels the run: the deletes in flight then (at most
	// the write fan-out's 16 workers) finish, the others are never started.
	// Force: 40 of 42 gone would trip the wrong-endpoint guard.
	o := f.ops
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	journal := filepath.Join(t.TempDir(), "prune.jsonl")
	res, err := o.Prune(ctx, PruneRequest{Journal: journal, Force: true}, func(p Progress) {
		if len(p.Counts) > 0 && p.Counts[0].Label == recordsDeleted && p.Done > 0 {
			cancel() // the first delete is done
		}
	})
	if !errors.Is(err, context.Canceled) || res.Deleted < 1 || res.NotAttempted < 1 || res.Deleted+res.NotAttempted != 40 || res.Complete {
		t.Fatalf("cancelled prune: %+v, %v; want some deleted, the rest not attempted", res, err)
	}
	probes := len(f.w.Requests())
	resumed, err := o.ResumePrune(context.Background(), journal, nil)
	if err != nil || resumed.Deleted != 40 || resumed.Records != 80 || !resumed.Complete || resumed.NotAttempted != 0 {
		t.Fatalf("resume: %+v, %v; want the 40 connections' 80 records deleted", resumed, err)
	}
	if n := len(f.w.Requests()); n != probes {
		t.Errorf("the resume made %d management calls, want none (it probes nothing again)", n-probes)
	}
	conns, _ := f.records(t, data.Select{})
	if !slices.Equal(conns, slices.Sorted(slices.Values(f.w.IDs))) {
		t.Errorf("records %v, want the live connections' only", conns)
	}
	// Complete now: nothing asked, nothing audited.
	asked, lines := len(f.confirm.asked()), len(f.auditLines(t))
	if again, err := o.ResumePrune(context.Background(), journal, nil); err != nil || !again.Complete {
		t.Errorf("resume of a complete prune: %+v, %v", again, err)
	}
	if len(f.confirm.asked()) != asked || len(f.auditLines(t)) != lines {
		t.Error("resuming a complete prune asked or audited")
	}
}

func TestPruneGuardRefusesWhatLooksLikeAWrongEndpoint(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 4})
	var stale []string
	for n := range 8 {
		stale = append(stale, staleID(80+n))
	}
	f.staleRecords(t, time.Now().Add(-time.Hour), stale...)
	// Another stage's management API: every connection answers 410.
	f.api.SetFault(func(method, _ string, _ int) error {
		if method == "GET" {
			return &types.GoneException{Message: aws.String("Gone")}
		}
		return nil
	})
	before := f.dump(t)
	res, err := f.ops.Prune(context.Background(), PruneRequest{}, nil)
	if !errors.Is(err, ErrWrongEndpoint) || !Refused(err) {
		t.Fatalf("error %v, want a wrong-endpoint refusal", err)
	}
	if res.Checked != 12 || res.Gone != 12 || res.Deleted != 0 || res.Journal != "" {
		t.Errorf("result %+v, want 12 probed, 12 gone, nothing deleted, no journal", res)
	}
	if after := f.dump(t); !slices.Equal(after, before) {
		t.Error("the refused prune changed records")
	}
	if len(f.confirm.asked()) != 0 {
		t.Error("a refused prune asked for confirmation")
	}
	if lines := f.auditLines(t); len(lines) != 1 || !strings.Contains(lines[0].Error, "wrong endpoint") {
		t.Errorf("audit lines %+v, want the refusal", lines)
	}

	forced, err := f.ops.Prune(context.Background(), PruneRequest{Force: true}, nil)
	if err != nil || forced.Deleted != 12 {
		t.Errorf("forced prune: %+v, %v; want all 12 deleted", forced, err)
	}
	if conns, _ := f.records(t, data.Select{}); len(conns) != 0 {
		t.Errorf("records %v left by the forced prune", conns)
	}
}

// Every record older than the grace is stale, as on a fleet just started
// (the console's demo sandbox): the young records, asked as witnesses,
// answer connected, so the endpoint is right and the stale records go.
func TestPruneGuardAsksYoungWitnessesBeforeRefusing(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 4})
	var stale []string
	for n := range 12 {
		stale = append(stale, staleID(140+n))
	}
	f.staleRecords(t, time.Now().Add(-time.Hour), stale...)
	res, err := f.ops.Prune(context.Background(), PruneRequest{Grace: DefaultPruneGrace}, nil)
	if err != nil || res.Checked != 12 || res.Gone != 12 || res.Deleted != 12 || res.Skipped != 4 {
		t.Fatalf("prune %+v, %v; want the 12 stale records deleted, the 4 young ones left alone", res, err)
	}
	if conns, _ := f.records(t, data.Select{}); len(conns) != 4 {
		t.Errorf("records %v, want the 4 live connections' only", conns)
	}
	// The same, but the young witnesses gone too: a wrong endpoint.
	f.staleRecords(t, time.Now().Add(-time.Hour), stale...)
	f.api.FailIDs("GET", &types.GoneException{Message: aws.String("Gone")}, f.w.IDs...)
	if _, err := f.ops.Prune(context.Background(), PruneRequest{Grace: DefaultPruneGrace}, nil); !errors.Is(err, ErrWrongEndpoint) {
		t.Errorf("error %v, want a wrong-endpoint refusal when no witness is connected", err)
	}
	for _, id := range f.w.IDs {
		if n := f.api.Calls("GET", id); n != 2 {
			t.Errorf("witness %s asked %d times, want once by each prune's guard", id, n)
		}
	}
}

func TestPruneRefusesAManagementURLOfAnotherAPI(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 1})
	f.staleRecords(t, time.Now().Add(-time.Hour), staleID(90))
	o := f.with(t, func(d *Deps) {
		d.Place.Management = "https://aaa.execute-api.eu-west-1.amazonaws.com/dev"
		d.Place.WebSocket = "wss://bbb.execute-api.eu-west-1.amazonaws.com/dev"
	})
	res, err := o.Prune(context.Background(), PruneRequest{}, nil)
	if !errors.Is(err, ErrWrongEndpoint) || !Refused(err) || !strings.Contains(err.Error(), "API aaa") {
		t.Fatalf("error %v, want a wrong-endpoint refusal naming the APIs", err)
	}
	if res.Checked != 0 || len(f.w.Requests()) != 0 {
		t.Errorf("result %+v and %d requests: want no probe at all", res, len(f.w.Requests()))
	}
	if conns, _ := f.records(t, data.Select{}); len(conns) != 2 {
		t.Errorf("records %v, want both kept", conns)
	}
	same := f.with(t, func(d *Deps) {
		d.Place.Management = "https://aaa.execute-api.eu-west-1.amazonaws.com/dev"
		d.Place.WebSocket = "wss://aaa.execute-api.eu-west-1.amazonaws.com/dev"
	})
	if res, err := same.Prune(context.Background(), PruneRequest{}, nil); err != nil || res.Deleted != 1 {
		t.Errorf("prune with matching URLs: %+v, %v", res, err)
	}
}

func TestPruneGraceZeroMeansNoGrace(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{})
	fresh := staleID(95)
	f.staleRecords(t, time.Now().Add(-time.Second), fresh)
	res, err := f.ops.Prune(context.Background(), PruneRequest{Grace: time.Hour}, nil)
	if err != nil || res.Skipped != 1 || res.Checked != 0 {
		t.Errorf("grace 1h: %+v, %v; want the record skipped", res, err)
	}
	res, err = f.ops.Prune(context.Background(), PruneRequest{Grace: 0}, nil)
	if err != nil || res.Skipped != 0 || res.Checked != 1 || res.Deleted != 1 {
		t.Errorf("grace 0: %+v, %v; want the second-old record checked and deleted", res, err)
	}
}

// auditActionsOf lists the entries' actions.
func auditActionsOf(entries []auditlog.Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Action)
	}
	return out
}

// What `send --prune-gone` and the console's "prune the gone" do after a
// send whose every target answered gone: a management URL of another stage
// makes every live connection look gone, and their records must stay.
func TestDeleteRecordsOfASendToAWrongStageIsGuarded(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 12})
	f.api.SetFault(func(method, _ string, _ int) error {
		if method == "POST" || method == "GET" {
			return &types.GoneException{Message: aws.String("Gone")}
		}
		return nil
	})
	before := f.dump(t)
	res, err := f.ops.Send(context.Background(), SendRequest{Targets: Targets{All: true}, Payload: []byte(`{"hi":1}`), Journal: filepath.Join(t.TempDir(), "send.jsonl")}, nil)
	if err != nil || len(res.GoneIDs) != 12 || res.Delivered != 0 {
		t.Fatalf("send: %+v, %v; want all 12 answered gone", res, err)
	}
	_, err = f.ops.DeleteRecords(context.Background(), GoneRecords{IDs: res.GoneIDs, Live: res.Delivered}, nil)
	if !errors.Is(err, ErrWrongEndpoint) || !Refused(err) {
		t.Errorf("deleting the records of 12 live connections a wrong management URL called gone: %v, want ErrWrongEndpoint", err)
	}
	if after := f.dump(t); !slices.Equal(after, before) {
		t.Errorf("%d of %d registry records of live connections deleted", len(before)-len(after), len(before))
	}
	if forced, err := f.ops.DeleteRecords(context.Background(), GoneRecords{IDs: res.GoneIDs, Force: true}, nil); err != nil || forced.Deleted != 12 {
		t.Errorf("forced: %+v, %v; want the 12 connections' records deleted", forced, err)
	}
}

// An undo marks the journal it reverses: a later resume or undo of that
// journal is refused instead of redoing what the undo put back.
func TestAnUndonePruneIsNeitherResumedNorUndoneAgain(t *testing.T) {
	f := startFleetRig(t, testrig.WorldOptions{Clients: 2})
	stale := []string{staleID(160), staleID(161), staleID(162)}
	f.staleRecords(t, time.Now().Add(-time.Hour), stale...)
	journal := filepath.Join(t.TempDir(), "prune.jsonl")
	if res, err := f.ops.Prune(context.Background(), PruneRequest{Journal: journal}, nil); err != nil || res.Deleted != 3 {
		t.Fatalf("prune: %+v, %v", res, err)
	}
	undoJournal := filepath.Join(t.TempDir(), "undo.jsonl")
	if undo, err := f.ops.UndoPrune(context.Background(), journal, undoJournal, nil); err != nil || undo.Deleted != 3 {
		t.Fatalf("undo: %+v, %v", undo, err)
	}
	before := f.dump(t)
	if _, err := f.ops.ResumePrune(context.Background(), journal, nil); !errors.Is(err, ErrForeignJournal) || !strings.Contains(err.Error(), undoJournal) {
		t.Errorf("resume of an undone prune: %v, want a refusal naming the undo's journal", err)
	}
	if _, err := f.ops.UndoPrune(context.Background(), journal, "", nil); !errors.Is(err, ErrForeignJournal) {
		t.Errorf("a second undo: %v, want a refusal", err)
	}
	if after := f.dump(t); !slices.Equal(after, before) {
		t.Error("a refused resume or undo changed records")
	}
}
