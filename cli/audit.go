package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"wsops/ops/auditlog"
)

func newAuditCmd(g *globals) *cobra.Command {
	var n int
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the last entries of the audit log (every mutation wsops made)",
		Long: `Show the audit log: one line per mutation (send, logout, prune, repair) with the
time, profile, caller, action, targets, result counts, duration and the payload's
size and SHA-256 (never the payload). It lives in $XDG_STATE_HOME/wsops/audit.jsonl.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			out, err := g.format()
			if err != nil {
				return err
			}
			path, err := auditlog.DefaultPath()
			if err != nil {
				return failed(err)
			}
			entries, skipped, err := auditlog.New(path).Tail(n)
			if err != nil {
				return failed(err)
			}
			if skipped > 0 {
				fmt.Fprintf(g.streams.Err, "wsops: warning: %d lines of %s are not audit entries\n", skipped, path)
			}
			w := g.newRowWriter(g.streams.Out, out, auditColumns)
			for _, e := range entries {
				cells := []string{e.Time.Local().Format("2006-01-02 15:04:05"), e.Profile, e.Caller, e.Action,
					fmt.Sprint(e.Targets), e.ResultText(), fmt.Sprintf("%dms", e.DurationMS), e.Filter, e.Error}
				if err := w.write(e, cells...); err != nil {
					return failed(err)
				}
			}
			return w.close()
		},
	}
	cmd.Flags().IntVarP(&n, "n", "n", 20, "how many entries (0: all)")
	return cmd
}

var auditColumns = []column{
	{"TIME", 19}, {"PROFILE", 14}, {"CALLER", 24}, {"ACTION", 7}, {"TARGETS", 7}, {"RESULT", 36}, {"TOOK", 8}, {"FILTER", 24}, {"ERROR", 0},
}
