package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"wsops/secret"
)

// TokenCommandTimeout bounds a token command; a shorter context deadline wins.
const TokenCommandTimeout = 30 * time.Second

// maxStderrInError is how much of a failed token command's stderr its
// error quotes.
const maxStderrInError = 300

// Token is where a profile's client token comes from: a value (already
// ${env:NAME}-expanded) or a shell command whose standard output is the
// token. At most one of the two is set; neither means no token.
type Token struct {
	Value   string
	Command string
	// ref is a value whose ${env:NAME} was unset when the file was loaded:
	// Resolve expands it then, and fails if it still is, with refAt's file,
	// profile, key and line.
	ref   string
	refAt *Error
}

// Set reports whether the profile names a token (a value, a reference to
// one, or a command).
func (t Token) Set() bool { return t.Value != "" || t.ref != "" || t.Command != "" }

// Resolve returns the token: Value, or the trimmed standard output of
// Command run with `sh -c`, or "" when the profile has no token. The command
// gets TokenCommandTimeout at most. Errors never contain the token: a failed
// command's error quotes its stderr, scrubbed of anything that looks like a
// secret and of anything it also printed on stdout.
func (t Token) Resolve(ctx context.Context) (string, error) {
	if t.ref != "" {
		v, _, err := expandEnv(t.ref)
		if err != nil {
			e := *t.refAt
			e.Msg, e.Err = err.Error(), err
			return "", &e
		}
		return strings.TrimSpace(v), nil
	}
	if t.Command == "" {
		return strings.TrimSpace(t.Value), nil
	}
	ctx, cancel := context.WithTimeout(ctx, TokenCommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", t.Command)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second // do not wait on children that keep the pipes open
	err := cmd.Run()
	if ctx.Err() != nil {
		return "", fmt.Errorf("token command did not finish: %w", ctx.Err())
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			err = errors.New(exit.ProcessState.String())
		}
		if msg := safeStderr(stderr.String(), stdout.String()); msg != "" {
			return "", fmt.Errorf("token command failed: %w: %s", err, msg)
		}
		return "", fmt.Errorf("token command failed: %w", err)
	}
	token := strings.TrimSpace(stdout.String())
	if token == "" {
		return "", errors.New("token command printed nothing on stdout")
	}
	return token, nil
}

// safeStderr returns the last lines of a token command's stderr, fit to
// quote in an error: without any line the command printed on stdout, with
// anything that looks like a secret redacted, on one line and short.
func safeStderr(stderr, stdout string) string {
	for _, line := range strings.Split(stdout, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			stderr = strings.ReplaceAll(stderr, line, "…")
		}
	}
	msg := strings.Join(strings.Fields(secret.Scrub(stderr)), " ")
	if len(msg) > maxStderrInError {
		msg = "…" + msg[len(msg)-maxStderrInError:]
	}
	return msg
}

// describe says where the token comes from, for Describe: the value
// redacted, or the command with anything secret-looking redacted.
func (t Token) describe(sandbox bool) string {
	switch {
	case t.Command != "":
		return "command: " + secret.Scrub(t.Command)
	case t.Value != "":
		return "value: " + secret.Redact(t.Value)
	case t.ref != "":
		return "value: " + t.ref + " (not set now: needed when a command uses the token)"
	case sandbox:
		return "minted by the sandbox"
	}
	return "none"
}
