package repair

import (
	"context"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/human"
	"wsops/ops"
	"wsops/ops/repairplan"
	"wsops/ui/action"
	"wsops/ui/view"
)

// Def registers the view: :repair [RULE…] plans with the profile's rules,
// or the rules named (separated by spaces or commas).
var Def = view.Def{Name: "repair", Usage: ":repair [RULE]", New: newScreen}

// screen is the repair view in the console: the plan it reads through ops,
// and its apply, run as an action.
type screen struct {
	Model
	c     *view.Common
	rules []string // the rules :repair named (none: every rule)
	seq   int64    // the plan being read: older plans are dropped
	top   bool
}

func newScreen(c *view.Common) view.View { return &screen{Model: New(c.Styles), c: c} }

// planMsg carries a plan read for the view.
type planMsg struct {
	seq  int64
	plan repairplan.Plan
	err  error
}

// Init does nothing: the view plans when opened.
func (s *screen) Init() tea.Cmd { return nil }

// Open plans with the rules named in arg (none: all of the profile's).
func (s *screen) Open(arg string) tea.Cmd {
	s.rules, s.top = strings.FieldsFunc(arg, func(r rune) bool { return r == ' ' || r == ',' }), true
	return s.plan()
}

// Title names the view.
func (s *screen) Title() string { return Def.Name }

// plan reads a fresh plan.
func (s *screen) plan() tea.Cmd {
	s.Planning()
	s.seq = view.Seq()
	o, ctx, seq := s.c.Ops, s.c.Ctx, s.seq
	req := repairplan.Request{Rules: s.c.Profile.Repair, Only: s.rules}
	return func() tea.Msg {
		plan, err := o.RepairPlan(ctx, req)
		return planMsg{seq: seq, plan: plan, err: err}
	}
}

// Update handles the plan's keys, plans read, and applies; after a
// repair ends it plans again, to show what is left.
func (s *screen) Update(msg tea.Msg) (view.View, tea.Cmd) {
	switch msg := msg.(type) {
	case planMsg:
		if msg.seq == s.seq {
			s.SetPlan(msg.plan, s.c.Ops.Schema(), msg.err)
		}
		return s, nil
	case ReplanMsg:
		return s, s.plan()
	case ApplyMsg:
		return s, apply(msg)
	case action.DoneMsg:
		if s.top && strings.HasPrefix(msg.Action, "repair") {
			return s, s.plan()
		}
		return s, nil
	case view.TopMsg:
		s.top = msg.Name == Def.Name
		return s, nil
	}
	var cmd tea.Cmd
	s.Model, cmd = s.Model.Update(msg)
	return s, cmd
}

// apply runs the selected changes as a repair.
func apply(msg ApplyMsg) tea.Cmd {
	a := ops.RepairApply{Plan: msg.Plan, Selected: msg.Selected}
	title := fmt.Sprintf("repair: %d %s", len(msg.Selected), human.Plural(len(msg.Selected), "change", "changes"))
	return view.Cmd(action.StartMsg{Title: title, Do: func(ctx context.Context, o *ops.Ops, p func(ops.Progress)) (ops.Report, error) {
		res, err := o.Repair(ctx, a, p)
		return res.Report(), err
	}})
}
