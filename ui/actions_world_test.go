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
	"wsops/internal/uitest"
	"wsops/mgmt"
	"wsops/ops"
	"wsops/ui/clientview"
	"wsops/ui/confirm"
	"wsops/ui/progress"
)

// worldOptions change a world's console: wrap wraps the management API the
// Ops calls; client resolves the :client view's identities on the world.
type worldOptions struct {
	wrap   func(mgmt.API) mgmt.API
	client func(*testrig.SandboxWorld) clientview.ProfileResolver
}

// worldRig is the console on a sandbox world of n clients, its first scan
// listed.
// worldNotice is the world profile's logout notice, not the default.
const worldNotice = `{"type":"force_logout","reason":"console test"}`

// logoutNotice goes through the logout's notice dialog, which shows the
// profile's notice, as it is.
func (r *rig) logoutNotice() {
	r.t.Helper()
	r.until("the notice dialog", func(m Model) bool {
		return strings.Contains(m.View(), "Force logout of") && strings.Contains(m.View(), worldNotice)
	})
	r.Send(ctrlS)
}

func worldRig(t *testing.T, n int, wo worldOptions) (*rig, *testrig.SandboxWorld) {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	w := testrig.StartSandboxWorld(t, testrig.WorldOptions{Clients: n})
	p, err := config.Builtin().Profile("sandbox")
	if err != nil {
		t.Fatal(err)
	}
	p.Messages = nil // the editor opens focused and empty
	p.LogoutNotice = worldNotice
	var api mgmt.API = w.API
	if wo.wrap != nil {
		api = wo.wrap(api)
	}
	reg := data.NewRegistry(testrig.DynamoClient(w.Sandbox.Endpoints().DynamoDBURL), p.Schema, data.Options{})
	c := confirm.NewConfirmer()
	o, audit := uitest.NewOps(t, reg, mgmt.New(api), p.Name, c, nil)
	fx := uitest.Fixture{Profile: p, Registry: reg, Ops: o, Audit: audit, DB: testrig.DynamoClient(w.Sandbox.Endpoints().DynamoDBURL)}
	opt := Options{Session: Session{Profile: p, Ops: o}, Confirmer: c, Refresh: time.Hour}
	if wo.client != nil {
		opt.Client = wo.client(w)
	}
	r := &rig{Driver: uitest.Drive(t, New(t.Context(), opt), update), t: t, fx: fx, c: c}
	r.Send(tea.WindowSizeMsg{Width: 160, Height: 45})
	r.Run(r.M.Init())
	r.until("the world's clients", func(m Model) bool { return scanned(m, n) })
	return r, w
}

// confirmAndWait answers the action's confirmation with yes and waits for
// its summary.
func (r *rig) confirmAndWait() progress.Summary {
	r.t.Helper()
	r.until("the confirmation", func(m Model) bool { return strings.Contains(m.View(), "Type yes") })
	r.Keys("yes")
	r.Send(enter)
	r.until("the summary", func(m Model) bool { return m.actions.OnlySummary() })
	sum, _ := r.M.actions.Summary()
	return sum
}

// counts are a summary's counts by label.
func counts(s progress.Summary) map[string]int {
	c := map[string]int{}
	for _, n := range s.Counts {
		c[n.Label] = n.N
	}
	return c
}

func TestConsoleSendsToMarkedRowsAndLogsOutOnTheSandbox(t *testing.T) {
	r, w := worldRig(t, 4, worldOptions{})
	r.Keys(" j ")
	marked := r.M.conns().Marked()
	if len(marked) != 2 {
		t.Fatalf("marked %v", marked)
	}
	r.Send(runes("x"))
	r.until("the send dialog", func(m Model) bool { return strings.Contains(m.View(), "Send to 2 connection ids") })
	r.Keys(`{"type":"console-test"}`)
	r.Send(ctrlS)
	sum := r.confirmAndWait()
	if sum.Err != nil || counts(sum)["delivered"] != 2 || sum.Journal == "" {
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

	// Logout of one marked row: unmark the second (under the cursor), press L.
	r.Send(esc)
	r.Keys(" ")
	if got := r.M.conns().Marked(); !slices.Equal(got, marked[:1]) {
		t.Fatalf("marked %v, want %v", got, marked[:1])
	}
	r.Send(runes("L"))
	r.logoutNotice()
	sum = r.confirmAndWait()
	if sum.Err != nil || counts(sum)["disconnected"] != 1 || sum.Journal == "" || sum.Resumable {
		t.Fatalf("logout summary %+v, want 1 disconnected, a journal, nothing to resume", sum)
	}
	if code := w.Client(marked[0]).WaitClosed(t); code != websocket.StatusNormalClosure {
		t.Errorf("the logged-out client closed with %v, want 1000", code)
	}
	w.Settle()
	for _, id := range w.IDs {
		notices := 0
		for _, f := range w.Client(id).Frames() {
			if string(f.Data) == worldNotice { // the profile's, not ops.DefaultNotice
				notices++
			}
		}
		if want := map[bool]int{true: 1}[id == marked[0]]; notices != want {
			t.Errorf("client %s received %d logout notices, want %d", id, notices, want)
		}
	}
	// The action's end rescans: the logged-out connection's record is gone
	// (its row shows once more, as vanished).
	r.until("the rescan without the logged-out row", func(m Model) bool {
		h := m.feed.Header()
		return !h.Scanning && h.Summary.Total == 3
	})
}

func TestConsolePrunesStaleRecordsOnTheSandbox(t *testing.T) {
	r, w := worldRig(t, 2, worldOptions{})
	schema := r.fx.Profile.Schema
	stale := ops.Connection{ID: "StaleConn0000A=", User: "u-stale", App: "drivers", EntityType: "driver",
		Platform: "ios", ConnectedAt: time.Now().Add(-time.Hour)}
	uitest.Put(t, r.fx.DB, schema.Connections.Table.Name, schema.EncodeConnection(stale))

	r.command(":prune")
	sum := r.confirmAndWait()
	// The live clients just connected: younger than the grace, skipped.
	c := counts(sum)
	if sum.Err != nil || c["checked"] != 1 || c["gone"] != 1 || c["deleted"] != 1 || c["skipped (younger than the grace)"] != 2 {
		t.Fatalf("prune summary %+v, want 1 checked, gone and deleted, 2 skipped", sum)
	}
	if !sum.Undoable || !strings.Contains(r.M.View(), "u undo") {
		t.Errorf("the prune's summary offers no undo:\n%s", r.M.View())
	}
	if _, err := r.fx.Registry.Connection(context.Background(), stale.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("the stale record is still there: %v", err)
	}
	for _, id := range w.IDs {
		if _, err := r.fx.Registry.Connection(context.Background(), id); err != nil {
			t.Errorf("live record %s: %v", id, err)
		}
	}
	// u undoes the prune from its summary: the record is back.
	r.Send(runes("u"))
	sum = r.confirmAndWait()
	if sum.Err != nil || sum.Action != "prune-undo" || counts(sum)["restored"] != 1 {
		t.Fatalf("undo summary %+v, want 1 restored", sum)
	}
	if _, err := r.fx.Registry.Connection(context.Background(), stale.ID); err != nil {
		t.Errorf("the undo did not restore the stale record: %v", err)
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
	r, w := worldRig(t, 2, worldOptions{wrap: func(api mgmt.API) mgmt.API { return &cutFailsOnce{API: api} }})
	id, _ := r.M.conns().Selected()
	r.Send(runes("L"))
	r.logoutNotice()
	sum := r.confirmAndWait()
	if sum.Err == nil || !sum.Resumable || sum.Action != "logout" || !slices.Equal(sum.Failed, []string{id}) {
		t.Fatalf("the failed logout's summary %+v, want it resumable with %s failed", sum, id)
	}
	if !strings.Contains(r.M.View(), "r resume") {
		t.Errorf("the summary offers no resume:\n%s", r.M.View())
	}
	r.Send(runes("r"))
	sum = r.confirmAndWait()
	if sum.Err != nil || sum.Resumable || counts(sum)["disconnected"] != 1 {
		t.Fatalf("the resumed logout's summary %+v", sum)
	}
	if code := w.Client(id).WaitClosed(t); code != websocket.StatusNormalClosure {
		t.Errorf("the logged-out client closed with %v, want 1000", code)
	}
	if frames := w.Client(id).Frames(); len(frames) != 1 || string(frames[0].Data) != worldNotice {
		t.Errorf("the client received %v, want one notice", frames)
	}
}
