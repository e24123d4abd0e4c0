package ops

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"wsops/data"
	"wsops/mgmt"
)

func TestLogoutRejectsBadRequests(t *testing.T) {
	confirm := &recordingConfirmer{}
	// No registry and no management client: any call would panic.
	o := stubOps(t, func(d *Deps) { d.Confirm = confirm })
	user := Targets{Select: data.Select{User: "u"}}
	big := append(append([]byte(`"`), strings.Repeat("x", mgmt.MaxPayload)...), '"')
	for name, req := range map[string]LogoutRequest{
		"notice not JSON":   {Targets: user, Notice: []byte("bye")},
		"empty notice":      {Targets: user, Notice: []byte{}},
		"notice too large":  {Targets: user, Notice: big},
		"negative rate":     {Targets: user, Rate: -1},
		"a whole app":       {Targets: Targets{Select: data.Select{App: "drivers"}}},
		"a topic":           {Targets: Targets{Select: data.Select{Topic: "order#1"}}},
		"everyone":          {Targets: Targets{All: true}},
		"nobody":            {},
		"ids and selection": {Targets: Targets{Conns: []string{"a"}, Select: data.Select{User: "u"}}},
	} {
		req.Journal = filepath.Join(t.TempDir(), "logout.jsonl")
		if _, err := o.Logout(context.Background(), req, nil); err == nil || Refused(err) {
			t.Errorf("%s: error %v, want a usage error", name, err)
		}
	}
	if entries, _, _ := o.audit.Tail(0); len(entries) != 0 || len(confirm.asked()) != 0 {
		t.Errorf("bad requests reached the confirmation (%d) or the audit log (%d)", len(confirm.asked()), len(entries))
	}
}
