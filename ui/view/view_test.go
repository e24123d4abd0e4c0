package view

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

type jobMsg struct{ seq int64 }

func job(seq int64) tea.Msg { return jobMsg{seq} }

// ask runs what c.Ask returns and gives its seq (0: nothing to run).
func ask(c *Coalescer) int64 {
	cmd := c.Ask(job)
	if cmd == nil {
		return 0
	}
	return cmd().(jobMsg).seq
}

func TestCoalescerRunsOneJobAtATime(t *testing.T) {
	var c Coalescer
	first := ask(&c)
	if first == 0 {
		t.Fatal("an idle coalescer ran nothing")
	}
	if again := ask(&c); again != 0 {
		t.Fatal("a busy coalescer ran a second job")
	}
	if current, again := c.Done(first); !current || !again {
		t.Errorf("Done after an ask while busy: current %v again %v, want true true", current, again)
	}
	second := ask(&c)
	if second == 0 || second == first {
		t.Fatalf("after Done, ask ran seq %d (first was %d)", second, first)
	}
	if current, again := c.Done(first); current || again {
		t.Errorf("Done of the older job: current %v again %v, want false false", current, again)
	}
	if current, again := c.Done(second); !current || again {
		t.Errorf("Done of the newest job with no ask meanwhile: current %v again %v, want true false", current, again)
	}
	if ask(&c) == 0 {
		t.Error("the coalescer stayed busy after its job was done")
	}
}

func TestSeqNeverRepeats(t *testing.T) {
	a, b := Seq(), Seq()
	if b <= a {
		t.Errorf("Seq gave %d then %d", a, b)
	}
}

func TestCmdAndStatus(t *testing.T) {
	if got := Cmd(TopMsg{Name: "conns"})(); got != (TopMsg{Name: "conns"}) {
		t.Errorf("Cmd yields %#v", got)
	}
	if got := Status("boom", true)(); got != (StatusMsg{Text: "boom", Err: true}) {
		t.Errorf("Status yields %#v", got)
	}
}
