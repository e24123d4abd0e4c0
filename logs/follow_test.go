package logs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"wsops/internal/testrig"
	"wsops/logs"
)

// TestPollingFollowAgainstMoto: moto has no StartLiveTail, so Follow polls;
// lines put after it started are picked up, each once, and only the
// followed connection's.
func TestPollingFollowAgainstMoto(t *testing.T) {
	c, s, _ := seedLogs(t)
	r, err := logs.NewReader(c, logs.Groups{Access: s.Access, AccessFormat: s.Format, Execution: s.Execution, Handlers: s.Handlers})
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for k := range s.Trails {
		id = k
		break
	}
	seeded := 0
	for _, req := range s.Trails[id] {
		seeded += 1 + len(req.Lines)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	seen := map[string]int{}
	var notices []string
	later, stop := false, errors.New("done")
	err = r.Follow(ctx, logs.FollowOptions{IDs: []string{id}, Since: time.Hour, Poll: 50 * time.Millisecond}, func(e logs.Event) error {
		if e.Notice != "" {
			notices = append(notices, e.Notice)
			return nil
		}
		l := e.Line
		if strings.Contains(l.Message, "OTHER-REQ=") || (l.Kind == logs.KindAccess && l.ConnectionID != id) {
			t.Errorf("a line of another connection: %+v", l)
		}
		seen[l.Message]++
		if !later && len(seen) == seeded {
			later = true // the whole seeded trail came: now lines arrive while it follows
			testrig.Boto3(t, testrig.MotoURL(t), "seed_logs_more.py", s.Access, s.Execution, id)
		}
		if seen["(LATER-REQ=) Received request. Route: heartbeat"] > 0 && l.RequestID == "LATER-REQ=" && l.Kind == logs.KindAccess {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("follow ended (%v) before the later request came; %d of %d seeded lines seen", err, len(seen), seeded)
	}
	for m, n := range seen {
		if n != 1 {
			t.Errorf("seen %d times: %s", n, m)
		}
	}
	if len(notices) == 0 || !strings.Contains(notices[0], "polling") {
		t.Errorf("notices %q: want one saying it polls", notices)
	}
}
