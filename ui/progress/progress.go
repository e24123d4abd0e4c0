// Package progress is the console's view of a running operator action — a
// progress bar and live counts — and, once it ends, its result summary,
// from which the gone targets can be pruned, an interrupted send, logout or
// repair resumed, and a repair undone.
package progress

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	bar "github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/human"
	"wsops/ops"
	"wsops/sanitize"
	"wsops/ui/styles"
)

// maxIDs is how many gone, conflicting or failed ids the summary lists.
const maxIDs = 5

// Counts are a run's totals so far.
type Counts struct {
	Done, Total int
	Items       []ops.Count
}

// Summary is how a run ended: the runner's report, and its error.
type Summary struct {
	ops.Report
	Err error
}

// PruneGoneMsg asks for the records of the gone targets to be deleted; Live
// counts the targets the run reached (none: the answers may come from a
// wrong endpoint).
type PruneGoneMsg struct {
	IDs  []string
	Live int
}

// ResumeMsg asks for the run journaled at Journal to be resumed.
type ResumeMsg struct{ Journal string }

// UndoMsg asks for what the run journaled at Journal wrote to be undone.
type UndoMsg struct{ Journal string }

// CancelMsg asks for the running action to be cancelled (not the console).
type CancelMsg struct{}

// CloseMsg says the summary was dismissed.
type CloseMsg struct{}

// Model is the progress and result view.
type Model struct {
	st      styles.Styles
	keys    KeyMap
	bar     bar.Model
	open    bool
	title   string
	counts  Counts
	summary *Summary
	width   int
}

// New returns a closed view.
func New(st styles.Styles) Model {
	return Model{st: st, keys: DefaultKeyMap(), bar: bar.New(bar.WithoutPercentage(), bar.WithFillCharacters('#', '.'))}
}

// Start shows a run beginning: title says what runs, on what.
func (m *Model) Start(title string) {
	m.open, m.title, m.counts, m.summary = true, title, Counts{}, nil
}

// SetCounts updates the live counts; a zero Total keeps the known one.
func (m *Model) SetCounts(c Counts) {
	if c.Total == 0 {
		c.Total = m.counts.Total
	}
	m.counts = c
}

// SetTotal sets how many targets the run has (known once it is planned).
func (m *Model) SetTotal(n int) { m.counts.Total = n }

// Counts are the live counts shown.
func (m Model) Counts() Counts { return m.counts }

// Summary is the run's summary, once it finished.
func (m Model) Summary() (Summary, bool) {
	if m.summary == nil {
		return Summary{}, false
	}
	return *m.summary, true
}

// Finish shows the run's summary.
func (m *Model) Finish(s Summary) { m.summary = &s }

// IsOpen reports whether the view is shown.
func (m Model) IsOpen() bool { return m.open }

// Running reports whether the run has not finished yet.
func (m Model) Running() bool { return m.open && m.summary == nil }

// Close hides the view.
func (m *Model) Close() { m.open = false }

// SetSize sets the view's width: the bar's, and the one the summary's
// lines wrap at.
func (m *Model) SetSize(w, _ int) {
	m.width = w
	m.bar.Width = max(10, min(w-4, 100))
}

// KeyMap returns the keys that apply now, for help.
func (m Model) KeyMap() []key.Binding {
	if m.Running() {
		return []key.Binding{m.keys.Cancel}
	}
	return []key.Binding{m.keys.Prune, m.keys.Resume, m.keys.Undo, m.keys.Close}
}

// Update handles the summary's keys (the root cancels a running action).
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok || !m.open {
		return m, nil
	}
	if m.summary == nil {
		if key.Matches(k, m.keys.Cancel) {
			return m, func() tea.Msg { return CancelMsg{} }
		}
		return m, nil
	}
	s := *m.summary
	switch {
	case key.Matches(k, m.keys.Close):
		m.open = false
		return m, func() tea.Msg { return CloseMsg{} }
	case key.Matches(k, m.keys.Prune) && len(s.Gone) > 0:
		msg := PruneGoneMsg{IDs: s.Gone, Live: s.Live}
		return m, func() tea.Msg { return msg }
	case key.Matches(k, m.keys.Resume) && s.Resumable:
		msg := ResumeMsg{Journal: s.Journal}
		return m, func() tea.Msg { return msg }
	case key.Matches(k, m.keys.Undo) && s.Undoable:
		msg := UndoMsg{Journal: s.Journal}
		return m, func() tea.Msg { return msg }
	}
	return m, nil
}

// View renders the progress or the summary.
func (m Model) View() string {
	if !m.open {
		return ""
	}
	var b strings.Builder
	b.WriteString(m.st.Title.Render(sanitize.Text(m.title)) + "\n\n")
	if m.summary == nil {
		pct := 0.0
		if m.counts.Total > 0 {
			pct = float64(m.counts.Done) / float64(m.counts.Total)
		}
		b.WriteString(m.bar.ViewAs(pct) + fmt.Sprintf("  %d / %d\n", m.counts.Done, m.counts.Total))
		b.WriteString(m.items(m.counts.Items) + "\n\n")
		b.WriteString(m.st.Muted.Render("ctrl+c cancels the run"))
		return b.String()
	}
	s := m.summary
	if s.Err != nil {
		for _, l := range human.Wrap(sanitize.Text(s.Err.Error()), m.width, "") {
			b.WriteString(m.st.Error.Render(l) + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString(m.items(s.Counts) + "\n")
	m.ids(&b, "gone", s.Gone)
	m.ids(&b, "conflicts", s.Conflicts)
	m.ids(&b, "failed", s.Failed)
	if s.Journal != "" {
		m.line(&b, "journal", sanitize.Text(s.Journal))
	}
	var hints []string
	if len(s.Gone) > 0 {
		hints = append(hints, m.st.Key.Render("p")+" prune the gone")
	}
	if s.Resumable {
		hints = append(hints, m.st.Key.Render("r")+" resume")
	}
	if s.Undoable {
		hints = append(hints, m.st.Key.Render("u")+" undo")
	}
	hints = append(hints, m.st.Key.Render("esc")+" back")
	b.WriteString("\n" + strings.Join(hints, "  "))
	return b.String()
}

// items lays counts out in as many lines as the width needs, three
// spaces apart; a count is never cut.
func (m Model) items(items []ops.Count) string {
	var lines []string
	line, w := "", 0
	for _, c := range items {
		text := sanitize.Text(c.Label) + " " + fmt.Sprint(c.N)
		cw := sanitize.Width(text)
		if w > 0 && m.width > 0 && w+3+cw > m.width {
			lines, line, w = append(lines, line), "", 0
		}
		if w > 0 {
			line, w = line+"   ", w+3
		}
		line, w = line+m.st.Muted.Render(sanitize.Text(c.Label)+" ")+fmt.Sprint(c.N), w+cw
	}
	return strings.Join(append(lines, line), "\n")
}

// labelWidth is the width of the labels before the summary's lists.
const labelWidth = 10

// line writes a labelled value, wrapped at the width under its label.
func (m Model) line(b *strings.Builder, label, value string) {
	head := m.st.Muted.Render(fmt.Sprintf("%-*s", labelWidth, label))
	for _, l := range human.Wrap(value, m.width-labelWidth, "") {
		b.WriteString(head + l + "\n")
		head = strings.Repeat(" ", labelWidth)
	}
}

func (m Model) ids(b *strings.Builder, label string, ids []string) {
	if len(ids) == 0 {
		return
	}
	shown := ids[:min(len(ids), maxIDs)]
	clean := make([]string, len(shown))
	for i, id := range shown {
		clean[i] = sanitize.Text(id)
	}
	line := strings.Join(clean, ", ")
	if len(ids) > maxIDs {
		line += fmt.Sprintf(" (+%d more)", len(ids)-maxIDs)
	}
	m.line(b, label, line)
}
