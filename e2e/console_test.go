// Package e2e drives the built wsops binary in a real terminal (tmux) against
// a sandbox, as an operator would use it.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"wsops/data"
	"wsops/internal/testrig"
)

// terminal is one tmux server with one 160×45 window running a command.
type terminal struct {
	t      *testing.T
	socket string
}

func newTerminal(t *testing.T, env []string, argv ...string) *terminal {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is required for the end-to-end console test (apt-get install tmux)")
	}
	term := &terminal{t: t, socket: fmt.Sprintf("wsops-e2e-%d", os.Getpid())}
	args := append([]string{"-L", term.socket, "new-session", "-d", "-s", "e2e", "-x", "160", "-y", "45", "env"}, env...)
	term.run(append(args, argv...)...)
	t.Cleanup(func() { exec.Command("tmux", "-L", term.socket, "kill-server").Run() })
	return term
}

func (term *terminal) run(args ...string) string {
	term.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", term.socket}, args...)...).CombinedOutput()
	if err != nil {
		term.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (term *terminal) screen() string { return term.run("capture-pane", "-p", "-t", "e2e") }

func (term *terminal) keys(keys ...string) {
	term.run(append([]string{"send-keys", "-t", "e2e"}, keys...)...)
}

// waitFor polls the screen until cond holds or the deadline passes, and
// returns how long it took. The deadline is a guard against a hang, never a
// timing assertion: CI runs this next to the race-enabled packages on two
// cores, where a console start or a node process can take seconds.
func (term *terminal) waitFor(what string, limit time.Duration, cond func(screen string) bool) time.Duration {
	term.t.Helper()
	var last string
	took, ok := waitUntil(limit, func() bool { last = term.screen(); return cond(last) })
	if !ok {
		term.t.Fatalf("%s: not within %v; the screen:\n%s", what, limit, last)
	}
	return took
}

// waitLimit bounds each wait for the console's screen.
const waitLimit = 10 * time.Second

// waitUntil polls cond until it holds or limit passes.
func waitUntil(limit time.Duration, cond func() bool) (time.Duration, bool) {
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			return time.Since(start), false
		}
		time.Sleep(50 * time.Millisecond) // the poll interval of an external screen, not a synchronisation
	}
	return time.Since(start), true
}

func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wsops")
	out, err := exec.Command("go", "build", "-o", bin, "wsops").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func portFree(t *testing.T, addr string) {
	t.Helper()
	if answers(addr) {
		t.Fatalf("%s is in use: the console test needs the built-in sandbox addresses free", addr)
	}
}

// builtInConsole runs the built binary's console in a terminal, with a home
// of its own and no config: it starts the built-in sandbox in-process, on
// its addresses, which must be free. env runs other wsops commands (bin)
// against the same sandbox.
func builtInConsole(t *testing.T) (term *terminal, bin string, env []string) {
	t.Helper()
	portFree(t, "127.0.0.1:8787")
	portFree(t, "127.0.0.1:8000")
	bin = build(t)
	home := t.TempDir()
	env = []string{"XDG_CONFIG_HOME=" + home, "XDG_STATE_HOME=" + home, "WSOPS_CONFIG=", "WSOPS_PROFILE=", "HOME=" + home}
	return newTerminal(t, env, bin), bin, env
}

// quit presses q and waits for the console to end (and free the sandbox's
// addresses for the next test).
func (term *terminal) quit() {
	term.t.Helper()
	term.keys("q")
	if _, ok := waitUntil(10*time.Second, func() bool {
		return exec.Command("tmux", "-L", term.socket, "has-session", "-t", "e2e").Run() != nil
	}); !ok {
		term.t.Fatalf("the console did not quit on q:\n%s", term.screen())
	}
}

func TestConsoleOnTheBuiltInSandbox(t *testing.T) {
	term, bin, env := builtInConsole(t)

	took := term.waitFor("the fleet's three apps in the header", waitLimit, func(s string) bool {
		return strings.Contains(s, "drivers") && strings.Contains(s, "customers") && strings.Contains(s, "order-receiver") &&
			strings.Contains(s, "driver ") && strings.Contains(s, "merchant")
	})
	t.Logf("fleet in the header after %v", took)

	// A hostile record: its user id carries OSC 52 and a clear-screen sequence.
	db := testrig.DynamoClient("http://127.0.0.1:8000")
	hostile := data.WizzSchema().EncodeConnection(data.Connection{ID: "EvilEvilEvil123=", User: "x\x1b]52;c;ZXZpbA==\x07\x1b[2Jy",
		App: "drivers", EntityType: "driver", Platform: "ios", ConnectedAt: time.Now()})
	if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("WizzUser_websocket_connections_dev"), Item: hostile}); err != nil {
		t.Fatal(err)
	}
	term.keys("/", "EvilEvil", "Enter")
	term.waitFor("the hostile record, escaped, the screen not cleared", waitLimit, func(s string) bool {
		return strings.Contains(s, `x\x1b]52;c;ZXZpbA==`) && strings.Contains(s, "connections")
	})
	term.keys("Enter")
	term.waitFor("the whole hostile user id in the detail view", waitLimit, func(s string) bool {
		return strings.Contains(s, `x\u001b]52;c;ZXZpbA==\u0007\u001b[2Jy`) && strings.Contains(s, "Live:")
	})
	term.keys("Escape")
	term.waitFor("back on the connections", waitLimit, func(s string) bool { return !strings.Contains(s, "Live:") })

	// An independent client (wscat) connects as user e2e-user.
	token, err := exec.Command("env", append(env, bin, "token", "--user", "e2e-user", "--app", "order-receiver")...).Output()
	if err != nil {
		t.Fatalf("wsops token: %v", err)
	}
	// Escape alone (followed at once by "/" a terminal sends Alt+/): it clears the filter.
	term.keys("Escape")
	term.waitFor("the filter cleared", waitLimit, func(s string) bool { return !strings.Contains(s, "filter:") })
	term.keys("/", "user:e2e-user", "Enter")
	// The breadcrumbs show the filter at once and its row count when its
	// query comes back: until then the count is the whole fleet's (301
	// rows holds "1 rows", 300 rows "0 rows"), so the waits below match the
	// filter and the count together.
	term.waitFor("the user filter applied", waitLimit, func(s string) bool { return strings.Contains(s, "filter: user:e2e-user  0 rows") })
	wscat := exec.Command("node", "../tools/node/node_modules/.bin/wscat", "-c",
		"ws://127.0.0.1:8787/dev?platform=android&token="+strings.TrimSpace(string(token)))
	stdin, _ := wscat.StdinPipe()
	if err := wscat.Start(); err != nil {
		t.Fatalf("wscat: %v", err)
	}
	defer wscat.Process.Kill()
	took = term.waitFor("wscat's connection in the filtered view", waitLimit, func(s string) bool {
		return strings.Contains(s, "filter: user:e2e-user  1 rows")
	})
	t.Logf("wscat's connection appeared after %v", took)

	stdin.Close()
	wscat.Process.Signal(os.Interrupt)
	wscat.Wait()
	// Two refreshes at least: the one after $disconnect keeps the row, faint,
	// as vanished; the next drops it. Each is 1 s or more apart.
	took = term.waitFor("wscat's connection gone from the view", waitLimit, func(s string) bool {
		return strings.Contains(s, "filter: user:e2e-user  0 rows")
	})
	t.Logf("wscat's connection disappeared after %v", took)

	term.quit()
}
