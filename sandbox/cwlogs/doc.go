// Package cwlogs is the sandbox's CloudWatch Logs: log groups held in
// memory and served through CloudWatch Logs' own API (the awsJson 1.1
// protocol, SigV4-checked through sandbox/awswire), so that the SDK's
// cloudwatchlogs client, the aws CLI and wsops read the sandbox's logs as
// they read a deployment's.
//
// Served: DescribeLogGroups (prefix, case-insensitive pattern,
// identifiers; arn "arn:aws:logs:{region}:000000000000:log-group:{name}:*"),
// DescribeLogStreams (by name or last event time), FilterLogEvents (time
// range, streams, limit and nextToken; the filter pattern subset of terms:
// a word, a quoted phrase, several ANDed, ?-terms ORed — anything else is
// an InvalidParameterException, never a silent match-all), GetLogEvents
// (from the head or the tail, forward and backward tokens) and
// StartLiveTail, an event stream (application/vnd.amazon.eventstream) of
// an initial-response, a LiveTailSessionStart and a LiveTailSessionUpdate
// every second, over HTTP/1.1: at most 10 groups by name or ARN, the
// logEventFilterPattern, a uniform sample of 500 events a second past that
// rate (sessionMetadata.sampled), SessionTimeoutException after 3 hours,
// at most 15 sessions at once — AWS's limits, each configurable.
//
// Memory is bounded whatever the uptime: each group keeps its newest
// MaxEvents events (DefaultMaxEvents, 100,000), dropping the oldest, and a
// stream goes when its last event does; a live tail session holds at most
// one update's worth of events. Events are stamped when they are put,
// never before the group's newest, so a group is in time order and a time
// range is found by binary search; a read scans the group a chunk at a
// time under its read lock (a 100,000-event group in about 10 ms).
package cwlogs
