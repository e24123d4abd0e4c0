package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"wsops/internal/files"
	"wsops/mgmt"
	"wsops/ops"
	"wsops/sanitize"
)

type sendFlags struct {
	actionFlags
	targets       targetFlags
	data          string
	rate          float64
	pruneGone     bool
	resume        string
	resendUnknown bool
	force         bool
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
keeps a journal: each target's intent is on disk before its post, its outcome
after. --resume JOURNAL finishes an interrupted run without sending to any
target twice: targets whose fate is unknown (a timeout, a 5xx, a crash between
a post and its outcome) are left alone unless --resend-unknown. Consecutive
failures of the management API stop the run early. --prune-gone then deletes
the registry records of the targets that were gone (a prune, with its own
journal).`,
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
	fl.BoolVar(&f.resendUnknown, "resend-unknown", false, "with --resume: post again to targets whose fate is unknown (they may get the message twice)")
	fl.BoolVar(&f.force, "force", false, "with --prune-gone: delete even when every target answered gone (which looks like a wrong management_url)")
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
	if f.resendUnknown && f.resume == "" {
		return usageError(errors.New("--resend-unknown goes with --resume"))
	}
	if f.resume != "" && f.rate != 0 {
		return usageError(errors.New("--resume sends at the rate its journal records; --rate does not apply"))
	}
	if f.force && !f.pruneGone {
		return usageError(errors.New("--force goes with --prune-gone"))
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
	line := progressTo(g, "send")
	var res ops.SendResult
	if f.resume != "" {
		res, err = a.ops.Resume(cmd.Context(), f.resume, f.resendUnknown, line.update())
	} else {
		res, err = a.ops.Send(cmd.Context(), ops.SendRequest{Targets: targets, Payload: payload, RPS: f.rate}, line.update())
	}
	line.end()
	if ops.Refused(err) {
		return refused(err) // nothing was done: no result to print
	}
	out2 := sendOutput{SendResult: res}
	if f.pruneGone && err == nil && len(res.GoneIDs) > 0 {
		pruned, perr := a.ops.DeleteRecords(cmd.Context(), ops.GoneRecords{IDs: res.GoneIDs, Live: res.Delivered, Force: f.force}, nil)
		out2.Pruned, err = &pruned, perr
	}
	if perr := printSendResult(g, out, out2); perr != nil && err == nil {
		err = perr
	}
	switch {
	case err == nil && res.Failed+res.Throttled > 0:
		err = fmt.Errorf("%d targets failed and %d stayed throttled (finish with wsops send --resume %s)", res.Failed, res.Throttled, res.Journal)
	case err == nil && res.Unknown > 0:
		err = fmt.Errorf("%d targets may or may not have the message (a timeout, a 5xx or a crash hid it); "+
			"post to them again with wsops send --resume %s --resend-unknown", res.Unknown, res.Journal)
	}
	return actionError(err, "send", res.Journal)
}

// sendOutput is the send's output: its result, and what --prune-gone deleted.
type sendOutput struct {
	ops.SendResult
	Pruned *ops.PruneResult `json:"pruned,omitempty"`
}

func readPayload(data string, stdin io.Reader) ([]byte, error) {
	var b []byte
	var err error
	switch {
	case data == "":
		return nil, errors.New("--data is required: JSON, @FILE or -")
	case data == "-":
		b, err = io.ReadAll(io.LimitReader(stdin, mgmt.MaxPayload+1))
	case strings.HasPrefix(data, "@"):
		b, err = files.Read(data[1:], mgmt.MaxPayload) // not a FIFO or a device: they would block or never end
	default:
		b = []byte(data)
	}
	if err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	}
	if len(b) > mgmt.MaxPayload {
		return nil, fmt.Errorf("--data: %d bytes is over the management API's %d-byte limit", len(b), mgmt.MaxPayload)
	}
	if !json.Valid(b) {
		return nil, errors.New("--data is not valid JSON")
	}
	return b, nil
}

func printSendResult(g *globals, out format, r sendOutput) error {
	if out != formatTable {
		return writeJSON(g.streams.Out, r)
	}
	w := g.streams.Out
	fmt.Fprintf(w, "targets %d: delivered %d, gone %d, throttled %d, failed %d, unknown %d, not attempted %d (%d ms)\n",
		r.Targets, r.Delivered, r.Gone, r.Throttled, r.Failed, r.Unknown, r.NotAttempted, r.DurationMS)
	listIDs(w, "gone", r.GoneIDs)
	listIDs(w, "failed", r.FailedIDs)
	listIDs(w, "unknown", r.UnknownIDs)
	_, err := fmt.Fprintf(w, "journal %s\n", r.Journal)
	if p := r.Pruned; p != nil {
		fmt.Fprintf(w, "pruned the records of the gone: %d connections, %d records (journal %s)\n", p.Deleted, p.Records, p.Journal)
	}
	return err
}

// listIDs prints up to 20 ids of a kind.
func listIDs(w io.Writer, kind string, ids []string) {
	if len(ids) == 0 {
		return
	}
	shown := make([]string, min(20, len(ids)))
	for i := range shown {
		shown[i] = sanitize.Text(ids[i]) // registry ids can hold escape sequences
	}
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
