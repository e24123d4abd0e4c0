package journal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testWriter is a Writer that counts its writes and syncs and keeps what
// each sync made durable. It can fail writes or syncs, and hold the first
// sync until released.
type testWriter struct {
	mu              sync.Mutex
	written, synced []byte
	writes, syncs   int
	failWrite       error
	failSync        error
	hold            chan struct{} // when set, the first Sync waits for it
	holding         chan struct{} // closed when the first Sync is held
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	if w.failWrite != nil {
		return 0, w.failWrite
	}
	w.written = append(w.written, p...)
	return len(p), nil
}

func (w *testWriter) Sync() error {
	w.mu.Lock()
	first, hold := w.syncs == 0, w.hold
	w.mu.Unlock()
	if first && hold != nil {
		close(w.holding)
		<-hold
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.syncs++
	if w.failSync != nil {
		return w.failSync
	}
	w.synced = bytes.Clone(w.written)
	return nil
}

func (w *testWriter) Close() error { return nil }

// durable reports whether line is in what a sync made durable.
func (w *testWriter) durable(line string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Contains(w.synced, []byte(line+"\n"))
}

func (w *testWriter) counts() (writes, syncs int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes, w.syncs
}

type line struct {
	N int `json:"n"`
}

func lineText(n int) string { return fmt.Sprintf(`{"n":%d}`, n) }

func TestIntentsAreGroupCommittedAndDurableOnReturn(t *testing.T) {
	const n = 64
	w := &testWriter{hold: make(chan struct{}), holding: make(chan struct{})}
	j := New("test.jsonl", w)
	var wg sync.WaitGroup
	notDurable := make(chan int, n)
	start := func(i int) {
		wg.Go(func() {
			if err := j.Intent(line{N: i}); err != nil {
				t.Errorf("intent %d: %v", i, err)
				return
			}
			if !w.durable(lineText(i)) {
				notDurable <- i
			}
		})
	}
	// The first intent's sync is held (a slow fsync) while the others
	// append theirs: they must wait, and one sync must cover them all.
	start(0)
	<-w.holding
	for i := 1; i < n; i++ {
		start(i)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		j.mu.Lock()
		appended := j.lines
		j.mu.Unlock()
		if appended == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d intents appended", appended, n)
		}
		time.Sleep(time.Millisecond) // polling, with a deadline
	}
	if _, syncs := w.counts(); syncs != 0 {
		t.Fatalf("%d syncs done while the first is held", syncs)
	}
	close(w.hold)
	wg.Wait()
	close(notDurable)
	for i := range notDurable {
		t.Errorf("intent %d returned before its line was synced", i)
	}
	writes, syncs := w.counts()
	if syncs != 2 || writes != 2 {
		t.Errorf("%d writes and %d syncs for %d concurrent intents, want 2 of each (the held one, then one batch)", writes, syncs, n)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(w.synced), "\n"); got != n {
		t.Errorf("%d lines on disk, want %d", got, n)
	}
}

func TestManyConcurrentIntentsShareSyncs(t *testing.T) {
	const goroutines, each = 32, 50
	w := &testWriter{}
	j := New("test.jsonl", w)
	var wg sync.WaitGroup
	var late sync.Map
	for g := range goroutines {
		wg.Go(func() {
			for k := range each {
				i := g*each + k
				if err := j.Intent(line{N: i}); err != nil {
					t.Errorf("intent %d: %v", i, err)
					return
				}
				if !w.durable(lineText(i)) {
					late.Store(i, true)
				}
			}
		})
	}
	wg.Wait()
	late.Range(func(k, _ any) bool {
		t.Errorf("intent %v returned before its line was synced", k)
		return true
	})
	if _, syncs := w.counts(); syncs >= goroutines*each || syncs == 0 {
		t.Errorf("%d syncs for %d concurrent intents, want fewer: one sync covers a batch", syncs, goroutines*each)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRecordsReachTheDiskWithTheNextIntentOrClose(t *testing.T) {
	w := &testWriter{}
	j := New("test.jsonl", w)
	if err := j.Record(line{N: 1}); err != nil {
		t.Fatal(err)
	}
	if writes, syncs := w.counts(); writes != 0 || syncs != 0 {
		t.Errorf("a record was written at once (%d writes, %d syncs)", writes, syncs)
	}
	if err := j.Intent(line{N: 2}); err != nil {
		t.Fatal(err)
	}
	if !w.durable(lineText(1)) || !w.durable(lineText(2)) {
		t.Errorf("after the next intent, on disk: %q; want the record and the intent", w.synced)
	}
	if err := j.Record(line{N: 3}); err != nil {
		t.Fatal(err)
	}
	if w.durable(lineText(3)) {
		t.Error("a record was synced before the next intent or close")
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if want := lineText(1) + "\n" + lineText(2) + "\n" + lineText(3) + "\n"; string(w.synced) != want {
		t.Errorf("on disk after close %q, want %q", w.synced, want)
	}
}

func TestAWriteErrorFailsThisAndEveryLaterAppend(t *testing.T) {
	for name, w := range map[string]*testWriter{
		"write": {failWrite: errors.New("no space left on device")},
		"sync":  {failSync: errors.New("input/output error")},
	} {
		j := New("test.jsonl", w)
		if err := j.Record(line{N: 1}); err != nil {
			t.Errorf("%s: a buffered record failed: %v", name, err)
		}
		if err := j.Intent(line{N: 2}); !errors.Is(err, ErrWrite) {
			t.Errorf("%s: intent: %v, want ErrWrite", name, err)
		}
		if err := j.Intent(line{N: 3}); !errors.Is(err, ErrWrite) {
			t.Errorf("%s: a later intent: %v, want ErrWrite", name, err)
		}
		if err := j.Record(line{N: 4}); !errors.Is(err, ErrWrite) {
			t.Errorf("%s: a later record: %v, want ErrWrite", name, err)
		}
		if err := j.Sync(); !errors.Is(err, ErrWrite) {
			t.Errorf("%s: sync: %v, want ErrWrite", name, err)
		}
		if err := j.Close(); !errors.Is(err, ErrWrite) {
			t.Errorf("%s: close: %v, want ErrWrite", name, err)
		}
		if w.durable(lineText(2)) {
			t.Errorf("%s: a failed intent counted as durable", name)
		}
	}
}

func TestOpenCutsATornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	if err := os.WriteFile(path, []byte(lineText(1)+"\n"+lineText(2)+"\n"+`{"n":3,"to`), 0o600); err != nil {
		t.Fatal(err)
	}
	j, lines, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || string(lines[0]) != lineText(1)+"\n" || string(lines[1]) != lineText(2)+"\n" {
		t.Errorf("lines %q, want the two complete ones", lines)
	}
	if err := j.Intent(line{N: 4}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if want := lineText(1) + "\n" + lineText(2) + "\n" + lineText(4) + "\n"; err != nil || string(b) != want {
		t.Errorf("file %q (%v), want %q", b, err, want)
	}
}

func TestCreateRefusesAnExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "j.jsonl")
	j, err := Create(path, line{N: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v (%v), want 0600", st.Mode(), err)
	}
	if _, err := Create(path, line{N: 2}); err == nil || !errors.Is(err, os.ErrExist) {
		t.Errorf("create over an existing journal: %v, want ErrExist", err)
	}
	if b, _ := os.ReadFile(path); string(b) != lineText(1)+"\n" {
		t.Errorf("the existing journal was changed: %q", b)
	}
	if _, err := os.Stat(path + ".partial"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a temporary file is left beside the journal: %v", err)
	}
}
