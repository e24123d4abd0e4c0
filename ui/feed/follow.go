package feed

import (
	tea "github.com/charmbracelet/bubbletea"

	"wsops/fleet"
	"wsops/ui/view"
)

// Follower is what a view that lists the fleet keeps of it: the feed's
// newest snapshot, the console's filter, and whether the view is on top.
// The view's query (filter, sort, sum up) runs off the UI goroutine, one at
// a time, and only while the view is on top; a change while it is covered
// is queried once it is uncovered.
type Follower struct {
	name    string
	snap    fleet.Snapshot
	query   fleet.Query
	top     bool
	stale   bool // the snapshot or the filter changed while covered
	queries view.Coalescer
}

// NewFollower returns the follower of the view registered as name; top
// says whether it starts on top.
func NewFollower(name string, top bool) Follower { return Follower{name: name, top: top} }

// Snapshot is the feed's newest snapshot.
func (f *Follower) Snapshot() fleet.Snapshot { return f.snap }

// Query is the console's filter.
func (f *Follower) Query() fleet.Query { return f.query }

// Follow takes a ChangedMsg, a view.FilterMsg or a view.TopMsg; it reports
// whether the view must query now (Ask runs nothing while it is covered).
func (f *Follower) Follow(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case ChangedMsg:
		f.snap = msg.Snap
		return true
	case view.FilterMsg:
		f.query = msg.Query
		return true
	case view.TopMsg:
		f.top = msg.Name == f.name
		return f.top && f.stale
	}
	return false
}

// Ask runs job while the view is on top; covered, it remembers to.
func (f *Follower) Ask(job func(seq int64) tea.Msg) tea.Cmd {
	if !f.top {
		f.stale = true
		return nil
	}
	f.stale = false
	return f.queries.Ask(job)
}

// Done takes the answer of job seq (see view.Coalescer.Done).
func (f *Follower) Done(seq int64) (current, again bool) { return f.queries.Done(seq) }

// Busy reports whether a query runs.
func (f *Follower) Busy() bool { return f.queries.Busy() }
