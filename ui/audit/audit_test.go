package audit

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"wsops/internal/uitest"
	"wsops/ops"
	"wsops/ops/auditlog"
	"wsops/ui/confirm"
	"wsops/ui/view"
)

func drive(t *testing.T, f uitest.Fixture) *uitest.Driver[*Model] {
	m := New(f.Common(t)).(*Model)
	m.SetSize(160, 20)
	return uitest.Drive(t, m, func(m *Model, msg tea.Msg) (*Model, tea.Cmd) { _, cmd := m.Update(msg); return m, cmd })
}

func TestOpenShowsNewestFirst(t *testing.T) {
	f := uitest.New(t, confirm.NewConfirmer(), uitest.Options{})
	f.SeedAudit(t)
	d := drive(t, f)
	d.Run(d.M.Open(""))
	d.Until("the two entries", func(m *Model) bool { return m.table.Len() == 2 }, (*Model).View)
	v := d.M.View()
	logout, send := strings.Index(v, "logout"), strings.Index(v, "send")
	if logout < 0 || send < 0 || logout > send {
		t.Errorf("the newer logout is not above the send:\n%s", v)
	}
	if !strings.Contains(v, "refused: not confirmed") {
		t.Errorf("the refusal's error is not shown:\n%s", v)
	}
}

func TestRefreshRereadsOnlyOnTop(t *testing.T) {
	f := uitest.New(t, confirm.NewConfirmer(), uitest.Options{})
	d := drive(t, f)
	d.Run(d.M.Open(""))
	d.Until("the empty log", func(m *Model) bool { return strings.Contains(m.View(), "no audit entries yet") }, (*Model).View)
	f.SeedAudit(t)
	d.Send(view.TopMsg{Name: "conns"})
	if _, cmd := d.M.Update(view.RefreshMsg{}); cmd != nil {
		t.Error("a refresh read the log while the view was covered")
	}
	d.Send(view.TopMsg{Name: "audit"})
	d.Send(view.RefreshMsg{})
	d.Until("the entries written since", func(m *Model) bool { return m.table.Len() == 2 }, (*Model).View)
}

func TestUnreadableLog(t *testing.T) {
	dir := t.TempDir() // a directory opens, but does not read
	f := uitest.New(t, confirm.NewConfirmer(), uitest.Options{Deps: func(d *ops.Deps) { d.Audit = auditlog.New(dir) }})
	d := drive(t, f)
	d.Run(d.M.Open(""))
	d.Until("the read error", func(m *Model) bool { return strings.Contains(m.View(), "cannot read the audit log") }, (*Model).View)
}
