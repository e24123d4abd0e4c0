// Package logtail runs a logs.Follow for the console: in a command of its
// own, off the UI goroutine, handing what it emits to the view in batches
// (BatchMsg) through a channel the view waits on, one wait at a time
// (bubbletea's realtime pattern). A tail stops when its view stops it or
// its session's context ends, and leaves no goroutine behind.
//
// It also says in plain words why a profile's logs cannot be read
// (Explain), for the connection detail's trail and the :logs view alike.
package logtail

import (
	"context"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/logs"
	"wsops/ui/view"
)

// MaxBatch bounds the lines of one BatchMsg: a burst reaches the view in
// a few messages, not one per line, and never as one unbounded slice.
const MaxBatch = 1000

// buffer is how many events wait in the channel for the view: past it the
// follow itself waits (a poll reads again later; nothing is lost but time).
const buffer = 4096

// BatchMsg is what a tail emitted since the last one: lines in the order
// they came, the notices about the tail itself, and, when Ended, why it
// ended (Err nil: its context ended).
type BatchMsg struct {
	ID      int64
	Lines   []logs.Line
	Notices []string
	Ended   bool
	Err     error
}

// FollowFunc runs a follow until ctx ends, handing each event to emit (a
// logs.Reader's Follow with its options bound).
type FollowFunc func(ctx context.Context, emit func(logs.Event) error) error

// Tail is one running follow.
type Tail struct {
	id     int64
	ctx    context.Context
	cancel context.CancelFunc
	ch     chan item
}

type item struct {
	ev    logs.Event
	ended bool
	err   error
}

// Start returns a tail of follow under ctx and the command that runs it
// with the first wait for its batches; the view re-arms Next after each
// BatchMsg of the tail's ID (until Ended).
func Start(ctx context.Context, follow FollowFunc) (*Tail, tea.Cmd) {
	ctx, cancel := context.WithCancel(ctx)
	t := &Tail{id: view.Seq(), ctx: ctx, cancel: cancel, ch: make(chan item, buffer)}
	run := func() tea.Msg {
		err := follow(ctx, func(e logs.Event) error {
			select {
			case t.ch <- item{ev: e}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		if ctx.Err() != nil {
			return nil // stopped: nobody waits for its end
		}
		select {
		case t.ch <- item{ended: true, err: err}:
		case <-ctx.Done():
		}
		return nil
	}
	return t, tea.Batch(run, t.Next())
}

// ID tells this tail's batches from an older tail's.
func (t *Tail) ID() int64 { return t.id }

// Stop ends the tail: its follow returns, its wait yields nothing.
func (t *Tail) Stop() { t.cancel() }

// Next waits for the tail's next batch: every event waiting, up to
// MaxBatch lines.
func (t *Tail) Next() tea.Cmd {
	ctx, ch, id := t.ctx, t.ch, t.id
	return func() tea.Msg {
		var first item
		select {
		case first = <-ch:
		case <-ctx.Done():
			return nil
		}
		b := BatchMsg{ID: id}
		if b.add(first) {
			return b
		}
		for len(b.Lines) < MaxBatch {
			select {
			case it := <-ch:
				if b.add(it) {
					return b
				}
			default:
				return b
			}
		}
		return b
	}
}

// add takes one item; it reports whether the tail ended.
func (b *BatchMsg) add(it item) bool {
	switch {
	case it.ended:
		b.Ended, b.Err = true, it.err
		return true
	case it.ev.Line != nil:
		b.Lines = append(b.Lines, *it.ev.Line)
	case it.ev.Notice != "":
		b.Notices = append(b.Notices, it.ev.Notice)
	}
	return false
}

// Short is a follow's notice as a view's state line says it: the fall back
// to polling in a few words, any other notice (the service sampled the
// tail) whole.
func Short(notice string) string {
	if strings.Contains(notice, "polling FilterLogEvents") {
		return "polling (the endpoint has no StartLiveTail)"
	}
	return notice
}
