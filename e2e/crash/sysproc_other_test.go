//go:build !linux

package crash

import "os/exec"

// dieWithTest does nothing where the kernel cannot tie a child's life to
// its parent's; t.Cleanup still kills the children of a test that ends.
func dieWithTest(*exec.Cmd) {}
