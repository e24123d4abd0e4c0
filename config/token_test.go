package config

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestTokenResolve(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	tests := []struct {
		name    string
		token   Token
		want    string
		wantErr []string // substrings of the error
		hidden  []string // must not be in the error
	}{
		{"no token", Token{}, "", nil, nil},
		{"value", Token{Value: "tok-123"}, "tok-123", nil, nil},
		{"command", Token{Command: "printf abc"}, "abc", nil, nil},
		{"command output is trimmed", Token{Command: "printf '  abc\\n\\n'"}, "abc", nil, nil},
		{"command gets the environment", Token{Command: "printf %s \"$WSOPS_TEST_CMD_TOKEN\""}, "from-env", nil, nil},
		{"failing command", Token{Command: "printf STDOUT-TOKEN-42; echo 'could not log in' >&2; exit 3"}, "",
			[]string{"token command failed", "exit status 3", "could not log in"}, []string{"STDOUT-TOKEN-42"}},
		{"failing command echoing its token on stderr", Token{Command: "printf STDOUT-TOKEN-42; echo 'rejected STDOUT-TOKEN-42' >&2; exit 1"}, "",
			[]string{"exit status 1", "rejected"}, []string{"STDOUT-TOKEN-42"}},
		{"failing command with a jwt on stderr", Token{Command: "echo \"bad token " + plantedJWT + "\" >&2; exit 1"}, "",
			[]string{"bad token eyJh…("}, []string{plantedJWT[4:]}},
		{"command printing nothing", Token{Command: "true"}, "", []string{"printed nothing"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("WSOPS_TEST_CMD_TOKEN", "from-env")
			got, err := tt.token.Resolve(context.Background())
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Errorf("Resolve() = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Resolve() = %q, want an error", got)
			}
			if got != "" {
				t.Errorf("Resolve() returned %q along with an error", got)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			for _, s := range tt.hidden {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q shows %q", err, s)
				}
			}
		})
	}
}

func TestTokenResolveHonoursContext(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Token{Command: "printf partial; exec sleep 30"}.Resolve(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Resolve() error = %v, want context.DeadlineExceeded", err)
	}
	if strings.Contains(err.Error(), "partial") {
		t.Errorf("error %q shows stdout", err)
	}
}
