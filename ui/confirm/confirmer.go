package confirm

import (
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/ops"
)

// Request is one confirmation ops asks for: the plan, the profile's policy,
// and where the answer goes (nil: go ahead; a refusal otherwise). Answer is
// buffered, so answering never blocks.
type Request struct {
	Plan   ops.Plan
	Policy ops.Policy
	Answer chan<- error
}

// RequestMsg brings a Request to the console; the console re-arms WaitCmd
// after each one.
type RequestMsg struct {
	Request  Request
	ctx      context.Context
	requests <-chan Request
}

// Confirmer is the console's ops.Confirmer: Confirm, called from the
// goroutine running the action, hands the plan to the UI and waits for the
// operator's answer or for ctx to end.
type Confirmer struct{ requests chan Request }

var _ ops.Confirmer = (*Confirmer)(nil)

// NewConfirmer returns a Confirmer whose requests WaitCmd delivers.
func NewConfirmer() *Confirmer { return &Confirmer{requests: make(chan Request)} }

// Confirm implements ops.Confirmer.
func (c *Confirmer) Confirm(ctx context.Context, p ops.Plan, pol ops.Policy) error {
	answer := make(chan error, 1)
	select {
	case c.requests <- Request{Plan: p, Policy: pol, Answer: answer}:
	case <-ctx.Done():
		return fmt.Errorf("%s: %w (%v)", p.Action, ops.ErrNotConfirmed, context.Cause(ctx))
	}
	select {
	case err := <-answer:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%s: %w (%v)", p.Action, ops.ErrNotConfirmed, context.Cause(ctx))
	}
}

// Requests is the channel Confirm sends its requests on.
func (c *Confirmer) Requests() <-chan Request { return c.requests }

// WaitCmd waits for the next confirmation request, or for ctx (the
// console's) to end: then it returns nil, so that no goroutine outlives the
// console waiting for a request that cannot come.
func WaitCmd(ctx context.Context, requests <-chan Request) tea.Cmd {
	return func() tea.Msg {
		select {
		case r := <-requests:
			return RequestMsg{Request: r, ctx: ctx, requests: requests}
		case <-ctx.Done():
			return nil
		}
	}
}

// Next re-arms the wait after msg (nil for a message not from WaitCmd).
func (msg RequestMsg) Next() tea.Cmd {
	if msg.requests == nil {
		return nil
	}
	return WaitCmd(msg.ctx, msg.requests)
}
