package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/coder/websocket"

	"wsops/config"
	"wsops/data"
	"wsops/internal/testrig"
	"wsops/mgmt"
	"wsops/ops"
	"wsops/ui/confirm"
)

// worldWait bounds each wait for the ops goroutine (a guard, not a timing assertion).
const worldWait = 20 * time.Second

// worldConsole is the console on a sandbox world of n clients, its first
// scan applied.
func worldConsole(t *testing.T, n int) (Model, *testrig.SandboxWorld) {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{Clients: n})
	p, err := config.Builtin().Profile("sandbox")
	if err != nil {
		t.Fatal(err)
	}
	p.Messages = nil // the editor opens focused and empty
	reg := data.NewRegistry(testrig.DynamoClient(w.Sandbox.Endpoints().DynamoDBURL), p.Schema, data.Options{})
	sess := Session{Profile: p, Registry: reg, Mgmt: mgmt.New(w.API)}
	c := confirm.NewConfirmer()
	sess.Ops = testOps(t, reg, sess.Mgmt, p.Name, c)
	m := New(t.Context(), Options{Session: sess, Confirmer: c, Refresh: time.Hour})
	m = update(t, m, tea.WindowSizeMsg{Width: 160, Height: 45})
	for msg := m.first(); ; {
		m = update(t, m, msg)
		page, ok := msg.(scanPageMsg)
		if !ok {
			break
		}
		msg = waitPage(page.scan, page.pages)()
	}
	m = settle(t, m)
	if m.conns.Len() != n {
		t.Fatalf("the console lists %d rows, want %d", m.conns.Len(), n)
	}
	return m, w
}

// runAction runs an action's command (the first of the batch cmd yields) as
// the program would, answers its confirmation with yes, and applies its end.
func runAction(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	run := batch(t, cmd)[0]
	done := make(chan tea.Msg, 1)
	go func() { done <- run() }()
	select {
	case req := <-m.confirmer.Requests():
		m = update(t, m, confirm.RequestMsg{Request: req})
	case <-time.After(worldWait):
		t.Fatal("no confirmation asked")
	}
	m = update(t, keys(t, m, "yes"), enter)
	select {
	case msg := <-done:
		return update(t, m, msg)
	case <-time.After(worldWait):
		t.Fatal("the action did not end")
	}
	return m
}

func TestConsoleSendsToMarkedRowsAndLogsOutOnTheSandbox(t *testing.T) {
	m, w := worldConsole(t, 4)
	m = keys(t, m, "  ")
	marked := m.conns.Marked()
	if len(marked) != 2 {
		t.Fatalf("marked %v", marked)
	}
	m, msg := press(t, m, runes("x"))
	m = keys(t, update(t, m, msg), `{"type":"console-test"}`)
	m, msg = press(t, m, ctrlS)
	next, cmd := m.Update(msg)
	m = runAction(t, next.(Model), cmd)
	sum, ok := m.runView.Summary()
	if !ok || sum.Err != nil || sum.Items[1].N != 2 || sum.Journal == "" {
		t.Fatalf("summary %+v", sum)
	}
	w.Settle()
	for _, id := range w.IDs {
		frames := w.Client(id).Frames()
		want := 0
		if slices.Contains(marked, id) {
			want = 1
		}
		if len(frames) != want || want == 1 && string(frames[0].Data) != `{"type":"console-test"}` {
			t.Errorf("client %s received %v, want %d frames", id, frames, want)
		}
	}

	// Logout of one marked row: unmark the second, press L.
	m = update(t, m, esc)
	m = keys(t, m, "k ")
	if got := m.conns.Marked(); !slices.Equal(got, marked[:1]) {
		t.Fatalf("marked %v, want %v", got, marked[:1])
	}
	m, msg = press(t, m, runes("L"))
	next, cmd = m.Update(msg)
	m = runAction(t, next.(Model), cmd)
	sum, _ = m.runView.Summary()
	if sum.Err != nil || sum.Items[2].Label != "disconnected" || sum.Items[2].N != 1 || sum.Journal == "" || sum.Resumable {
		t.Fatalf("logout summary %+v, want 1 disconnected, a journal, nothing to resume", sum)
	}
	if code := w.Client(marked[0]).WaitClosed(t); code != websocket.StatusNormalClosure {
		t.Errorf("the logged-out client closed with %v, want 1000", code)
	}
	w.Settle()
	for _, id := range w.IDs {
		notices := 0
		for _, f := range w.Client(id).Frames() {
			if string(f.Data) == ops.DefaultNotice {
				notices++
			}
		}
		if want := map[bool]int{true: 1}[id == marked[0]]; notices != want {
			t.Errorf("client %s received %d logout notices, want %d", id, notices, want)
		}
	}
}

func TestConsolePrunesStaleRecordsOnTheSandbox(t *testing.T) {
	m, w := worldConsole(t, 2)
	db := testrig.DynamoClient(w.Sandbox.Endpoints().DynamoDBURL)
	schema := m.sess.Profile.Schema
	stale := data.Connection{ID: "StaleConn0000A=", User: "u-stale", App: "drivers", EntityType: "driver",
		Platform: "ios", ConnectedAt: time.Now().Add(-time.Hour)}
	put(t, db, schema.Connections.Table.Name, schema.EncodeConnection(stale))

	next, cmd := m.Update(runCommand(":prune"))
	if !next.(Model).runView.Running() {
		t.Fatal(":prune started no run")
	}
	m = runAction(t, next.(Model), cmd)
	sum, _ := m.runView.Summary()
	// The live clients just connected: younger than the grace, skipped.
	counts := map[string]int{}
	for _, c := range sum.Items {
		counts[c.Label] = c.N
	}
	if sum.Err != nil || counts["checked"] != 1 || counts["gone"] != 1 || counts["deleted"] != 1 || counts["skipped (younger than the grace)"] != 2 {
		t.Fatalf("prune summary %+v, want 1 checked, gone and deleted, 2 skipped", sum)
	}
	if _, err := m.sess.Registry.Connection(context.Background(), stale.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("the stale record is still there: %v", err)
	}
	for _, id := range w.IDs {
		if _, err := m.sess.Registry.Connection(context.Background(), id); err != nil {
			t.Errorf("live record %s: %v", id, err)
		}
	}
}

// cutFailsOnce is a management API whose first DeleteConnection fails
// before reaching API Gateway, as a reset connection would.
type cutFailsOnce struct {
	mgmt.API
	once sync.Once
}

func (a *cutFailsOnce) DeleteConnection(ctx context.Context, in *apigatewaymanagementapi.DeleteConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error) {
	first := false
	a.once.Do(func() { first = true })
	if first {
		return nil, errors.New("connection reset by peer")
	}
	return a.API.DeleteConnection(ctx, in, opts...)
}

func TestConsoleResumesAPartlyFailedLogout(t *testing.T) {
	m, w := worldConsole(t, 2)
	m.sess.Ops = testOps(t, m.sess.Registry, mgmt.New(&cutFailsOnce{API: w.API}), m.sess.Profile.Name, m.confirmer)
	id, _ := m.conns.Selected()
	m, msg := press(t, m, runes("L"))
	next, cmd := m.Update(msg)
	m = runAction(t, next.(Model), cmd)
	sum, _ := m.runView.Summary()
	if sum.Err == nil || !sum.Resumable || sum.Action != "logout" || !slices.Equal(sum.Failed, []string{id}) {
		t.Fatalf("the failed logout's summary %+v, want it resumable with %s failed", sum, id)
	}
	if !strings.Contains(m.View(), "r resume") {
		t.Errorf("the summary offers no resume:\n%s", m.View())
	}
	m, msg = press(t, m, runes("r"))
	next, cmd = m.Update(msg)
	m = runAction(t, next.(Model), cmd)
	sum, _ = m.runView.Summary()
	if sum.Err != nil || sum.Resumable || sum.Items[2].Label != "disconnected" || sum.Items[2].N != 1 {
		t.Fatalf("the resumed logout's summary %+v", sum)
	}
	if code := w.Client(id).WaitClosed(t); code != websocket.StatusNormalClosure {
		t.Errorf("the logged-out client closed with %v, want 1000", code)
	}
	if frames := w.Client(id).Frames(); len(frames) != 1 || string(frames[0].Data) != ops.DefaultNotice {
		t.Errorf("the client received %v, want one notice", frames)
	}
}
