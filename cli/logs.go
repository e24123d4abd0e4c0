package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"wsops/logs"
)

type logsFlags struct {
	conns  []string
	user   string
	filter logs.Filter
	since  time.Duration
	follow bool
	limit  int
}

func newLogsCmd(g *globals) *cobra.Command {
	var f logsFlags
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "A connection's trail through the access, execution and handler logs, or the API's logs",
		Long: `With --conn or --user: the trail of those connections — their lines in the
stage's access log (found by a quoted filter pattern, since ids end in "="), then
the execution log lines of their requests and the Lambda lines of their route
handlers, in time order, grouped per request ("$connect 200 3.2 ms" and its lines
under it). Without: the API's groups interleaved, the last --limit lines.
--route and --status (a code or a class: 5xx) filter both.

The groups come from the API (apigateway:GET): the stage's access log
destination, API-Gateway-Execution-Logs_{apiId}/{stage}, and /aws/lambda/{function}
of each route's integration; [profiles.NAME.logs] overrides any of them.
--follow streams with StartLiveTail where the endpoint serves it, else polls
FilterLogEvents at most once a second. Token-looking values are redacted in
every output. Needs logs:FilterLogEvents (and logs:StartLiveTail,
logs:DescribeLogGroups for --follow).`,
		Example: `  wsops logs --conn 'L0SM9cOFvHcCIhw=' --since 2h
  wsops logs --user u-123 --follow
  wsops logs --status 5xx --since 15m -o jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLogs(cmd.Context(), g, f) },
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.conns, "conn", nil, "connection ids to trace (repeatable or comma-separated)")
	fl.StringVar(&f.user, "user", "", "trace the connections the registry holds for this user")
	fl.StringVar(&f.filter.Route, "route", "", "only requests of this route key ($connect, $default, heartbeat…)")
	fl.StringVar(&f.filter.Status, "status", "", "only requests with this status: a code (403) or a class (5xx)")
	fl.DurationVar(&f.since, "since", time.Hour, "how far back")
	fl.BoolVar(&f.follow, "follow", false, "keep following as lines come (Ctrl+C ends)")
	fl.IntVar(&f.limit, "limit", 1000, "without --conn/--user: the last this many lines (0: all)")
	return cmd
}

func runLogs(ctx context.Context, g *globals, f logsFlags) error {
	out, err := g.format()
	if err != nil {
		return err
	}
	switch {
	case f.since <= 0:
		return usageError(fmt.Errorf("--since %s: want a positive duration", f.since))
	case len(f.conns) > 0 && f.user != "":
		return usageError(errors.New("--conn and --user: pick one"))
	case f.follow && out == formatJSON:
		return usageError(errors.New("--follow streams: use -o jsonl or table"))
	case f.limit < 0:
		return usageError(errors.New("--limit: want 0 or more"))
	}
	o, e, err := g.readOps(ctx)
	if err != nil {
		return err
	}
	ids := f.conns
	if f.user != "" {
		conns, err := e.registry.ConnectionsOf(ctx, f.user)
		if err != nil {
			return failed(err)
		}
		for _, c := range conns {
			ids = append(ids, c.ID)
		}
		if len(ids) == 0 {
			return failed(fmt.Errorf("the registry holds no connection of user %s", f.user))
		}
	}
	r, err := o.LogReader(ctx)
	if err != nil {
		return failed(err)
	}
	w := newLogWriter(g.streams.Out, out)
	if f.follow {
		return runFollow(ctx, g, r, o.FollowOptions(logs.FollowOptions{IDs: ids, Since: f.since}), f.filter, w)
	}
	now := time.Now()
	if len(ids) > 0 {
		t, err := r.Trail(ctx, ids, f.since, now)
		if err != nil {
			return failed(err)
		}
		t.Keep(f.filter)
		if t.Unjoined != "" {
			fmt.Fprintln(g.streams.Err, "wsops: note:", t.Unjoined)
		}
		return w.trail(t)
	}
	lines, err := r.Recent(ctx, f.since, now, f.filter, f.limit)
	if err != nil {
		return failed(err)
	}
	return w.lines(lines)
}

// runFollow prints lines as Follow emits them, until Ctrl+C.
func runFollow(ctx context.Context, g *globals, r *logs.Reader, o logs.FollowOptions, f logs.Filter, w *logWriter) error {
	err := r.Follow(ctx, o, func(e logs.Event) error {
		if e.Notice != "" {
			fmt.Fprintln(g.streams.Err, "wsops:", e.Notice)
			return nil
		}
		// A followed connection's execution and handler lines carry their
		// request's route and status (the joiner gives them); with no
		// connection followed, only access lines have them, so a filter
		// keeps access lines alone.
		if !f.Empty() && !f.Keeps(e.Line.Route, e.Line.Status) {
			return nil
		}
		return w.line(*e.Line)
	})
	if err != nil && ctx.Err() == nil {
		return failed(err)
	}
	return nil
}

// logWriter prints log lines as a table (requests with their lines
// indented) or as JSON.
type logWriter struct {
	w      io.Writer
	format format
	n      int
}

func newLogWriter(w io.Writer, f format) *logWriter { return &logWriter{w: w, format: f} }

func (w *logWriter) trail(t *logs.Trail) error {
	if w.format == formatJSON {
		return writeJSON(w.w, t)
	}
	for _, req := range t.Requests {
		if w.format == formatTable {
			w.n += 1 + len(req.Lines)
			if _, err := fmt.Fprintln(w.w, strings.Join(logs.RequestRows(req), "\n")); err != nil {
				return err
			}
			continue
		}
		if err := w.line(req.Access); err != nil {
			return err
		}
		for _, l := range req.Lines {
			if err := w.line(l); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *logWriter) lines(ls []logs.Line) error {
	if w.format == formatJSON {
		if ls == nil {
			ls = []logs.Line{}
		}
		return writeJSON(w.w, ls)
	}
	for _, l := range ls {
		if err := w.line(l); err != nil {
			return err
		}
	}
	return nil
}

// line prints one line: jsonl, or a table row (logs.Row: an access line as
// its request's head, other lines indented under it with their kind).
func (w *logWriter) line(l logs.Line) error {
	w.n++
	if w.format != formatTable {
		return writeJSON(w.w, l)
	}
	_, err := fmt.Fprintln(w.w, logs.Row(l))
	return err
}
