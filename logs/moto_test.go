package logs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"wsops/internal/testrig"
	"wsops/logs"
)

type seededLogs struct {
	Access, Execution, Format, Token string
	Handlers                         []string
	Trails                           map[string][]struct {
		Access string
		Lines  []string
	}
}

func seedLogs(t *testing.T) (*cloudwatchlogs.Client, seededLogs, time.Time) {
	url := testrig.MotoURL(t)
	start := time.Now().Add(-10 * time.Minute).Truncate(time.Millisecond)
	prefix := fmt.Sprintf("t%d-", time.Now().UnixNano()%1e9)
	var s seededLogs
	if err := json.Unmarshal(testrig.Boto3(t, url, "seed_logs.py", prefix, strconv.FormatInt(start.UnixMilli(), 10)), &s); err != nil {
		t.Fatal(err)
	}
	c := cloudwatchlogs.New(cloudwatchlogs.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", "")})
	return c, s, start
}

// TestTrailAgainstMoto: the trail of one connection among several whose
// requests interleave is exact — none of another's lines, none of its own
// missing — in time order, grouped by request, with the token redacted.
func TestTrailAgainstMoto(t *testing.T) {
	c, s, _ := seedLogs(t)
	r, err := logs.NewReader(c, logs.Groups{Access: s.Access, AccessFormat: s.Format, Execution: s.Execution, Handlers: s.Handlers})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range s.Trails {
		tr, err := r.Trail(context.Background(), []string{id}, time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Requests) != len(want) {
			t.Fatalf("%s: %d requests, want %d", id, len(tr.Requests), len(want))
		}
		for i, req := range tr.Requests {
			if req.Access.ConnectionID != id || req.Access.Kind != logs.KindAccess {
				t.Errorf("%s request %d: access line of %q (%s)", id, i, req.Access.ConnectionID, req.Access.Kind)
			}
			if strings.Contains(req.Access.Message, s.Token) || (i == 0 && !strings.Contains(req.Access.Message, "token=eyJh…(")) {
				t.Errorf("%s: the token is not redacted: %s", id, req.Access.Message)
			}
			var got []string
			for _, l := range req.Lines {
				got = append(got, l.Message)
			}
			if strings.Join(got, "\n") != strings.Join(want[i].Lines, "\n") {
				t.Errorf("%s request %d (%s) lines:\n%s\nwant:\n%s", id, i, req.Access.Route, strings.Join(got, "\n"), strings.Join(want[i].Lines, "\n"))
			}
		}
	}
}
