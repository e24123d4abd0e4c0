package cli

import (
	"context"
	"errors"
	"strings"
	"testing"

	"wsops/ops"
)

func TestHeadlessConfirmerMatrix(t *testing.T) {
	plan := ops.Plan{Action: "send", Filter: "user \x1b[2Ju", Radius: ops.Radius{Total: 1}}
	cases := []struct {
		name                           string
		production, yes, explicit, tty bool
		typed                          string
		want                           error
	}{
		{"yes", false, true, false, false, "", nil},
		{"no tty, no yes", false, false, false, false, "", ops.ErrNotConfirmed},
		{"tty, typed yes", false, false, false, true, "yes\n", nil},
		{"tty, typed no", false, false, false, true, "no\n", ops.ErrNotConfirmed},
		{"production, yes, profile from env/default", true, true, false, false, "", ops.ErrProductionGuard},
		{"production, yes, --profile spelled out", true, true, true, false, "", nil},
		{"production, tty, typed its name", true, false, false, true, "prod\n", nil},
		{"production, tty, typed yes", true, false, false, true, "yes\n", ops.ErrProductionGuard},
	}
	for _, c := range cases {
		var out strings.Builder
		h := headlessConfirmer{yes: c.yes, profileExplicit: c.explicit, interactive: c.tty, in: strings.NewReader(c.typed), out: &out}
		err := h.Confirm(context.Background(), plan, ops.Policy{Profile: "prod", Production: c.production})
		if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if strings.Contains(out.String(), "\x1b") {
			t.Errorf("%s: the prompt printed a raw escape: %q", c.name, out.String())
		}
	}
}
