package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

func newUICmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "ui",
		Short: "Open the console (the default command)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runUI(cmd, g) },
	}
}

// runUI will open the TUI. Until it exists it says so plainly and points at
// the headless commands that do work.
func runUI(cmd *cobra.Command, g *globals) error {
	if _, err := g.loadProfile(); err != nil {
		return err
	}
	return failed(errors.New("the console (TUI) is not built yet; the headless commands work now: " +
		"wsops conns, wsops subs, wsops config (see wsops --help)"))
}
