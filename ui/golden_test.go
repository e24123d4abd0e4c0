package ui

import (
	"bytes"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
)

// console runs the root model as a program at 160×45 on the fixture fleet
// and waits until the fleet is listed in the connections table and its scan
// has ended. The breadcrumb's row count, not the header's "scanning… 9 rows":
// the header counts streamed items before the table has them, and a key sent
// then moves no cursor (a lost "j" opened the wrong row's details in one CI
// run). And "refreshed 0s ago" as well: the scan's end is a message of its
// own that can arrive after the table got its rows, and a golden taken before
// it shows "scanning… 9 rows" in the header. And the background probe's
// pass over the fleet ended (nothing answers in the fixture: "of 0 probed").
func console(t *testing.T) *teatest.TestModel {
	t.Helper()
	tm := teatest.NewTestModel(t, New(t.Context(), fixtureOptions(t)), teatest.WithInitialTermSize(160, 45))
	waitOutput(t, tm, "conns  9 rows", "refreshed 0s ago", "probed 0s ago")
	return tm
}

// waitOutput waits until the output written since the last wait holds every
// one of texts. One wait for them all: the renderer repaints only the lines
// that changed, so a text a wait has read past is not written again.
func waitOutput(t *testing.T, tm *teatest.TestModel, texts ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, text := range texts {
			if !bytes.Contains(b, []byte(text)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// finalView quits the program and returns its last view.
func finalView(t *testing.T, tm *teatest.TestModel) []byte {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	return []byte(tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).View())
}

func TestGoldenConnections(t *testing.T) {
	tm := console(t)
	golden.RequireEqual(t, finalView(t, tm))
}

func TestGoldenConnectionsFiltered(t *testing.T) {
	tm := console(t)
	tm.Send(runes("/"))
	tm.Send(runes("is:problem"))
	tm.Send(enter)
	// The filter shows in the breadcrumbs at once, its rows when the query
	// that filters them comes back.
	waitOutput(t, tm, "filter: is:problem  2 rows")
	// The sort's arrow shows at once too; the two rows are in user order
	// either way, so the golden does not depend on the sorted query's return.
	tm.Send(runes("s")) // sort by user
	waitOutput(t, tm, "USER ▲")
	golden.RequireEqual(t, finalView(t, tm))
}

func TestGoldenSubscriptions(t *testing.T) {
	tm := console(t)
	tm.Send(runes(":subs"))
	tm.Send(enter)
	waitOutput(t, tm, "business_status#b1")
	golden.RequireEqual(t, finalView(t, tm))
}

func TestGoldenUsers(t *testing.T) {
	tm := console(t)
	tm.Send(runes(":users"))
	tm.Send(enter)
	// A row, not the column header: the header shows as soon as the view
	// opens, the users only when the query that counts them comes back.
	waitOutput(t, tm, "customers, drivers")
	golden.RequireEqual(t, finalView(t, tm))
}

func TestGoldenDetail(t *testing.T) {
	tm := console(t)
	tm.Send(runes("j"))
	tm.Send(runes("j"))
	tm.Send(runes("j"))
	tm.Send(runes("j"))
	tm.Send(runes("j"))
	tm.Send(enter) // the incident merchant, Conn00000000006=
	waitOutput(t, tm, "Subscriptions (1)", "Trail  cannot be read")
	golden.RequireEqual(t, finalView(t, tm))
}

func TestGoldenAuditAndHelp(t *testing.T) {
	tm := console(t)
	tm.Send(runes(":audit"))
	tm.Send(enter)
	waitOutput(t, tm, "refused: not confirmed")
	tm.Send(runes("?"))
	waitOutput(t, tm, "or esc closes the help")
	golden.RequireEqual(t, finalView(t, tm))
}
