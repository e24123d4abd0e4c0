package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"wsops/client"
	"wsops/ops"
)

type sendFlags struct {
	actionFlags
	targets   targetFlags
	data      string
	rate      float64
	pruneGone bool
	resume    string
}

func newSendCmd(g *globals) *cobra.Command {
	var f sendFlags
	cmd := &cobra.Command{
		Use:   "send",
		Short: "Send a message to connections: one, a user's, a topic's, a group, or all",
		Long: `Send one message through the management API (PostToConnection) to every target,
concurrently under the profile's management_rps (--rate overrides), retrying
throttled calls. Before a bulk send the blast radius (targets by app × entity
type) is shown and confirmed; --dry-run shows it and makes no call. Every run
keeps a journal of its targets' outcomes; --resume JOURNAL finishes an
interrupted run without sending to any target twice. --prune-gone deletes the
registry records of the targets that were gone.`,
		Example: `  wsops send --user u-123 --data '{"type":"ping"}' --yes
  wsops send --app order-receiver --entity customer --data @notice.json --dry-run
  wsops send --resume ~/.local/state/wsops/journals/send-20261122T101500.000Z.jsonl --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSend(cmd, g, f) },
	}
	f.actionFlags.register(cmd)
	f.targets.register(cmd, true)
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", "", "the message: JSON, @FILE, or - for stdin")
	fl.Float64Var(&f.rate, "rate", 0, "management calls per second (default: the profile's management_rps; inf: no limit, 429s are retried)")
	fl.BoolVar(&f.pruneGone, "prune-gone", false, "afterwards, delete the registry records of targets that were gone")
	fl.StringVar(&f.resume, "resume", "", "finish the run this journal records")
	return cmd
}

func runSend(cmd *cobra.Command, g *globals, f sendFlags) error {
	out, err := g.format()
	if err != nil {
		return err
	}
	if f.resume != "" && (f.data != "" || !f.targets.empty()) {
		return usageError(errors.New("--resume takes the payload and targets from the journal: drop --data and the target flags"))
	}
	var payload []byte
	if f.resume == "" {
		if payload, err = readPayload(f.data, g.streams.In); err != nil {
			return usageError(err)
		}
	}
	targets, err := f.targets.targets()
	if err != nil && f.resume == "" {
		return usageError(err)
	}
	if f.dryRun {
		return printPlan(cmd.Context(), g, out, func(o *ops.Ops) (ops.Plan, error) {
			_, plan, err := o.Plan(cmd.Context(), "send", targets, len(payload))
			return plan, err
		})
	}
	a, err := g.prepareAction(cmd, f.actionFlags)
	if err != nil {
		return err
	}
	o := a.ops()
	var res ops.SendResult
	if f.resume != "" {
		res, err = o.Resume(cmd.Context(), f.resume, progressTo(g))
	} else {
		journal, jerr := ops.DefaultJournalPath("send", time.Now())
		if jerr != nil {
			return failed(jerr)
		}
		res, err = o.Send(cmd.Context(), ops.SendRequest{Targets: targets, Payload: payload, RPS: f.rate,
			PruneGone: f.pruneGone, Journal: journal}, progressTo(g))
	}
	if ops.Refused(err) {
		return refused(err) // nothing was done: no result to print
	}
	if perr := printSendResult(g, out, res); perr != nil && err == nil {
		err = perr
	}
	if err == nil && (res.Summary.Failed > 0 || res.Summary.Throttled > 0) {
		err = fmt.Errorf("%d targets failed and %d stayed throttled (journal %s)", res.Summary.Failed, res.Summary.Throttled, res.Journal)
	}
	return actionError(err, "send", res.Journal)
}

// readPayload reads --data: JSON text, @FILE, or - for stdin; it must be JSON.
func readPayload(data string, stdin io.Reader) ([]byte, error) {
	var b []byte
	var err error
	switch {
	case data == "":
		return nil, errors.New("--data is required: JSON, @FILE or -")
	case data == "-":
		b, err = io.ReadAll(io.LimitReader(stdin, client.MaxPayload+1))
	case strings.HasPrefix(data, "@"):
		b, err = os.ReadFile(data[1:])
	default:
		b = []byte(data)
	}
	if err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	}
	if len(b) > client.MaxPayload {
		return nil, fmt.Errorf("--data: %d bytes is over the management API's %d-byte limit", len(b), client.MaxPayload)
	}
	if !json.Valid(b) {
		return nil, errors.New("--data is not valid JSON")
	}
	return b, nil
}

// progressTo reports progress on stderr when it is a terminal.
func progressTo(g *globals) func(client.Progress) {
	f, ok := g.streams.Err.(*os.File)
	if !ok || !isTerminal(f) {
		return nil
	}
	last := time.Time{}
	return func(p client.Progress) {
		if now := time.Now(); now.Sub(last) > 200*time.Millisecond {
			last = now
			fmt.Fprintf(f, "\r%d done: %d delivered, %d gone, %d throttled, %d failed ", p.Done, p.Delivered, p.Gone, p.Throttled, p.Failed)
		}
	}
}

// stepsLine reports an action's progress ("logout: 12 / 40") on stderr
// when it is a terminal.
type stepsLine struct {
	f      *os.File // nil: not a terminal, nothing is shown
	action string
	last   time.Time
	open   bool // a progress line is on the screen, not ended yet
}

func stepsTo(g *globals, action string) *stepsLine {
	f, ok := g.streams.Err.(*os.File)
	if !ok || !isTerminal(f) {
		return &stepsLine{}
	}
	return &stepsLine{f: f, action: action}
}

// step is the action's progress callback (nil when nothing is shown).
func (s *stepsLine) step() func(done, total int) {
	if s.f == nil {
		return nil
	}
	return func(done, total int) {
		if now := time.Now(); now.Sub(s.last) > 200*time.Millisecond || done == total {
			s.last, s.open = now, true
			fmt.Fprintf(s.f, "\r%s: %d / %d ", s.action, done, total)
		}
	}
}

// end ends the progress line, so that what is printed next starts a line.
func (s *stepsLine) end() {
	if s.open {
		fmt.Fprintln(s.f)
		s.open = false
	}
}

func printSendResult(g *globals, out format, r ops.SendResult) error {
	if out != formatTable {
		return writeJSON(g.streams.Out, r.Summary)
	}
	w := g.streams.Out
	s := r.Summary
	fmt.Fprintf(w, "targets %d: delivered %d, gone %d, throttled %d, failed %d, not attempted %d (%d ms)\n",
		s.Targets, s.Delivered, s.Gone, s.Throttled, s.Failed, r.NotAttempted, s.DurationMS)
	listIDs(w, "gone", r.Gone)
	listIDs(w, "failed", r.Failed)
	if r.Pruned != nil {
		fmt.Fprintf(w, "pruned the records of the gone: %d connections, %d subscriptions\n", r.Pruned.Connections, r.Pruned.Subscriptions)
	}
	_, err := fmt.Fprintf(w, "journal %s\n", r.Journal)
	return err
}

// listIDs prints up to 20 ids of a kind.
func listIDs(w io.Writer, kind string, ids []string) {
	if len(ids) == 0 {
		return
	}
	shown := ids[:min(20, len(ids))]
	more := ""
	if len(ids) > len(shown) {
		more = fmt.Sprintf(" … and %d more", len(ids)-len(shown))
	}
	fmt.Fprintf(w, "%s: %s%s\n", kind, strings.Join(shown, " "), more)
}

// actionError maps an action's error to an exit code: 3 for a refusal, 1 for
// a failure (with how to resume from the journal, when there is one: wsops
// <command> --resume <journal>).
func actionError(err error, command, journal string) error {
	switch {
	case err == nil:
		return nil
	case ops.Refused(err):
		return refused(err)
	case errors.Is(err, context.Canceled) && journal != "":
		return failed(fmt.Errorf("interrupted: finish with wsops %s --resume %s", command, journal))
	}
	return failed(err)
}
