package client

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const awsExampleID = "L0SM9cOFvHcCIhw="

func TestSentinelsThroughSDK(t *testing.T) {
	styles := map[string]errorStyle{
		"header and body":      headerAndBody,
		"header only":          headerOnly,
		"header with suffix":   headerWithNamespace,
		"__type body only":     bodyOnly,
		"untyped, status only": statusOnly,
	}
	const live, forbidden, throttled, unknown = "bGl2ZS1jb25uLTE=", "Zm9yYmlkZGVuLTE=", "dGhyb3R0bGVkLTE=", awsExampleID
	for name, style := range styles {
		t.Run(name, func(t *testing.T) {
			gateway := newFakeGateway(t)
			gateway.addLive(live, forbidden, throttled)
			gateway.set(func(g *fakeGateway) {
				g.errorStyle = style
				g.forbidden[forbidden] = true
				g.throttle[throttled] = -1
				g.limit = 8
			})
			m := gateway.management()
			ctx := context.Background()
			_, getErr := m.Get(ctx, unknown)
			cases := []struct {
				call string
				err  error
				id   string
				want error
			}{
				{"post gone", m.Post(ctx, unknown, []byte("x")), unknown, ErrGone},
				{"get gone", getErr, unknown, ErrGone},
				{"delete gone", m.Delete(ctx, unknown), unknown, ErrGone},
				{"post forbidden", m.Post(ctx, forbidden, []byte("x")), forbidden, ErrForbidden},
				{"delete forbidden", m.Delete(ctx, forbidden), forbidden, ErrForbidden},
				{"post throttled", m.Post(ctx, throttled, []byte("x")), throttled, ErrThrottled},
				{"post too large for the server", m.Post(ctx, live, []byte("more than eight bytes")), live, ErrPayloadTooLarge},
			}
			var typed *types.GoneException
			if isTyped := errors.As(cases[0].err, &typed); isTyped != (style != statusOnly) {
				t.Errorf("SDK typed the 410 as *types.GoneException: %v; want %v (%v)", isTyped, style != statusOnly, cases[0].err)
			}
			for _, c := range cases {
				if !errors.Is(c.err, c.want) {
					t.Errorf("%s: got %v, want errors.Is %v", c.call, c.err, c.want)
				}
				if c.err != nil && !strings.Contains(c.err.Error(), c.id) {
					t.Errorf("%s: error %q does not name the connection %s", c.call, c.err, c.id)
				}
			}
		})
	}
}

func TestTypedSDKErrorStaysReachable(t *testing.T) {
	gateway := newFakeGateway(t)
	err := gateway.management().Post(context.Background(), awsExampleID, []byte("hi"))
	var gone *types.GoneException
	if !errors.As(err, &gone) || !errors.Is(err, ErrGone) {
		t.Fatalf("got %v (%T), want both ErrGone and *types.GoneException", err, err)
	}
}

func TestPostDeliversBodyByteExactToEncodedPath(t *testing.T) {
	gateway := newFakeGateway(t)
	gateway.addLive(awsExampleID)
	payload := []byte(`{"type":"order","data":{"note":"ünïcödé ✓"}}` + "\x00\x01\xff\r\n")

	if err := gateway.management().Post(context.Background(), awsExampleID, payload); err != nil {
		t.Fatalf("post: %v", err)
	}
	if got := gateway.body(awsExampleID); !bytes.Equal(got, payload) {
		t.Errorf("server received %q, want %q", got, payload)
	}
	requests := gateway.answered()
	if len(requests) != 1 {
		t.Fatalf("server answered %d requests, want 1", len(requests))
	}
	if want := "/dev/@connections/L0SM9cOFvHcCIhw%3D"; requests[0].EscapedPath != want || requests[0].Method != "POST" {
		t.Errorf("request %s %s, want POST %s", requests[0].Method, requests[0].EscapedPath, want)
	}
}

func TestPostRefusesOversizedPayloadWithoutRequest(t *testing.T) {
	gateway := newFakeGateway(t)
	gateway.addLive(awsExampleID)
	m := gateway.management()

	err := m.Post(context.Background(), awsExampleID, make([]byte, MaxPayload+1))
	if !errors.Is(err, ErrPayloadTooLarge) || !strings.Contains(err.Error(), awsExampleID) {
		t.Errorf("got %v, want ErrPayloadTooLarge naming %s", err, awsExampleID)
	}
	if n := len(gateway.answered()); n != 0 {
		t.Errorf("server answered %d requests, want none", n)
	}
	if err := m.Post(context.Background(), awsExampleID, make([]byte, MaxPayload)); err != nil {
		t.Errorf("a payload of exactly MaxPayload: %v", err)
	}
}

func TestGetDecodesTimesAndIdentity(t *testing.T) {
	gateway := newFakeGateway(t)
	gateway.addLive(awsExampleID)

	info, err := gateway.management().Get(context.Background(), awsExampleID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	want := ConnectionInfo{
		ConnectedAt:  time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
		LastActiveAt: time.Date(2026, 11, 22, 10, 4, 30, 123_000_000, time.UTC),
		SourceIP:     "203.0.113.7",
		UserAgent:    "okhttp/4.12.0 (" + awsExampleID + ")",
	}
	if !info.ConnectedAt.Equal(want.ConnectedAt) || !info.LastActiveAt.Equal(want.LastActiveAt) ||
		info.SourceIP != want.SourceIP || info.UserAgent != want.UserAgent {
		t.Errorf("got %+v, want %+v", info, want)
	}
}

func TestDeleteClosesConnection(t *testing.T) {
	gateway := newFakeGateway(t)
	gateway.addLive(awsExampleID)
	m := gateway.management()

	if err := m.Delete(context.Background(), awsExampleID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if gateway.isLive(awsExampleID) {
		t.Error("connection still live after delete")
	}
	if _, err := m.Get(context.Background(), awsExampleID); !errors.Is(err, ErrGone) {
		t.Errorf("get after delete: got %v, want ErrGone", err)
	}
}

// hangingAPI answers nothing until the call's context ends.
type hangingAPI struct{ noopAPI }

func (hangingAPI) PostToConnection(ctx context.Context, _ *apigatewaymanagementapi.PostToConnectionInput, _ ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestEveryCallHasATimeout(t *testing.T) {
	m := NewManagement(hangingAPI{}).WithCallTimeout(time.Millisecond)
	err := m.Post(context.Background(), awsExampleID, []byte("x"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want context.DeadlineExceeded", err)
	}
	if NewManagement(noopAPI{}).timeout != DefaultCallTimeout {
		t.Error("NewManagement does not default to DefaultCallTimeout")
	}
}
