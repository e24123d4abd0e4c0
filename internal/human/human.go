// Package human formats values for people: short durations for table cells.
package human

import (
	"fmt"
	"time"
)

// AgeSince is Age of an epoch-milliseconds timestamp at now; "-" for 0
// (no timestamp).
func AgeSince(ms int64, now time.Time) string {
	if ms == 0 {
		return "-"
	}
	return Age(now.Sub(time.UnixMilli(ms)))
}

// Age is a short form of how long ago something happened: "42s", "5m",
// "3h" (up to two days), "9d"; "0s" for the future.
func Age(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	if days := int(d.Hours() / 24); days <= 999 {
		return fmt.Sprintf("%dd", days)
	}
	return ">999d" // a garbage timestamp; a cut-off number would read as another
}

// Plural picks the singular or the plural form of a word for n things.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
