package action

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/ui/progress"
)

// progressMsg is a running action's totals so far.
type progressMsg struct {
	run    int64
	counts progress.Counts
	events <-chan tea.Msg
}

// doneMsg ends an action; summary.Err is set when it failed or was refused.
type doneMsg struct {
	run     int64
	title   string
	summary progress.Summary
}

// wait waits for a run's next progress event (nil once it ended).
func wait(events <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-events
		if !ok {
			return nil
		}
		return msg
	}
}

// indent moves every line of v right by overlayIndent, under an empty line.
func indent(v string) string {
	lines := strings.Split("\n"+v, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = strings.Repeat(" ", overlayIndent) + l
		}
	}
	return strings.Join(lines, "\n")
}
