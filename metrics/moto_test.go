package metrics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"wsops/internal/testrig"
	"wsops/metrics"
)

func cwClient(url string) *cloudwatch.Client {
	return cloudwatch.New(cloudwatch.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", "")})
}

// TestFetchAgainstMoto reads back, per minute, the sums boto3 put into moto.
func TestFetchAgainstMoto(t *testing.T) {
	url := testrig.MotoURL(t)
	apiID := fmt.Sprintf("m%d", time.Now().UnixNano()%1e9)
	now := time.Now()
	var want map[string]map[string]float64
	out := testrig.Boto3(t, url, "seed_metrics.py", apiID, strconv.FormatInt(now.Unix(), 10))
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatalf("seed output %q: %v", out, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := metrics.Fetch(ctx, cwClient(url), metrics.Query{APIID: apiID, Stage: "dev", Since: 10 * time.Minute, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Series) != len(metrics.Kinds) {
		t.Fatalf("%d series, want %d", len(r.Series), len(metrics.Kinds))
	}
	for _, k := range metrics.Kinds {
		if !k.Count {
			continue
		}
		s, _ := r.Get(k.ID)
		if len(s.Points) != 10 {
			t.Errorf("%s: %d points, want one per minute of 10", k.ID, len(s.Points))
		}
		for _, p := range s.Points {
			if w := want[k.Metric][strconv.FormatInt(p.Time.Unix(), 10)]; p.Value != w {
				t.Errorf("%s at %s = %g, want %g", k.ID, p.Time.Format("15:04"), p.Value, w)
			}
		}
	}
}
