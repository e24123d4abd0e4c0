package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/data"
	"wsops/internal/human"
	"wsops/ops"
	"wsops/ops/repairplan"
	"wsops/ui/detail"
	"wsops/ui/progress"
	"wsops/ui/repair"
)

// repairPlanMsg carries a plan read for the repair view.
type repairPlanMsg struct {
	gen    int
	plan   repairplan.Plan
	schema data.Schema
	Err    error
}

// openRepair shows the repair view and plans with the profile's rules (or
// the rules named in arg, separated by spaces or commas).
func (m Model) openRepair(arg string) (tea.Model, tea.Cmd) {
	if m.sess.Ops == nil {
		m.setStatus("repair is not available in this session", true)
		return m, nil
	}
	m.repairRules = splitRules(arg)
	m.push(viewRepair)
	return m, m.planRepair()
}

// planRepair reads a fresh plan for the repair view.
func (m *Model) planRepair() tea.Cmd {
	m.repair.Planning()
	o, gen, ctx := m.sess.Ops, m.sessGen, m.sessCtx
	req := repairplan.Request{Rules: m.sess.Profile.Repair, Only: m.repairRules}
	return func() tea.Msg {
		plan, err := o.RepairPlan(ctx, req)
		return repairPlanMsg{gen: gen, plan: plan, schema: o.Schema(), Err: err}
	}
}

// handleRepair handles the repair view's messages.
func (m Model) handleRepair(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case repairPlanMsg:
		if msg.gen == m.sessGen {
			m.repair.SetPlan(msg.plan, msg.schema, msg.Err)
		}
		return m, nil
	case repair.ReplanMsg:
		return m, m.planRepair()
	case repair.ApplyMsg:
		if !m.ready(nil) {
			return m, nil
		}
		ctx, run, events := m.begin(fmt.Sprintf("repair: %d %s", len(msg.Selected), human.Plural(len(msg.Selected), "change", "changes")))
		apply := ops.RepairApply{Plan: msg.Plan, Selected: msg.Selected}
		return m, tea.Batch(repairCmd(ctx, m.sess.Ops, run, apply, events), waitAction(events))
	}
	return m, nil
}

func repairCmd(ctx context.Context, o *ops.Ops, run int, a ops.RepairApply, events chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		defer close(events)
		res, err := o.Repair(ctx, a, actionProgress(run, events))
		return actionDoneMsg{run: run, title: "repair", summary: repairSummary(o, "applied", res, err)}
	}
}

// undoCmd undoes what the repair or prune journaled at journal did.
func undoCmd(ctx context.Context, o *ops.Ops, run int, action, journal string, events chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		defer close(events)
		if action == "prune" {
			res, err := o.UndoPrune(ctx, journal, "", actionProgress(run, events))
			return actionDoneMsg{run: run, title: "prune", summary: pruneSummary(res, "restored", err)}
		}
		res, err := o.UndoRepair(ctx, journal, "", 0, actionProgress(run, events))
		return actionDoneMsg{run: run, title: "repair", summary: repairSummary(o, "restored", res, err)}
	}
}

// repairSummary is how a repair, its resume or its undo ended; applied
// names what the changes written did ("applied", "restored").
func repairSummary(o *ops.Ops, applied string, res ops.RepairResult, err error) progress.Summary {
	var failed []string
	for _, c := range res.Conflicted {
		failed = append(failed, "conflict "+repairplan.KeyText(o.Schema(), c.Change.Subscriptions, c.Change.Key)+" "+c.Change.Attribute)
	}
	for _, f := range res.Failures {
		failed = append(failed, "failed "+repairplan.KeyText(o.Schema(), f.Change.Subscriptions, f.Change.Key)+": "+f.Err.Error())
	}
	return progress.Summary{
		Items: []progress.Count{
			{Label: applied, N: res.Applied}, {Label: "already so (not ours)", N: res.Already},
			{Label: "conflicts (left as they are)", N: res.Conflicts},
			{Label: "failed", N: res.Failed}, {Label: "not attempted", N: res.NotAttempted},
		},
		Failed: failed, Journal: res.Journal, Action: "repair", Err: err,
		Resumable: res.Journal != "" && !res.Complete,
		Undoable:  res.Journal != "" && res.Applied+res.Failed > 0, // failed writes may have landed: undo covers them
	}
}

// splitRules reads rule names separated by spaces or commas.
func splitRules(arg string) []string {
	return strings.FieldsFunc(arg, func(r rune) bool { return r == ' ' || r == ',' })
}

// toggleDoneMsg ends a subscription's active-flag toggle.
type toggleDoneMsg struct {
	gen int
	id  string // the connection whose details to read again
	key string
	Err error
}

// toggleActive flips a subscription's active flag through ops (which asks
// the console's confirmer), then reads the details again.
func (m Model) toggleActive(msg detail.ToggleActiveMsg) (tea.Model, tea.Cmd) {
	if !m.ready(nil) {
		return m, nil
	}
	o, ctx, gen, sub, app := m.sess.Ops, m.sessCtx, m.sessGen, msg.Sub, msg.App
	m.setStatus("toggling isActive of "+sub.Key+"…", false)
	return m, func() tea.Msg {
		return toggleDoneMsg{gen: gen, id: sub.ConnectionID, key: sub.Key, Err: o.ToggleActive(ctx, sub, app)}
	}
}

func (m Model) toggleDone(msg toggleDoneMsg) (tea.Model, tea.Cmd) {
	if msg.gen != m.sessGen {
		return m, nil
	}
	switch {
	case errors.Is(msg.Err, data.ErrConflict):
		m.setStatus(msg.key+": changed by someone else since it was read; left as it is (reloaded)", true)
	case msg.Err != nil:
		m.setStatus(msg.Err.Error(), true)
	default:
		m.setStatus("toggled isActive of "+msg.key, false)
	}
	if m.top() != viewDetail || m.detail.ID() != msg.id {
		return m, nil
	}
	return m, loadDetailCmd(m.sessCtx, m.sess.Registry, m.sess.Mgmt, msg.id)
}
