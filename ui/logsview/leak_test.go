package logsview

import (
	"testing"

	"wsops/internal/testrig"
)

// TestMain fails the package's tests when any goroutine outlives them.
func TestMain(m *testing.M) { testrig.VerifyTestMain(m) }
