package stagelog

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"wsops/sandbox/control"
	"wsops/sandbox/gateway"
)

// idleRetirement is how long an idle execution environment stays warm.
const idleRetirement = 10 * time.Minute

// maxIdle bounds the warm environments kept per function.
const maxIdle = 64

// function is one Lambda function: its log group and its execution
// environments (one log stream each).
type function struct {
	name, arn, group string

	mu   sync.Mutex
	idle []*environment // warm, the most recently used last
}

// environment is one execution environment of a function.
type environment struct {
	stream    string
	lastUsed  time.Time
	maxMemory int // MB, the REPORT's Max Memory Used
}

func newFunction(name, region string) *function {
	return &function{
		name: name, group: "/aws/lambda/" + name,
		arn: fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, control.AccountID, name),
	}
}

// acquire takes the warm environment used last, or starts a new one (a
// new log stream) when none is warm.
func (f *function) acquire(now time.Time) *environment {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.idle) > 0 {
		env := f.idle[len(f.idle)-1]
		f.idle = f.idle[:len(f.idle)-1]
		if now.Sub(env.lastUsed) < idleRetirement {
			return env
		}
		f.idle = f.idle[:0] // older ones idled longer still: all retired
	}
	var id [16]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails
	return &environment{
		stream:    now.UTC().Format("2006/01/02") + "/[$LATEST]" + hex.EncodeToString(id[:]),
		maxMemory: 72 + int(id[0]%24),
	}
}

// release puts env back among the warm ones.
func (f *function) release(env *environment, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	env.lastUsed = now
	if len(f.idle) == maxIdle {
		f.idle = append(f.idle[:0], f.idle[1:]...)
	}
	f.idle = append(f.idle, env)
}

// report is the invocation's REPORT line, with its measured duration.
func report(r *gateway.Request, memorySize int, env *environment) string {
	ms := float64(r.Integration.Nanoseconds()) / 1e6
	billed := max(1, int(math.Ceil(ms)))
	return fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		r.IntegrationRequestID, ms, billed, memorySize, env.maxMemory)
}

// handlerLines are the handler's own lines for r, as the Node.js runtime
// writes console output ("TIME\tREQUEST_ID\tLEVEL\tmessage"): what the
// handler did, read from what it returned.
func handlerLines(r *gateway.Request, now time.Time) []string {
	id := r.IntegrationRequestID
	line := func(level, format string, args ...any) string {
		return now.UTC().Format("2006-01-02T15:04:05.000Z") + "\t" + id + "\t" + level + "\t" + fmt.Sprintf(format, args...)
	}
	conn := r.Conn.ID
	if r.TimedOut {
		// The runtime's own line, not the handler's.
		return []string{fmt.Sprintf("%s %s Task timed out after %.2f seconds", now.UTC().Format("2006-01-02T15:04:05.000Z"), id, r.Integration.Seconds())}
	}
	switch r.EventType {
	case gateway.EventConnect:
		var rejection *gateway.Rejection
		switch {
		case r.Err == nil && r.Auth != nil:
			return []string{line("INFO", "connected connectionId=%s %v", conn, r.Auth)}
		case r.Err == nil:
			return []string{line("INFO", "connected connectionId=%s", conn)}
		case errors.As(r.Err, &rejection):
			return []string{line("WARN", "$connect refused connectionId=%s: %d %s", conn, rejection.Status, oneLine(rejection.Body))}
		}
		return []string{invokeError(line, r.Err)}
	case gateway.EventDisconnect:
		return []string{line("INFO", "disconnected connectionId=%s", conn)}
	}
	if r.Err != nil {
		return []string{invokeError(line, r.Err)}
	}
	return []string{replyLine(line, r.RouteKey, conn, r.Reply)}
}

// invokeError is the runtime's line for a handler that threw.
func invokeError(line func(level, format string, args ...any) string, err error) string {
	detail, _ := json.Marshal(struct {
		ErrorType    string   `json:"errorType"`
		ErrorMessage string   `json:"errorMessage"`
		Stack        []string `json:"stack"`
	}{"Error", oneLine(err.Error()), []string{"Error: " + oneLine(err.Error())}})
	return line("ERROR", "Invoke Error \t%s", detail)
}

// replyLine is the handler's line for a message it answered with reply.
func replyLine(line func(level, format string, args ...any) string, route, conn string, reply []byte) string {
	var m struct {
		Type    string `json:"type"`
		Topic   string `json:"topic"`
		Message string `json:"message"`
		Data    struct {
			Room string `json:"room"`
		} `json:"data"`
	}
	if len(reply) == 0 || json.Unmarshal(reply, &m) != nil || m.Type == "" {
		return line("INFO", "%s handled connectionId=%s", route, conn)
	}
	topic := m.Topic + m.Data.Room
	switch {
	case m.Type == "error":
		return line("ERROR", "%s failed connectionId=%s: %s", route, conn, oneLine(m.Message))
	case m.Type == "unsubscribed" && strings.HasPrefix(topic, "business_status#"):
		return line("INFO", "toggled %s isActive=false connectionId=%s", topic, conn)
	case m.Type == "subscribed" && strings.HasPrefix(topic, "business_status#"):
		return line("INFO", "subscribed %s isActive=true connectionId=%s", topic, conn)
	case topic != "":
		return line("INFO", "%s %s connectionId=%s", m.Type, topic, conn)
	case m.Type == "heartbeat_ack":
		return line("INFO", "heartbeat connectionId=%s", conn)
	case m.Type == "pong":
		return line("INFO", "ping connectionId=%s", conn)
	}
	return line("INFO", "%s answered %s connectionId=%s", route, m.Type, conn)
}
