package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"wsops/data"
	"wsops/internal/human"
	"wsops/ops"
	"wsops/ops/repairplan"
	"wsops/sanitize"
)

// repairPlanJSON is design.md's repair plan output.
type repairPlanJSON struct {
	Count   int                `json:"count"`
	Rules   []string           `json:"rules"`
	Changes []repairChangeJSON `json:"changes"`
	// SkippedGone are the connections whose creates were left out: gone.
	SkippedGone []string `json:"skipped_gone,omitempty"`
}

// repairChangeJSON is one change; values are plain JSON (a create's new is
// the whole record). old is null when the attribute was absent.
type repairChangeJSON struct {
	Rule      string         `json:"rule"`
	Table     string         `json:"table"`
	Op        repairplan.Op  `json:"op"`
	Key       map[string]any `json:"key"`
	Attribute string         `json:"attribute,omitempty"`
	Old       any            `json:"old"`
	New       any            `json:"new"`
}

func planOutput(p repairplan.Plan) repairPlanJSON {
	out := repairPlanJSON{Count: len(p.Changes), Rules: p.Rules, Changes: make([]repairChangeJSON, len(p.Changes)), SkippedGone: p.SkippedGone}
	for i, c := range p.Changes {
		j := repairChangeJSON{Rule: c.Rule, Table: c.Table(), Op: c.Op, Key: data.PlainItem(c.Key), Attribute: c.Attribute}
		if c.Op == repairplan.OpSet {
			j.Old, j.New = data.PlainValue(c.Old), data.PlainValue(c.New)
		} else {
			j.New = data.PlainItem(c.Record)
		}
		out.Changes[i] = j
	}
	return out
}

// writePlanTable prints the plan grouped by rule, then the radius and how
// to apply it (apply "" to leave that line out).
func writePlanTable(w io.Writer, s data.Schema, p repairplan.Plan, apply string) error {
	bw := bufio.NewWriter(w)
	if n := len(p.SkippedGone); n > 0 {
		fmt.Fprintf(bw, "left out: %d %s for connections GetConnection says are gone (prune deletes their records)\n",
			n, human.Plural(n, "create", "creates"))
	}
	if len(p.Changes) == 0 {
		fmt.Fprintf(bw, "nothing to repair (rules: %s)\n", sanitize.Text(strings.Join(p.Rules, ", ")))
		return bw.Flush()
	}
	counts := p.CountByRule()
	for _, rule := range p.Rules {
		n := counts[rule]
		if n == 0 {
			continue
		}
		fmt.Fprintf(bw, "rule %s: %d %s\n", sanitize.Text(rule), n, human.Plural(n, "change", "changes"))
		for _, c := range p.Changes {
			if c.Rule == rule {
				fmt.Fprintf(bw, "  %s\n", sanitize.Text(changeLine(s, c)))
			}
		}
	}
	fmt.Fprintf(bw, "%d %s to %s\n", len(p.Changes), human.Plural(len(p.Changes), "change", "changes"), sanitize.Text(ops.PlanRadius(p).String()))
	if apply != "" {
		fmt.Fprintf(bw, "apply with: %s\n", apply)
	}
	return bw.Flush()
}

// changeLine is one change in words: table, key, attribute, old → new.
func changeLine(s data.Schema, c repairplan.Change) string {
	key := repairplan.KeyText(s, c.Subscriptions, c.Key)
	switch c.Op {
	case repairplan.OpSet:
		return fmt.Sprintf("%-13s %s  %s: %s → %s", c.Table(), key, c.Attribute, repairplan.ValueText(c.Old), repairplan.ValueText(c.New))
	default:
		rec, _ := json.Marshal(data.PlainItem(c.Record))
		return fmt.Sprintf("%-13s %s  %s %s", c.Table(), key, c.Op, rec)
	}
}

// printRepairResult prints an apply's or undo's counts, and its conflicts
// and failures in table mode.
func printRepairResult(g *globals, out format, f repairFlags, s data.Schema, res ops.RepairResult) error {
	if out != formatTable {
		if f.undo != "" {
			return writeJSON(g.streams.Out, struct {
				Restored     int    `json:"restored"`
				Conflicts    int    `json:"conflicts"`
				Failed       int    `json:"failed"`
				NotAttempted int    `json:"not_attempted"`
				Journal      string `json:"journal"`
			}{res.Applied, res.Conflicts, res.Failed, res.NotAttempted, res.Journal})
		}
		return writeJSON(g.streams.Out, res)
	}
	bw := bufio.NewWriter(g.streams.Out)
	verb := "applied"
	if f.undo != "" {
		verb = "restored"
	}
	fmt.Fprintf(bw, "%s %d, conflicts %d, failed %d", verb, res.Applied, res.Conflicts, res.Failed)
	if res.NotAttempted > 0 {
		fmt.Fprintf(bw, ", not attempted %d", res.NotAttempted)
	}
	fmt.Fprintln(bw)
	for _, c := range res.Conflicted {
		fmt.Fprintf(bw, "  conflict: %s — found %s, left as it is\n", sanitize.Text(changeLine(s, c.Change)), sanitize.Text(foundText(c)))
	}
	for _, fl := range res.Failures {
		fmt.Fprintf(bw, "  failed: %s — %s\n", sanitize.Text(changeLine(s, fl.Change)), sanitize.Text(fl.Err.Error()))
	}
	if res.Journal != "" {
		fmt.Fprintf(bw, "journal: %s\n", sanitize.Text(res.Journal))
		if f.undo == "" && res.Applied > 0 {
			fmt.Fprintf(bw, "undo with: wsops repair --undo %s\n", sanitize.Text(res.Journal))
		}
	}
	return bw.Flush()
}

// foundText is what a conflicting record held instead.
func foundText(c ops.RepairConflict) string {
	switch {
	case c.Err != nil:
		return "an unknown value (" + c.Err.Error() + ")"
	case c.Current == nil:
		return "no record"
	case c.Change.Op == repairplan.OpSet:
		return repairplan.ValueText(c.Current[c.Change.Attribute])
	}
	rec, _ := json.Marshal(data.PlainItem(c.Current))
	return string(rec)
}
