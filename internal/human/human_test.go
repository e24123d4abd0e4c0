package human

import (
	"testing"
	"time"
)

func TestAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 0: "0s", 42 * time.Second: "42s", 5 * time.Minute: "5m",
		3 * time.Hour: "3h", 47 * time.Hour: "47h", 9 * 24 * time.Hour: "9d", 20000 * 24 * time.Hour: ">999d",
	} {
		if got := Age(d); got != want {
			t.Errorf("Age(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestAgeSince(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	if got := AgeSince(0, now); got != "-" {
		t.Errorf("AgeSince(0) = %q, want -", got)
	}
	if got := AgeSince(now.Add(-90*time.Second).UnixMilli(), now); got != "1m" {
		t.Errorf("AgeSince(90s ago) = %q, want 1m", got)
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "changes", 1: "change", 2: "changes"} {
		if got := Plural(n, "change", "changes"); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}
