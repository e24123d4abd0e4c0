// Package cli is wsops's command line: one file per subcommand, each thin —
// parse flags, call data/client (later ops), print.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"wsops/cloud"
	"wsops/internal/reach"
	"wsops/sanitize"
	"wsops/secret"
)

// Exit codes of design.md § CLI.
const (
	ExitOK      = 0
	ExitFailed  = 1 // the operation failed or partly failed
	ExitUsage   = 2 // usage or configuration error
	ExitRefused = 3 // read-only, not confirmed, production guard
)

// exitError carries an exit code up to Execute.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks err as a usage or configuration error (exit 2).
func usageError(err error) error { return &exitError{code: ExitUsage, err: err} }

// failed marks err as a failed operation (exit 1).
func failed(err error) error { return &exitError{code: ExitFailed, err: err} }

// Streams are where a command reads and writes.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// Execute runs wsops with args and returns the process exit code.
func Execute(ctx context.Context, args []string, s Streams) int {
	return execute(ctx, args, s, nil)
}

// execute is Execute with the globals adjusted by tune first (nil: none),
// as tests adjust what the streams are taken for.
func execute(ctx context.Context, args []string, s Streams, tune func(*globals)) int {
	root, g := newRoot(s)
	if tune != nil {
		tune(g)
	}
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	g.closeClients()
	if err == nil {
		return ExitOK
	}
	// Errors quote ids, flags and server text; a URI's password never shows.
	fmt.Fprintln(s.Err, "wsops:", sanitize.Text(secret.ScrubURIs(err.Error())))
	if h := reach.Hint(err); h != "" {
		fmt.Fprintln(s.Err, "wsops:", h)
	}
	var ee *exitError
	switch {
	case errors.Is(err, cloud.ErrRegistryConfig):
		return ExitUsage
	case errors.As(err, &ee):
		return ee.code
	}
	// Anything cobra itself rejects (unknown flag or command, bad value) is usage.
	return ExitUsage
}

// globals holds the global flags every command shares.
type globals struct {
	configPath string
	profile    string
	readOnly   bool
	output     string
	refresh    time.Duration
	streams    Streams
	// terminal reports whether a stream is a terminal (isTerminal; tests
	// stand in for one).
	terminal func(any) bool
	// progress is the action's progress line, erased before a prompt.
	progress *progressLine
	// opened are the clients (and registries) connect built, closed when
	// the command ends.
	opened []interface{ Close() }
}

// closeClients closes the idle connections of every client the command built.
func (g *globals) closeClients() {
	for _, c := range g.opened {
		c.Close()
	}
	g.opened = nil
}

// newRoot builds the command tree and the globals its commands share.
func newRoot(s Streams) (*cobra.Command, *globals) {
	g := &globals{streams: s, terminal: isTerminal}
	root := &cobra.Command{
		Use:     "wsops",
		Version: version(),
		Short:   "Operations console for API Gateway WebSocket fleets with a DynamoDB or MongoDB connection registry",
		Long: `wsops shows who is connected to an API Gateway WebSocket API whose connection
registry lives in DynamoDB or MongoDB, and acts on them. With no configuration it works
against the local sandbox profile.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runUI(cmd.Context(), g)
		},
	}
	root.Flags().DurationVar(&g.refresh, "refresh", time.Second, "minimum time between the console's refreshes")
	root.SetVersionTemplate("wsops {{.Version}}\n") // as wsops version prints it
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	f := root.PersistentFlags()
	f.StringVar(&g.configPath, "config", "", "config file (default $WSOPS_CONFIG, else $XDG_CONFIG_HOME/wsops/config.toml)")
	f.StringVar(&g.profile, "profile", os.Getenv("WSOPS_PROFILE"), "profile to use (default $WSOPS_PROFILE, else the config's default_profile)")
	f.BoolVar(&g.readOnly, "read-only", false, "refuse every mutation, whatever the profile says")
	f.StringVarP(&g.output, "output", "o", "table", "output format: table, json or jsonl")
	root.AddCommand(newUICmd(g), newVersionCmd(g), newConfigCmd(g), newConnsCmd(g), newSubsCmd(g), newSandboxCmd(g), newTokenCmd(g), newAuditCmd(g),
		newSendCmd(g), newLogoutCmd(g), newPruneCmd(g), newRepairCmd(g), newConnectCmd(g),
		newDiscoverCmd(g), newAPICmd(g), newMetricsCmd(g), newLogsCmd(g))
	registerCompletions(root, g)
	return root, g
}
