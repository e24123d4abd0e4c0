// Package repair is the console's repair view: the plan of `wsops repair`
// as a diff grouped by rule, with changes the operator can deselect before
// applying the rest.
package repair

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/human"
	"wsops/ops"
	"wsops/ops/repairplan"
	"wsops/sanitize"
	"wsops/ui/styles"
)

// ApplyMsg asks for the selected changes of the plan to be applied.
type ApplyMsg struct {
	Plan     repairplan.Plan
	Selected []int
}

// ReplanMsg asks for a fresh plan.
type ReplanMsg struct{}

// Model is the repair view.
type Model struct {
	st       styles.Styles
	keys     KeyMap
	schema   ops.Schema
	plan     repairplan.Plan
	order    []int // change indexes, grouped by rule in the plan's rule order
	selected []bool
	cursor   int // position in order
	offset   int // first line shown
	width    int
	height   int
	state    string // "" when a plan is shown: "planning…" or an error
}

// New returns an empty repair view.
func New(st styles.Styles) Model {
	return Model{st: st, keys: DefaultKeyMap(), width: 80, height: 20, state: "no plan yet"}
}

// Planning shows that a plan is being read.
func (m *Model) Planning() {
	m.plan, m.order, m.selected, m.cursor, m.offset = repairplan.Plan{}, nil, nil, 0, 0
	m.state = "planning: reading both tables…"
}

// SetPlan shows a plan (every change selected), or why there is none.
func (m *Model) SetPlan(p repairplan.Plan, s ops.Schema, err error) {
	m.Planning()
	if err != nil {
		m.state = "cannot plan: " + err.Error()
		return
	}
	m.plan, m.schema, m.state = p, s, ""
	for _, rule := range p.Rules {
		for i, c := range p.Changes {
			if c.Rule == rule {
				m.order = append(m.order, i)
			}
		}
	}
	m.selected = make([]bool, len(p.Changes))
	for i := range m.selected {
		m.selected[i] = true
	}
}

// Selected lists the indexes of the selected changes.
func (m Model) Selected() []int {
	var sel []int
	for i, on := range m.selected {
		if on {
			sel = append(sel, i)
		}
	}
	return sel
}

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) { m.width, m.height = max(20, w), max(3, h) }

// KeyMap lists the view's keys for the help line.
func (m Model) KeyMap() []key.Binding { return m.keys.ShortHelp() }

// Update moves the cursor, toggles changes and asks for an apply.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	if key.Matches(k, m.keys.Replan) {
		return m, func() tea.Msg { return ReplanMsg{} }
	}
	if len(m.order) == 0 {
		return m, nil
	}
	page := max(1, m.height-4)
	switch {
	case key.Matches(k, m.keys.Up):
		m.cursor = max(0, m.cursor-1)
	case key.Matches(k, m.keys.Down):
		m.cursor = min(len(m.order)-1, m.cursor+1)
	case key.Matches(k, m.keys.PageUp):
		m.cursor = max(0, m.cursor-page)
	case key.Matches(k, m.keys.PageDown):
		m.cursor = min(len(m.order)-1, m.cursor+page)
	case key.Matches(k, m.keys.Toggle):
		i := m.order[m.cursor]
		m.selected[i] = !m.selected[i]
		m.cursor = min(len(m.order)-1, m.cursor+1)
	case key.Matches(k, m.keys.All):
		all := len(m.Selected()) < len(m.selected)
		for i := range m.selected {
			m.selected[i] = all
		}
	case key.Matches(k, m.keys.Apply):
		sel := m.Selected()
		if len(sel) == 0 {
			return m, nil
		}
		plan := m.plan
		return m, func() tea.Msg { return ApplyMsg{Plan: plan, Selected: sel} }
	}
	return m, nil
}

// View renders the plan: a header, then per rule its count and its changes.
func (m Model) View() string {
	if m.state != "" {
		return m.st.Muted.Render(sanitize.Text(m.state))
	}
	head := fmt.Sprintf("Repair plan: %d %s, %d selected — %s", len(m.order), human.Plural(len(m.order), "change", "changes"),
		len(m.Selected()), ops.PlanRadius(m.plan))
	if n := len(m.plan.SkippedGone); n > 0 {
		head += fmt.Sprintf(" (%d left out: connection gone)", n)
	}
	if len(m.order) == 0 {
		return m.st.Title.Render("Repair plan") + "\n" + m.st.Muted.Render("nothing to repair (rules: "+
			sanitize.Text(strings.Join(m.plan.Rules, ", "))+"); r plans again")
	}
	lines, cursorLine := m.lines()
	body := max(1, m.height-1)
	offset := min(max(m.offset, cursorLine-body+1), cursorLine)
	offset = max(0, min(offset, len(lines)-body))
	end := min(len(lines), offset+body)
	return m.st.Title.Render(sanitize.Cell(head, m.width)) + "\n" + strings.Join(lines[offset:end], "\n")
}

// lines renders every rule header and change; it returns the cursor's line.
func (m Model) lines() ([]string, int) {
	var lines []string
	cursorLine := 0
	counts := m.plan.CountByRule()
	rule := ""
	for pos, i := range m.order {
		c := m.plan.Changes[i]
		if c.Rule != rule {
			rule = c.Rule
			lines = append(lines, m.st.Header.Render(sanitize.Cell(fmt.Sprintf("rule %s: %d", rule, counts[rule]), m.width)))
		}
		box := "[ ]"
		if m.selected[i] {
			box = "[x]"
		}
		text := box + " " + m.changeText(c)
		style := m.st.Row
		if !m.selected[i] {
			style = m.st.Muted
		}
		if pos == m.cursor {
			cursorLine = len(lines)
			style = style.Inherit(m.st.RowCursor)
		}
		for _, l := range human.Wrap(sanitize.Text(text), m.width, "    ") {
			lines = append(lines, style.Render(sanitize.Cell(l, m.width)))
		}
	}
	return lines, cursorLine
}

// changeText is one change: table, key, attribute, old → new, or a create.
func (m Model) changeText(c repairplan.Change) string {
	key := repairplan.KeyText(m.schema, c.Subscriptions, c.Key)
	switch c.Op {
	case repairplan.OpSet:
		return fmt.Sprintf("%-13s %s  %s: - %s + %s", c.Table(), key, c.Attribute, repairplan.ValueText(c.Old), repairplan.ValueText(c.New))
	}
	return fmt.Sprintf("%-13s %s  + %s record", c.Table(), key, c.Op)
}
