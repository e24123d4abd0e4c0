package mgmt

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"wsops/internal/testrig"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const awsExampleID = "L0SM9cOFvHcCIhw="

// sentinelCase is one failed call and what it must map to.
type sentinelCase struct {
	call  string
	err   error
	id    string
	want  error
	typed func(error) bool // the SDK's modeled error is still reachable
}

func isTyped[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func checkSentinels(t *testing.T, cases []sentinelCase) {
	t.Helper()
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: got %v, want errors.Is %v", c.call, c.err, c.want)
		}
		if c.err != nil && !strings.Contains(c.err.Error(), c.id) {
			t.Errorf("%s: error %q does not name the connection %s", c.call, c.err, c.id)
		}
		if c.typed != nil && !c.typed(c.err) {
			t.Errorf("%s: the SDK's typed error is not reachable through errors.As: %v", c.call, c.err)
		}
	}
}

func TestSentinelsFromSandbox(t *testing.T) {
	w, m := startWorld(t, testrig.WorldOptions{Clients: 1})
	live, unknown := w.IDs[0], awsExampleID
	forbidden := wrongStage(w)
	ctx := context.Background()
	_, getGone := m.Get(ctx, unknown)
	_, getForbidden := forbidden.Get(ctx, live)
	// Post refuses an oversized payload itself; the SDK client shows how the
	// sandbox's 413 maps when a payload gets through.
	_, tooLarge := w.API.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &live, Data: make([]byte, MaxPayload+1)})

	checkSentinels(t, []sentinelCase{
		{"post gone", m.Post(ctx, unknown, []byte("x")), unknown, ErrGone, isTyped[*types.GoneException]},
		{"get gone", getGone, unknown, ErrGone, isTyped[*types.GoneException]},
		{"delete gone", m.Delete(ctx, unknown), unknown, ErrGone, isTyped[*types.GoneException]},
		{"post forbidden", forbidden.Post(ctx, live, []byte("x")), live, ErrForbidden, isTyped[*types.ForbiddenException]},
		{"get forbidden", getForbidden, live, ErrForbidden, isTyped[*types.ForbiddenException]},
		{"delete forbidden", forbidden.Delete(ctx, live), live, ErrForbidden, isTyped[*types.ForbiddenException]},
		{"post too large for the server", wrapCallError("post to connection", live, tooLarge), live, ErrPayloadTooLarge, isTyped[*types.PayloadTooLargeException]},
	})
	w.Settle()
	assertReceived(t, w, []string{live}) // nothing
	if _, err := m.Get(ctx, live); err != nil {
		t.Errorf("the live connection after refused calls: %v", err)
	}
}

func TestSentinelsForEveryErrorSpelling(t *testing.T) {
	styles := map[string]errorStyle{
		"header only":          headerOnly,
		"header with suffix":   headerWithNamespace,
		"__type body only":     bodyOnly,
		"untyped, status only": statusOnly,
	}
	const gone, forbidden, throttled, tooLarge = "Z29uZS1jb25uLTE=", "Zm9yYmlkZGVuLTE=", "dGhyb3R0bGVkLTE=", "dG9vLWxhcmdlLTE="
	for name, style := range styles {
		t.Run(name, func(t *testing.T) {
			m := New(testrig.ManagementAPI(t, newSpellingServer(t, style)))
			ctx := context.Background()
			_, getErr := m.Get(ctx, gone)
			typedGone := isTyped[*types.GoneException]
			if style == statusOnly {
				typedGone = func(err error) bool { return !isTyped[*types.GoneException](err) }
			}
			checkSentinels(t, []sentinelCase{
				{"post gone", m.Post(ctx, gone, []byte("x")), gone, ErrGone, typedGone},
				{"get gone", getErr, gone, ErrGone, nil},
				{"delete gone", m.Delete(ctx, gone), gone, ErrGone, nil},
				{"post forbidden", m.Post(ctx, forbidden, []byte("x")), forbidden, ErrForbidden, nil},
				{"delete forbidden", m.Delete(ctx, forbidden), forbidden, ErrForbidden, nil},
				{"post throttled", m.Post(ctx, throttled, []byte("x")), throttled, ErrThrottled, nil},
				{"post too large for the server", m.Post(ctx, tooLarge, []byte("x")), tooLarge, ErrPayloadTooLarge, nil},
			})
		})
	}
}

func TestThrottledCallsMapToErrThrottled(t *testing.T) {
	w, m := startWorld(t, testrig.WorldOptions{Clients: 1, ManagementRPS: starvedRPS})
	id := w.IDs[0]
	ctx := context.Background()
	if err := m.Post(ctx, id, []byte("first")); err != nil {
		t.Fatalf("the one call the bucket allows: %v", err)
	}
	_, getErr := m.Get(ctx, id)

	checkSentinels(t, []sentinelCase{
		{"post throttled", m.Post(ctx, id, []byte("second")), id, ErrThrottled, isTyped[*types.LimitExceededException]},
		{"get throttled", getErr, id, ErrThrottled, isTyped[*types.LimitExceededException]},
		{"delete throttled", m.Delete(ctx, id), id, ErrThrottled, isTyped[*types.LimitExceededException]},
	})
	w.Settle()
	assertReceived(t, w, []string{id}, []byte("first"))
	if n := w.Sandbox.Gateway().Count(); n != 1 {
		t.Errorf("%d live connections after a throttled delete, want 1", n)
	}
}

func TestPostDeliversBodyByteExactToEncodedPath(t *testing.T) {
	w, m := startWorld(t, testrig.WorldOptions{Clients: 2})
	target, other := w.IDs[0], w.IDs[1]
	payload := []byte(`{"type":"order","data":{"note":"ünïcödé ✓"}}` + "\x00\x01\xff\r\n")

	if err := m.Post(context.Background(), target, payload); err != nil {
		t.Fatalf("post: %v", err)
	}
	w.Settle()
	assertReceived(t, w, []string{target}, payload)
	assertReceived(t, w, []string{other})

	requests := w.Requests()
	if len(requests) != 1 {
		t.Fatalf("the SDK client sent %d requests, want 1", len(requests))
	}
	// Connection ids end in '=', which the path carries percent-encoded.
	want := "/dev/@connections/" + strings.ReplaceAll(target, "=", "%3D")
	if requests[0].EscapedPath != want || requests[0].Method != "POST" {
		t.Errorf("request %s %s, want POST %s", requests[0].Method, requests[0].EscapedPath, want)
	}
}

func TestPostRefusesOversizedPayloadWithoutRequest(t *testing.T) {
	w, m := startWorld(t, testrig.WorldOptions{Clients: 1})
	id := w.IDs[0]

	err := m.Post(context.Background(), id, make([]byte, MaxPayload+1))
	if !errors.Is(err, ErrPayloadTooLarge) || !strings.Contains(err.Error(), id) {
		t.Errorf("got %v, want ErrPayloadTooLarge naming %s", err, id)
	}
	if n := len(w.Requests()); n != 0 {
		t.Errorf("the SDK client sent %d requests, want none", n)
	}
	largest := bytes.Repeat([]byte("0123456789abcdef"), MaxPayload/16)
	if err := m.Post(context.Background(), id, largest); err != nil {
		t.Errorf("a payload of exactly MaxPayload: %v", err)
	}
	w.Settle()
	assertReceived(t, w, []string{id}, largest)
}

func TestGetDecodesTimesAndIdentity(t *testing.T) {
	before := time.Now().Truncate(time.Millisecond)
	w, m := startWorld(t, testrig.WorldOptions{Clients: 1})
	dialled := time.Now()
	id := w.IDs[0]
	ctx := context.Background()
	if err := m.Post(ctx, id, []byte("activity")); err != nil {
		t.Fatal(err)
	}
	w.Client(id).WaitFrames(t, 1)

	info, err := m.Get(ctx, id)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if info.ConnectedAt.Before(before) || info.ConnectedAt.After(dialled) || !info.ConnectedAt.Equal(info.ConnectedAt.Truncate(time.Millisecond)) {
		t.Errorf("connectedAt %v, want a millisecond between %v and %v", info.ConnectedAt, before, dialled)
	}
	if info.LastActiveAt.Before(info.ConnectedAt) || info.LastActiveAt.After(time.Now()) {
		t.Errorf("lastActiveAt %v, want between connectedAt %v and now", info.LastActiveAt, info.ConnectedAt)
	}
	if info.SourceIP != "127.0.0.1" || info.UserAgent != w.Client(id).UserAgent {
		t.Errorf("identity %q %q, want 127.0.0.1 %q", info.SourceIP, info.UserAgent, w.Client(id).UserAgent)
	}
}

func TestDeleteClosesConnection(t *testing.T) {
	w, m := startWorld(t, testrig.WorldOptions{Clients: 2})
	target, other := w.IDs[0], w.IDs[1]
	ctx := context.Background()

	if err := m.Delete(ctx, target); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if code := w.Client(target).WaitClosed(t); code != websocket.StatusNormalClosure {
		t.Errorf("the client saw close %v, want 1000", code)
	}
	if _, err := m.Get(ctx, target); !errors.Is(err, ErrGone) {
		t.Errorf("get after delete: got %v, want ErrGone", err)
	}
	if err := m.Delete(ctx, target); !errors.Is(err, ErrGone) {
		t.Errorf("delete after delete: got %v, want ErrGone", err)
	}
	if _, err := m.Get(ctx, other); err != nil {
		t.Errorf("the other connection: %v", err)
	}
}

// hangingAPI answers nothing until the call's context ends.
type hangingAPI struct{ noopAPI }

func (hangingAPI) PostToConnection(ctx context.Context, _ *apigatewaymanagementapi.PostToConnectionInput, _ ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestEveryCallHasATimeout(t *testing.T) {
	m := New(hangingAPI{}).WithCallTimeout(time.Millisecond)
	err := m.Post(context.Background(), awsExampleID, []byte("x"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want context.DeadlineExceeded", err)
	}
	if New(noopAPI{}).timeout != DefaultCallTimeout {
		t.Error("New does not default to DefaultCallTimeout")
	}
}
