//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package journal

import "os"

// lockFile is a no-op where flock(2) is not available: two runs of one
// journal must not be started at once there.
func lockFile(*os.File) error { return nil }
