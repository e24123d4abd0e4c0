// Package view is the contract between the console's root and its views:
// the View interface every screen implements, the Common session context
// each is built with, the registry entry (Def) that makes a view reachable
// by a `:` command, and the few messages the root and the views exchange.
//
// A view owns its data: it loads it with commands of its own that call ops
// (the read path and the actions) and keeps it. The root routes keys to the
// view on top, every other message to every view (each ignores what is not
// its own), and draws the frame around the one on top.
package view

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/config"
	"wsops/fleet"
	"wsops/ops"
	"wsops/ui/styles"
)

// View is one screen of the console.
type View interface {
	// Init is the view's first work in a session (most have none).
	Init() tea.Cmd
	// Open brings the view on top with a command's argument (":repair
	// RULE", ":client user=U", a connection id for the details); it returns
	// what the view loads.
	Open(arg string) tea.Cmd
	// Update handles a message: keys when on top, anything else always.
	Update(msg tea.Msg) (View, tea.Cmd)
	// View renders the body, in the size last set.
	View() string
	// SetSize is the body's size: the screen less the frame.
	SetSize(width, height int)
	// KeyMap lists the view's keys, for the help line and overlay.
	KeyMap() []key.Binding
	// Title names the view in the breadcrumb ("conns", "detail <id>").
	Title() string
}

// Capturer is a View that takes keys the root would otherwise handle (an
// open editor takes "q" and "/"): Captures reports whether k is its own.
type Capturer interface {
	Captures(k tea.KeyMsg) bool
}

// Def registers a view: the root opens it for `:Name` (or an alias) and
// hands it `:Name` commands listed in Commands without opening it.
type Def struct {
	Name     string
	Aliases  []string
	Commands []string
	// Usage is the opening command's form for the help line (":repair
	// [RULE]"; "": opened only by other views); CommandUsage the form of
	// its Commands (":send [all] :logout").
	Usage, CommandUsage string
	// New builds the view for a session.
	New func(c *Common) View
}

// Common is what every view of a session shares.
type Common struct {
	// Ctx is the session's: it ends when the console leaves the session,
	// stopping every load and stream started with it.
	Ctx     context.Context
	Ops     *ops.Ops
	Profile *config.Profile
	Styles  styles.Styles
	Now     func() time.Time
	// ProbeRPS bounds the background GetConnection probe (0: the
	// profile's rate).
	ProbeRPS float64
}

// seq numbers loads across every view of every session: a late answer
// never matches a newer load, even in a view built after a profile switch.
var seq atomic.Int64

// Seq returns a number no load has had.
func Seq() int64 { return seq.Add(1) }

// OpenMsg asks the root to open the view Name with Arg on top.
type OpenMsg struct{ Name, Arg string }

// CommandMsg is a `:` command a view registered (Def.Commands).
type CommandMsg struct{ Name, Arg string }

// StatusMsg shows a line in the status bar (Err: as an error).
type StatusMsg struct {
	Text string
	Err  bool
}

// FilterMsg is the console's filter: sent to every view as it is typed
// (Live) and when it is submitted or restored.
type FilterMsg struct {
	Query fleet.Query
	Live  bool
}

// ApplyFilterMsg asks the root to set the filter to Text and show Show.
type ApplyFilterMsg struct{ Text, Show string }

// TopMsg tells every view which one is on top, after each change.
type TopMsg struct{ Name string }

// Cmd returns a command that yields msg.
func Cmd(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// Status is a command that shows text in the status bar.
func Status(text string, isErr bool) tea.Cmd { return Cmd(StatusMsg{Text: text, Err: isErr}) }

// RefreshMsg is the refresh tick: every view reads its data again.
type RefreshMsg struct{}

// Coalescer runs at most one job at a time: asked while one runs, it runs
// one more when that one ends, with what is current then. Views filter and
// sort 100,000 rows with it, off the UI goroutine, without queueing.
type Coalescer struct {
	seq         int64
	busy, dirty bool
}

// Ask returns a command that runs job, or nil while a job runs (which then
// reports that it must run again).
func (c *Coalescer) Ask(job func(seq int64) tea.Msg) tea.Cmd {
	if c.busy {
		c.dirty = true
		return nil
	}
	c.busy, c.dirty, c.seq = true, false, Seq()
	s := c.seq
	return func() tea.Msg { return job(s) }
}

// Busy reports whether a job runs.
func (c *Coalescer) Busy() bool { return c.busy }

// Done takes the answer of job seq: current is false for an older job's
// (drop it); again is true when a job was asked for meanwhile.
func (c *Coalescer) Done(seq int64) (current, again bool) {
	if seq != c.seq {
		return false, false
	}
	c.busy = false
	return true, c.dirty
}

// Noter is a View with a note after the breadcrumb ("9 rows").
type Noter interface{ Note() string }

// Closer is a View that holds something past its session's context (open
// test clients): the root closes it when the session ends.
type Closer interface{ Close() }
