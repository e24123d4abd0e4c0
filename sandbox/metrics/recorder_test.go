package metrics

import (
	"math"
	"testing"
	"time"

	"wsops/sandbox/gateway"
)

var (
	connect = gateway.Event{Kind: gateway.KindConnect, Integrated: true, Integration: ms(3)}
	message = gateway.Event{Kind: gateway.KindMessage, Integrated: true, Integration: ms(5)}
)

// TestRetentionDropsOldMinutes: minute data lives 3 hours, 5-minute data 24
// hours; past that a period has no datapoint, and the number of buckets
// held never grows, however long the recorder runs.
func TestRetentionDropsOldMinutes(t *testing.T) {
	f := newFixture(t)
	f.at(t0.Add(10*time.Second), 4, connect)
	q1, q5 := query("m", ConnectCount, "Sum", 60, false), query("m", ConnectCount, "Sum", 300, false)
	from, to := t0.Add(-time.Hour), t0.Add(time.Hour)

	for _, tc := range []struct {
		age           time.Duration
		minute, fives bool
	}{
		{time.Minute, true, true},
		{MinuteRetention, true, true},
		{MinuteRetention + time.Minute, false, true},
		{FiveMinuteRetention, false, true},
		{FiveMinuteRetention + 5*time.Minute, false, false},
	} {
		now := t0.Add(tc.age)
		if v, ok := f.one(t, now, from, to, q1); ok != tc.minute || ok && v != 4 {
			t.Errorf("%v later, period 60: %v %v, want data %v (4)", tc.age, v, ok, tc.minute)
		}
		if v, ok := f.one(t, now, from, to, q5); ok != tc.fives || ok && v != 4 {
			t.Errorf("%v later, period 300: %v %v, want data %v (4)", tc.age, v, ok, tc.fives)
		}
	}

	// Two days of one event a minute: the buckets held stay at the rings' size.
	for m := range 2 * 24 * 60 {
		f.at(t0.Add(time.Duration(m)*time.Minute), 1, message)
	}
	if held, bound := f.rec.heldBuckets(), int(minuteSlots+fiveSlots); held != bound {
		t.Fatalf("%d buckets held after two days, want the bound %d", held, bound)
	}
}

// TestOldDataNeedsFiveMinutePeriods: older than the minute retention, a
// period of 60 s has no data but a multiple of 300 s aggregates the 5-minute
// buckets, and the start is rounded down to 5 minutes, as CloudWatch does.
func TestOldDataNeedsFiveMinutePeriods(t *testing.T) {
	f := newFixture(t)
	f.at(t0.Add(1*time.Minute), 1, connect)
	f.at(t0.Add(4*time.Minute), 2, connect)
	f.at(t0.Add(6*time.Minute), 3, connect)
	now := t0.Add(5 * time.Hour)
	res := f.get(t, now, t0.Add(2*time.Minute), t0.Add(time.Hour), query("m", ConnectCount, "Sum", 300, true))
	got := res[0]
	if len(got.Values) != 2 || got.Values[0] != 3 || got.Values[1] != 3 ||
		!got.Timestamps[0].Equal(t0.Add(5*time.Minute)) || !got.Timestamps[1].Equal(t0) {
		t.Fatalf("5-minute periods: %v at %v, want [3 3] at 10:05 and 10:00 (newest first)", got.Values, got.Timestamps)
	}
}

// TestStatistics: the statistics of a 0/1 error metric and of latencies.
func TestStatistics(t *testing.T) {
	f := newFixture(t)
	now := t0.Add(30 * time.Second)
	f.clk.set(now)
	for range 3 {
		f.rec.Observe(message)
	}
	f.rec.Observe(gateway.Event{Kind: gateway.KindMessage, Outcome: gateway.ClientError})
	for i := 1; i <= 1000; i++ {
		f.rec.Observe(gateway.Event{Kind: gateway.KindDisconnect, Integrated: true, Integration: ms(i)})
	}
	from, to := t0, t0.Add(time.Minute)
	for _, tc := range []struct {
		metric, stat string
		want, tol    float64
	}{
		{ClientError, "Sum", 1, 0},
		{ClientError, "SampleCount", 4, 0},
		{ClientError, "Average", 0.25, 0},
		{ClientError, "Minimum", 0, 0},
		{ClientError, "Maximum", 1, 0},
		{ClientError, "p75", 0, 0},
		{ClientError, "p80", 1, 0},
		{MessageCount, "Sum", 4, 0},
		{MessageCount, "Average", 1, 0},
		{IntegrationError, "Sum", 0, 0},
		{ConnectCount, "Sum", math.NaN(), 0}, // no sample: no datapoint
		// 1000 samples of 1..1000 ms, plus the three messages' 5 ms.
		{IntegrationLatency, "SampleCount", 1003, 0},
		{IntegrationLatency, "Minimum", 1, 0},
		{IntegrationLatency, "Maximum", 1000, 0},
		{IntegrationLatency, "Sum", 500500 + 15, 0},
		{IntegrationLatency, "p50", 500, 0.03},
		{IntegrationLatency, "p90", 900, 0.03},
		{IntegrationLatency, "p99", 990, 0.03},
		{IntegrationLatency, "p99.9", 999, 0.03},
		{IntegrationLatency, "p100", 1000, 0},
		{IntegrationLatency, "p0", 1, 0},
	} {
		v, ok := f.one(t, now, from, to, query("q", tc.metric, tc.stat, 60, true))
		switch {
		case math.IsNaN(tc.want):
			if ok {
				t.Errorf("%s %s: %v, want no datapoint", tc.metric, tc.stat, v)
			}
		case !ok:
			t.Errorf("%s %s: no datapoint, want %v", tc.metric, tc.stat, tc.want)
		case math.Abs(v-tc.want) > tc.tol*tc.want:
			t.Errorf("%s %s: %v, want %v (±%v%%)", tc.metric, tc.stat, v, tc.want, tc.tol*100)
		}
	}
}

// TestHistogramBuckets: every value falls in the bucket whose bounds hold
// it, and the buckets are contiguous.
func TestHistogramBuckets(t *testing.T) {
	for i := 1; i < histBuckets; i++ {
		_, prevHi := histBounds(i - 1)
		lo, hi := histBounds(i)
		if lo != prevHi || hi <= lo {
			t.Fatalf("bucket %d is [%d, %d), the one before ends at %d", i, lo, hi, prevHi)
		}
	}
	for _, us := range []uint64{0, 1, 63, 64, 65, 100, 1000, 12345, 999999, 29_000_000, maxHistValue} {
		i := histIndex(us)
		if lo, hi := histBounds(i); us < lo || us >= hi {
			t.Fatalf("%d µs in bucket %d [%d, %d)", us, i, lo, hi)
		}
	}
	if histIndex(maxHistValue) != histBuckets-1 {
		t.Fatalf("the largest value is in bucket %d, want the last, %d", histIndex(maxHistValue), histBuckets-1)
	}
}

// TestClockGoingBack: an event stamped before a recycled slot's data is
// dropped rather than mixed into a newer minute.
func TestClockGoingBack(t *testing.T) {
	f := newFixture(t)
	f.at(t0.Add(time.Duration(minuteSlots)*time.Minute), 1, connect)
	f.at(t0, 1, connect) // same slot, an older minute
	now := t0.Add(time.Duration(minuteSlots) * time.Minute)
	if v, ok := f.one(t, now, now.Add(-time.Minute), now.Add(time.Minute), query("m", ConnectCount, "Sum", 60, false)); !ok || v != 1 {
		t.Fatalf("newest minute: %v %v, want 1", v, ok)
	}
}

// BenchmarkObserve is the cost of counting one event, from parallel
// goroutines as the gateway's connections count them.
func BenchmarkObserve(b *testing.B) {
	r := New(Options{APIID: testAPI, Stage: testStage})
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Observe(message)
		}
	})
}

// TestFoldedFiveMinutes: minutes folded into their 5-minute buckets as
// their slots are recycled read back exactly, beside minutes not folded yet.
func TestFoldedFiveMinutes(t *testing.T) {
	f := newFixture(t)
	// 5 hours of traffic: minute i has i%7+1 connects and a latency of i ms.
	const minutes = 5 * 60
	for i := range minutes {
		f.at(t0.Add(time.Duration(i)*time.Minute+time.Second), i%7+1, gateway.Event{Kind: gateway.KindConnect, Integrated: true, Integration: ms(i + 1)})
	}
	now := t0.Add(minutes * time.Minute)
	// Periods of an hour, from t0: the first two hours are beyond the
	// minute retention (folded, or not yet), the rest within it.
	q := query("m", ConnectCount, "Sum", 3600, true)
	res := f.get(t, now, t0, now, q)[0]
	if len(res.Values) != 5 {
		t.Fatalf("%d hourly datapoints %v, want 5", len(res.Values), res.Timestamps)
	}
	for h := range 5 {
		want := 0.0
		for i := h * 60; i < (h+1)*60; i++ {
			want += float64(i%7 + 1)
		}
		if got := res.Values[4-h]; got != want || !res.Timestamps[4-h].Equal(t0.Add(time.Duration(h)*time.Hour)) {
			t.Errorf("hour %d: %v at %v, want %v", h, got, res.Timestamps[4-h], want)
		}
	}
	lat := f.get(t, now, t0, t0.Add(time.Hour), query("m", IntegrationLatency, "Maximum", 3600, true), query("n", IntegrationLatency, "Minimum", 3600, true),
		query("p", IntegrationLatency, "p50", 3600, true))
	if lat[0].Values[0] != 60 || lat[1].Values[0] != 1 || math.Abs(lat[2].Values[0]-30.5) > 1 {
		t.Fatalf("latency of the first (folded) hour: max %v, min %v, p50 %v; want 60, 1, about 30", lat[0].Values, lat[1].Values, lat[2].Values)
	}
}
