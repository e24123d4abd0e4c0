//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package ops_test

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"

	"wsops/internal/testrig"
	"wsops/ops"
)

func TestResumeOfAJournalInUseIsRefused(t *testing.T) {
	f := newSendFixture(t, testrig.WorldOptions{Clients: 1})
	res := f.sendNothing(t, "busy")

	// Another run holds the journal.
	held, err := os.Open(res.Journal)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(held.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if _, err := f.o.Resume(context.Background(), res.Journal, nil); !errors.Is(err, ops.ErrJournalInUse) {
		t.Errorf("error %v, want ErrJournalInUse", err)
	}
	if n := len(f.w.Requests()); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
	held.Close()
	if again, err := f.o.Resume(context.Background(), res.Journal, nil); err != nil || again.Delivered != 1 {
		t.Errorf("resume once released: %+v, %v", again, err)
	}
}
