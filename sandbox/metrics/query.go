package metrics

import "time"

// metricStat is a validated MetricStat query.
type metricStat struct {
	namespace string
	name      string
	dims      map[string]string
	period    int64 // seconds, a multiple of 60
	stat      statistic
	unit      string // "" or the unit the caller asks for
}

// points answers q over [start, end): the start of each period that holds
// data and the statistic's value for it, oldest first. Periods without data
// are left out, as CloudWatch leaves them out. A metric, namespace, unit or
// dimension set the Recorder does not publish has no data at all.
//
// The first period starts at start rounded down to the minute or, when
// start is older than the minute retention, to 5 minutes (as CloudWatch
// rounds for data kept at 5-minute resolution). Periods that start within
// the minute retention are read from minute buckets; older ones from
// 5-minute buckets when the period is a multiple of 300 s, else they have
// no data.
func (r *Recorder) points(q metricStat, start, end time.Time) ([]time.Time, []float64) {
	m, ok := r.publishes(q)
	if !ok {
		return nil, nil
	}
	now := r.now().Unix()
	oldestMinute := r.minutes.oldest(now) * 60
	from, to := start.Unix(), end.Unix()
	if from < oldestMinute {
		from = floorDiv(from, 300) * 300
	} else {
		from = floorDiv(from, 60) * 60
	}
	// Nothing is held before the 5-minute retention or after now: skip the
	// periods there without visiting them.
	if horizon := r.fives.oldest(now) * 300; from < horizon {
		from += (horizon - from) / q.period * q.period
	}
	to = min(to, (now/60+1)*60)
	withHist := q.stat.kind == statPercentile
	var times []time.Time
	var values []float64
	for t := from; t < to; t += q.period {
		var acc series
		switch {
		case t >= oldestMinute:
			r.minutes.merge(&acc, m, t/60, (t+q.period)/60, now, withHist, true)
		case q.period%300 == 0 && t%300 == 0:
			// A minute is in its 5-minute bucket once folded, in the
			// minute ring until then: never in both.
			r.fives.merge(&acc, m, t/300, (t+q.period)/300, now, withHist, true)
			r.minutes.merge(&acc, m, t/60, (t+q.period)/60, now, withHist, false)
		default:
			continue
		}
		if v, ok := acc.value(m, q.stat); ok {
			times = append(times, time.Unix(t, 0).UTC())
			values = append(values, v)
		}
	}
	return times, values
}

// publishes reports which metric q reads, and whether the Recorder
// publishes it under q's namespace, dimensions and unit.
func (r *Recorder) publishes(q metricStat) (metric, bool) {
	m, ok := metricByName(q.name)
	if !ok || q.namespace != Namespace || q.unit != "" && q.unit != metricUnits[m] {
		return 0, false
	}
	switch len(q.dims) {
	case 1:
		return m, q.dims["ApiId"] == r.apiID
	case 2:
		return m, q.dims["ApiId"] == r.apiID && q.dims["Stage"] == r.stage
	}
	return 0, false
}

// floorDiv is a/b rounded towards minus infinity (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}
