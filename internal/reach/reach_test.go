package reach

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
)

func TestHintSaysWhatToDo(t *testing.T) {
	refused := fmt.Errorf("scan: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED})
	dns := fmt.Errorf("scan: %w", &net.DNSError{Err: "no such host", Name: "dynamodb.example"})
	for _, c := range []struct {
		err         error
		want        string
		unreachable bool
	}{
		{refused, "start `wsops sandbox`", true},
		{dns, "does not resolve", true},
		{errors.New("refresh cached SSO token failed"), "aws sso login", false},
		{errors.New("ValidationException: bad key"), "", false},
		{nil, "", false},
	} {
		if got := Hint(c.err); (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("Hint(%v) = %q, want it to say %q", c.err, got, c.want)
		}
		if c.err != nil && Unreachable(c.err) != c.unreachable {
			t.Errorf("Unreachable(%v) = %v, want %v", c.err, !c.unreachable, c.unreachable)
		}
	}
}
