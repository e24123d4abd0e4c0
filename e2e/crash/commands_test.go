package crash

import (
	"fmt"
	"strconv"
)

// The command lines the matrix runs, in one place: when a flag of the new
// journals lands under another name, this file is the one to change. Every
// command runs with -o json, --yes and stdin not a terminal.

func rateArg(rate int) string { return strconv.Itoa(rate) }

// sendCmd sends {"crash":marker} to the connections target picks
// (--all, or --topic ROOM).
func sendCmd(target []string, marker string, rate int) []string {
	args := append([]string{"send"}, target...)
	return append(args, "--data", fmt.Sprintf(`{"crash":%q}`, marker), "--rate", rateArg(rate), "--yes", "-o", "json")
}

// sendResumeCmd finishes a send from its journal. Targets whose fate a
// crash hid are reported as "unknown" in the JSON output and not posted
// again (the harness never passes --resend-unknown).
func sendResumeCmd(journal string) []string {
	return []string{"send", "--resume", journal, "--yes", "-o", "json"}
}

// logoutCmd logs user out: notice {"crash":marker,...}, then close 1000.
func logoutCmd(user, marker string, rate int) []string {
	return []string{"logout", "--user", user, "--notice", fmt.Sprintf(`{"crash":%q,"type":"force_logout"}`, marker),
		"--rate", rateArg(rate), "--yes", "-o", "json"}
}

// logoutResumeCmd finishes a logout from its journal.
func logoutResumeCmd(journal string) []string {
	return []string{"logout", "--resume", journal, "--yes", "-o", "json"}
}

// repairApplyCmd applies the preset's built-in entity-type rule (wizz:
// order-receiver → merchant; this27: rider-app → rider); rate 0 leaves the rate to wsops (the profile's repair_rps).
func repairApplyCmd(rate int) []string {
	args := []string{"repair", "--apply", "--rule", "entity-type", "--yes", "-o", "json"}
	if rate > 0 {
		args = append(args, "--rate", rateArg(rate))
	}
	return args
}

// repairUndoCmd reverses an applied (or cut-short) repair; rate 0 leaves
// the rate to wsops.
func repairUndoCmd(journal string, rate int) []string {
	args := []string{"repair", "--undo", journal, "--yes", "-o", "json"}
	if rate > 0 {
		args = append(args, "--rate", rateArg(rate))
	}
	return args
}

// repairResumeCmd finishes a repair apply, or an undo, from its journal.
func repairResumeCmd(journal string) []string {
	return []string{"repair", "--resume", journal, "--yes", "-o", "json"}
}

// pruneGrace is below every live record's age, so that live records are
// probed too (0 means wsops's default of 60 s, which would leave them alone).
const pruneGrace = "1ms"

// pruneCmd deletes the records of gone connections.
func pruneCmd(rate int) []string {
	return []string{"prune", "--grace", pruneGrace, "--rate", rateArg(rate), "--yes", "-o", "json"}
}

// pruneResumeCmd finishes a prune from its journal (when the binary has
// prune --resume).
func pruneResumeCmd(journal string) []string {
	return []string{"prune", "--resume", journal, "--yes", "-o", "json"}
}

// pruneUndoCmd restores what a prune deleted (when the binary has prune --undo).
func pruneUndoCmd(journal string) []string {
	return []string{"prune", "--undo", journal, "--yes", "-o", "json"}
}
