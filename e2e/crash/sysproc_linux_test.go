//go:build linux

package crash

import (
	"os/exec"
	"syscall"
)

// dieWithTest makes the kernel SIGKILL cmd when the test process dies (a
// test timeout, say), so that no sandbox or wsops outlives the matrix.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
