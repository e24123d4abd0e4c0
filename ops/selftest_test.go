package ops_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"wsops/auth"
	"wsops/data"
	"wsops/internal/testrig"
	"wsops/mgmt"
	"wsops/ops"
)

// sameUserWorld is a fixture whose three clients are one user's, as a
// driver with a phone, a tablet and a test client.
func sameUserWorld(t *testing.T) *sendFixture {
	return newSendFixture(t, testrig.WorldOptions{Clients: 3, Claims: func(n int) auth.Claims {
		return auth.Claims{User: "u-same", App: "drivers", EntityType: "driver"}
	}})
}

func TestFindOwn(t *testing.T) {
	f := sameUserWorld(t)
	ctx := context.Background()
	noUA := f.schema
	noUA.Connections.Attrs.UserAgent = "" // as this27's table: the registry does not store it
	for _, tc := range []struct {
		name   string
		schema data.Schema
		user   string
		gets   int // GetConnection calls, at most
	}{
		{"by the stored user agent", f.schema, "u-same", 0},
		{"by GetConnection's user agent", noUA, "u-same", 3},
		{"without knowing the user", noUA, "", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := f.ops(t, func(d *ops.Deps) { d.Registry = data.NewRegistry(f.db, tc.schema, data.Options{}) })
			before := len(f.w.Requests())
			want := f.w.Client(f.w.IDs[1])
			got, err := o.FindOwn(ctx, ops.Own{User: tc.user, UserAgent: want.UserAgent})
			if err != nil || got.ID != want.ID {
				t.Fatalf("found %q (%v), want %s", got.ID, err, want.ID)
			}
			if n := len(f.w.Requests()) - before; n > tc.gets {
				t.Errorf("%d GetConnection calls, want at most %d", n, tc.gets)
			}
		})
	}
	_, err := f.o.FindOwn(ctx, ops.Own{User: "u-same", UserAgent: "somebody-else/1"})
	if !errors.Is(err, ops.ErrOwnNotFound) || !strings.Contains(err.Error(), "3 records of user u-same") {
		t.Errorf("unknown agent: %v, want ErrOwnNotFound naming the 3 candidates", err)
	}
	if n := f.auditLines(t); n != 0 {
		t.Errorf("finding the own connection wrote %d audit lines", n)
	}
}

func TestPostToSelf(t *testing.T) {
	f := sameUserWorld(t)
	ctx := context.Background()
	self, err := f.reg.Connection(ctx, f.w.IDs[0])
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte(`{"type":"wsops_test_broadcast","nonce":"n-1"}`)
	if err := f.o.PostToSelf(ctx, self, payload); err != nil {
		t.Fatal(err)
	}
	frames := f.w.Client(self.ID).WaitFrames(t, 1)
	if string(frames[0].Data) != string(payload) {
		t.Errorf("the client got %q", frames[0].Data)
	}
	f.w.Settle()
	for _, id := range f.w.IDs[1:] {
		if n := len(f.w.Client(id).Frames()); n != 0 {
			t.Errorf("another connection of the user got %d frames", n)
		}
	}
	if plans := f.confirm.asked(); len(plans) != 0 {
		t.Errorf("asked for confirmation %d times, want none", len(plans))
	}
	entries := f.auditEntries(t)
	if len(entries) != 1 || entries[0].Filter != "own test connection "+self.ID || entries[0].Result["delivered"] != 1 || entries[0].Targets != 1 {
		t.Errorf("audit %+v, want one delivered send to the own connection", entries)
	}
}

func TestPostToSelfRespectsReadOnly(t *testing.T) {
	f := sameUserWorld(t)
	o := f.ops(t, func(d *ops.Deps) { d.Policy.ReadOnly = true })
	self := data.Connection{ID: f.w.IDs[0], User: "u-same", App: "drivers", EntityType: "driver"}
	err := o.PostToSelf(context.Background(), self, []byte(`{"type":"test"}`))
	if !errors.Is(err, ops.ErrReadOnly) {
		t.Fatalf("read-only: %v, want ErrReadOnly", err)
	}
	f.w.Settle()
	if n := len(f.w.Client(self.ID).Frames()); n != 0 {
		t.Errorf("the client got %d frames on a read-only profile", n)
	}
	if n := f.w.RequestsFor(self.ID); n != 0 {
		t.Errorf("%d management calls on a read-only profile", n)
	}
	if e := f.auditEntries(t); len(e) != 1 || e[0].Error == "" {
		t.Errorf("audit %+v, want the refusal recorded", e)
	}
	big := make([]byte, mgmt.MaxPayload+1)
	if err := f.o.PostToSelf(context.Background(), self, big); !errors.Is(err, mgmt.ErrPayloadTooLarge) {
		t.Errorf("oversized: %v", err)
	}
}
