package logs

import (
	"strings"

	"wsops/secret"
)

// parseExecution reads an execution line: "(requestId) message".
func parseExecution(l *Line) {
	rest, ok := strings.CutPrefix(l.Message, "(")
	if !ok {
		return
	}
	if id, _, ok := strings.Cut(rest, ")"); ok && id != "" && !strings.ContainsAny(id, " \t") {
		l.RequestID = id
	}
}

// parseHandler reads a Lambda line: START / END / REPORT RequestId: ID …,
// a runtime's "TIME\tID\tLEVEL\tmessage" (Node.js, Python's logging), or
// the runtime's "TIME ID Task timed out after 29.03 seconds".
func parseHandler(l *Line) {
	msg := l.Message
	for _, prefix := range []string{"START RequestId: ", "END RequestId: ", "REPORT RequestId: "} {
		if rest, ok := strings.CutPrefix(msg, prefix); ok {
			l.RequestID, _, _ = strings.Cut(strings.TrimSpace(rest), " ")
			l.RequestID = strings.TrimSpace(strings.SplitN(l.RequestID, "\t", 2)[0])
			return
		}
	}
	fields := strings.SplitN(msg, "\t", 4)
	if len(fields) >= 3 && secret.IsUUID(fields[1]) {
		l.RequestID = fields[1]
		return
	}
	if fields = strings.SplitN(msg, " ", 3); len(fields) == 3 && secret.IsUUID(fields[1]) && strings.HasPrefix(fields[2], "Task timed out") {
		l.RequestID = fields[1]
	}
}
