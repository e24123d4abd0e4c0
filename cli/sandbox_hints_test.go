package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// words splits a command line as a shell would, for the quoting the
// sandbox's hints use ('…' and "…", no escapes).
func words(line string) []string {
	var out []string
	var cur strings.Builder
	quote, in := rune(0), false
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ':
			if in {
				out, in = append(out, cur.String()), false
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// The sandbox's start-up hints name the addresses it really listens on
// (here ports the system chose, a stage and a preset of its own), and the
// commands they give, run as printed, reach this sandbox and no other.
func TestSandboxHintsReachTheSandboxOnItsRealPorts(t *testing.T) {
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config) // no config file: the built-in profile only
	t.Setenv("WSOPS_CONFIG", "")
	t.Setenv("WSOPS_PROFILE", "")
	t.Setenv(SandboxSecretEnv, "")
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var errOut strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- Execute(ctx, []string{"sandbox", "--addr", "127.0.0.1:0", "--mongodb-addr", "127.0.0.1:0", "--preset", "this27", "--stage", "hints"},
			Streams{In: strings.NewReader(""), Out: pw, Err: &errOut})
		pw.Close()
	}()
	var banner []string
	for sc := bufio.NewScanner(pr); sc.Scan(); {
		banner = append(banner, sc.Text())
		if sc.Text() == "Ctrl+C stops the sandbox." {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("sandbox exited %d: %s", code, errOut.String())
		}
	}()
	text := strings.Join(banner, "\n")

	// Every address printed (but those the built-in profile is said to
	// expect) is one a listener of this sandbox holds.
	ports := map[string]bool{}
	for _, l := range banner {
		if strings.HasPrefix(l, "The built-in sandbox profile expects") {
			continue
		}
		for _, m := range regexp.MustCompile(`(?:ws|http|mongodb)://127\.0\.0\.1:(\d+)`).FindAllStringSubmatch(l, -1) {
			ports[m[1]] = true
		}
	}
	if len(ports) != 2 || ports["0"] || ports["8787"] || ports["8788"] || ports["27017"] {
		t.Fatalf("ports %v in the hints, want the two the system chose:\n%s", ports, text)
	}
	for port := range ports {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if err != nil {
			t.Fatalf("nothing listens on port %s, which the hints name: %v", port, err)
		}
		c.Close()
	}

	// The profile the hints give goes into the config file, as an operator would put it.
	var profile []string
	for i, l := range banner {
		if strings.HasPrefix(l, "  [profiles.") {
			for _, p := range banner[i:] {
				if p == "" {
					break
				}
				profile = append(profile, strings.TrimPrefix(p, "  "))
			}
			break
		}
	}
	if len(profile) == 0 { // the hints' commands are tried as they are: they must fail below
		t.Errorf("the hints give no profile for this sandbox, away from the built-in profile's addresses:\n%s", text)
	}
	if err := os.MkdirAll(filepath.Join(config, "wsops"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(config, "wsops", "config.toml"), []byte(strings.Join(profile, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// wscat's URL with the token the hint mints (for a user of this test's
	// own): the client stays connected while the fleet is listed.
	m := regexp.MustCompile(`wscat -c "([^?"]+)\?token=\$\((wsops token [^)]*)\)&platform=(\w+)"`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no wscat hint:\n%s", text)
	}
	user := fmt.Sprintf("hint-%d", time.Now().UnixNano())
	args := words(strings.Replace(m[2], "--user u-1", "--user "+user, 1))[1:]
	token, errText, code := run(t, args...)
	if code != 0 {
		t.Fatalf("%s: exit %d: %s", m[2], code, errText)
	}
	dial, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	ws, _, err := websocket.Dial(dial, m[1]+"?"+url.Values{"token": {strings.TrimSpace(token)}, "platform": {m[3]}}.Encode(), nil)
	if err != nil {
		t.Fatalf("wscat's URL %s: %v", m[1], err)
	}
	defer ws.CloseNow()

	ran := 0
	for _, l := range banner {
		if !strings.HasPrefix(l, "  wsops ") {
			continue
		}
		args := words(l)[1:]
		want := ""
		switch args[0] {
		case "conns":
			args, want = append(args, "--user", user, "-o", "jsonl"), `"user":"`+user+`"`
		case "connect":
			want = "< "
		case "logs": // the API's recent lines: the hint client's $connect among them
			want = "$connect"
		}
		out, errText, code := run(t, args...)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d, %q %q; want %q", l, code, out, errText, want)
		}
		if args[0] == "conns" {
			var row struct{ User, App string }
			if err := json.Unmarshal([]byte(out), &row); err != nil || strings.Count(out, "\n") != 1 || row.App != "customer-app" {
				t.Errorf("%s: %q, want this sandbox's one connection of %s (%v)", l, out, user, err)
			}
		}
		ran++
	}
	if ran != 3 {
		t.Errorf("ran %d wsops hints, want connect, conns and logs:\n%s", ran, text)
	}
}
