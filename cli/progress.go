package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"wsops/ops"
)

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\x1b[K"

// progressLine shows a running action's account on one line of a
// terminal's stderr, redrawn in place at most five times a second, and
// erased before anything else is printed (the confirmation prompt, the
// summary), so no stale count is left on the screen.
type progressLine struct {
	w      io.Writer // nil: stderr is not a terminal, nothing is shown
	action string
	last   time.Time
	open   bool // a progress line is on the screen, not erased yet
}

// progressTo is the progress line of an action on g's stderr; the
// confirmation prompt erases it first.
func progressTo(g *globals, action string) *progressLine {
	s := &progressLine{}
	if g.terminal(g.streams.Err) {
		s.w, s.action = g.streams.Err, action
	}
	g.progress = s
	return s
}

// update is the action's progress callback (nil when nothing is shown).
func (s *progressLine) update() func(ops.Progress) {
	if s.w == nil {
		return nil
	}
	return func(p ops.Progress) {
		if now := time.Now(); now.Sub(s.last) > 200*time.Millisecond || p.Done == p.Total {
			s.last, s.open = now, true
			var counts []string
			for _, c := range p.Counts {
				if c.N > 0 {
					counts = append(counts, fmt.Sprintf("%s %d", c.Label, c.N))
				}
			}
			fmt.Fprintf(s.w, "%s%s: %d / %d (%s)", clearLine, s.action, p.Done, p.Total, strings.Join(counts, ", "))
		}
	}
}

// end erases the progress line, if one is shown: the summary that follows
// says the same, and starts on a clean line.
func (s *progressLine) end() {
	if s != nil && s.open {
		fmt.Fprint(s.w, clearLine)
		s.open = false
	}
}
