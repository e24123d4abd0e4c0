package faultproxy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"go.uber.org/goleak"

	"wsops/internal/faultproxy"
	"wsops/internal/testrig"
	"wsops/mgmt"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// describe asks for a table that exists upstream (minidyn has no ListTables).
func describe(ctx context.Context, url string) error {
	_, err := oneAttempt(url).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	return err
}

const table = "faultproxy_probe"

// upstreamWithTable starts a minidyn holding the table describe asks for.
func upstreamWithTable(t *testing.T) string {
	url := testrig.MinidynURL(t)
	_, err := oneAttempt(url).CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	return url
}

// oneAttempt is a DynamoDB client that never retries, so every injected
// fault reaches the caller.
func oneAttempt(url string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

// Every fault, at rate 1, reaches the real SDK client as AWS's would.
func TestDynamoFaultsAsTheSDKSeesThem(t *testing.T) {
	upstream := upstreamWithTable(t)
	cases := []struct {
		fault faultproxy.Fault
		check func(error) bool
	}{
		{faultproxy.Throttle, func(err error) bool {
			var e *types.ProvisionedThroughputExceededException
			return errors.As(err, &e)
		}},
		{faultproxy.Throttling, func(err error) bool { return apiCode(err) == "ThrottlingException" }},
		{faultproxy.ServerError, func(err error) bool {
			code := apiCode(err)
			return code == "ServiceUnavailableException" || code == "InternalServerError"
		}},
		{faultproxy.Truncate, func(err error) bool { return err != nil && apiCode(err) == "" }},
		{faultproxy.Reset, func(err error) bool { return err != nil && apiCode(err) == "" }},
		{faultproxy.Latency, func(err error) bool { return err == nil }},
	}
	for _, c := range cases {
		p := faultproxy.Start(t, faultproxy.Options{Upstream: upstream, Service: faultproxy.DynamoDB,
			Rates: map[faultproxy.Fault]float64{c.fault: 1}, Latency: time.Millisecond})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := describe(ctx, p.URL)
		cancel()
		if !c.check(err) {
			t.Errorf("%s: DescribeTable said %v", c.fault, err)
		}
		if got := p.Injected()[c.fault]; got != 1 {
			t.Errorf("%s: injected %d times, want 1 (%s)", c.fault, got, p.Summary())
		}
	}
}

func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func TestManagementThrottleIsTyped(t *testing.T) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{Clients: 1})
	for _, fault := range []faultproxy.Fault{faultproxy.Throttle, faultproxy.Throttling} {
		p := faultproxy.Start(t, faultproxy.Options{Upstream: w.ManagementURL, Service: faultproxy.Management,
			Rates: map[faultproxy.Fault]float64{fault: 1}})
		m := mgmt.New(testrig.ManagementAPI(t, p.URL+"/dev"))
		if err := m.Post(context.Background(), w.IDs[0], []byte("x")); !errors.Is(err, mgmt.ErrThrottled) {
			t.Errorf("%s: post said %v, want ErrThrottled", fault, err)
		}
	}
	if n := len(w.Client(w.IDs[0]).Frames()); n != 0 {
		t.Errorf("a throttled post delivered %d frames", n)
	}
}

// Truncate forwards the call, so its effect happens. A PostToConnection
// answer has no body the SDK reads: the cut goes unseen and the post counts
// as delivered, which it was. A GetConnection answer is JSON: cut, it fails.
func TestTruncateForwardsThenCuts(t *testing.T) {
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{Clients: 1})
	p := faultproxy.Start(t, faultproxy.Options{Upstream: w.ManagementURL, Service: faultproxy.Management,
		Rates: map[faultproxy.Fault]float64{faultproxy.Truncate: 1}})
	m := mgmt.New(testrig.ManagementAPI(t, p.URL+"/dev"))
	if err := m.Post(context.Background(), w.IDs[0], []byte("hello")); err != nil {
		t.Fatalf("post with its empty answer cut: %v", err)
	}
	if _, err := m.Get(context.Background(), w.IDs[0]); err == nil {
		t.Fatal("a truncated GetConnection answer read as success")
	}
	if frames := w.Client(w.IDs[0]).WaitFrames(t, 1); string(frames[0].Data) != "hello" {
		t.Fatalf("frames %q", frames)
	}
}

// Hold stalls every request until Release, and the seed fixes the sequence.
func TestHoldAndSeed(t *testing.T) {
	upstream := upstreamWithTable(t)
	p := faultproxy.Start(t, faultproxy.Options{Upstream: upstream, Service: faultproxy.DynamoDB})
	p.Hold()
	done := make(chan error, 1)
	go func() {
		done <- describe(context.Background(), p.URL)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.WaitHeld(ctx, 1); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("a held request finished: %v", err)
	default:
	}
	p.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	sequence := func() []int {
		q := faultproxy.Start(t, faultproxy.Options{Upstream: upstream, Service: faultproxy.DynamoDB, Seed: 7,
			Rates: map[faultproxy.Fault]float64{faultproxy.Throttle: 0.5}})
		var seq []int
		for range 20 {
			err := describe(context.Background(), q.URL)
			seq = append(seq, map[bool]int{true: 1}[err != nil])
		}
		return seq
	}
	a, b := sequence(), sequence()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("seed 7 gave %v then %v", a, b)
		}
	}
	if err := p.SetRates(map[faultproxy.Fault]float64{faultproxy.Throttle: 0.7, faultproxy.Reset: 0.7}); err == nil {
		t.Error("rates summing to 1.4 accepted")
	}
}
