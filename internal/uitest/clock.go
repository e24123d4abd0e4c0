package uitest

import (
	"sync/atomic"
	"time"
)

// Clock is a clock the test moves: it starts at Now and stands still
// until Add. Safe for any goroutine.
type Clock struct{ since atomic.Int64 }

// Now is the clock's time.
func (c *Clock) Now() time.Time { return Now.Add(time.Duration(c.since.Load())) }

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) { c.since.Add(int64(d)) }
