package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"wsops/config"
	"wsops/sanitize"
	"wsops/wsclient"
)

// defaultScriptTimeout bounds a scripted run (--send or --expect) with no --timeout.
const defaultScriptTimeout = 10 * time.Second

// connectFlags are wsops connect's flags.
type connectFlags struct {
	url, token, as string
	query, headers []string
	sends          []string
	expect         string
	timeout, ping  time.Duration
	reconnect      bool
	verify         bool
}

func newConnectCmd(g *globals) *cobra.Command {
	var f connectFlags
	cmd := &cobra.Command{
		Use:   "connect",
		Short: "Open the WebSocket endpoint as a test client (wscat-like, or scripted for smoke tests)",
		Long: `Open the profile's WebSocket URL as a test client. Interactive: every line on
stdin is sent as one message; sent messages print as "> MSG", received ones as
"< MSG", one per line on stdout; states (connected, closed with code and reason,
rejected with the HTTP status) go to stderr.

Scripted: --send MSG (repeatable) sends after connecting (stdin is then not
read); --expect TEXT exits 0 on the first received message containing TEXT
and 1 when --timeout (default 10s for scripted runs) passes first. Without
--expect a scripted run prints what arrives until the timeout and exits 0.

--verify checks the round trip: it finds this connection's own record in the
registry (by the client's unique User-Agent, through GetConnection), prints it
with its problems (an entity type wrong for the app, one that differs from the
token's), posts a test broadcast to the connection through the management API
and prints its latency. It fails (exit 1) when the record is missing or has
problems, or the broadcast does not arrive; a read-only profile skips the
broadcast. The broadcast is audited like any send. With --verify alone the run
ends once it is verified.

The token is --token, else --as (sandbox profiles mint one for the user,
entity type, app and platform), else the profile's [token], else (sandbox) one
minted for sandbox-user. Without --expect or --timeout, the end of stdin
closes the connection (code 1000). The URL shown never contains the token in
full. Messages over 128 KB are refused before sending; larger than 32 KB ones
are sent in 32 KB frames, as API Gateway requires.`,
		Example: `  wsops connect --as user=u-1,app=drivers,platform=ios
  wsops connect --send '{"action":"heartbeat"}' --expect heartbeat_ack --timeout 5s
  wsops connect --profile this27 --send '{"action":"subscribeToOrder","data":{"orderId":"o-1"}}' --expect order:o-1
  wsops connect --as user=m-1,app=order-receiver --verify
  wsops connect --token "$TOKEN" --query platform=web -H 'Origin: https://app.example'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runConnect(cmd, g, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.url, "url", "", "WebSocket URL (default: the profile's websocket_url)")
	fl.StringVar(&f.token, "token", "", "token to connect with (sent as the token query parameter)")
	fl.StringVar(&f.as, "as", "", "sandbox profiles: mint a token for user=U,entity=E,app=A,platform=P[,business=B]")
	fl.StringArrayVar(&f.query, "query", nil, "query parameter k=v (repeatable; overrides token and platform)")
	fl.StringArrayVarP(&f.headers, "header", "H", nil, "upgrade header 'K: V' (repeatable)")
	fl.StringArrayVar(&f.sends, "send", nil, "message to send after connecting (repeatable, in order)")
	fl.StringVar(&f.expect, "expect", "", "exit 0 on the first received message containing this text, 1 at the timeout")
	fl.DurationVar(&f.timeout, "timeout", 0, "end after this long (default 10s with --send or --expect, none otherwise)")
	fl.DurationVar(&f.ping, "ping", 0, "send a WebSocket ping this often and report round trips (p50/p99 at the end)")
	fl.BoolVar(&f.reconnect, "reconnect", false, "reconnect with backoff when the connection ends")
	fl.BoolVar(&f.verify, "verify", false, "check the round trip: find this connection's registry record (exit 1 if missing or with problems) and send it a test broadcast through the management API")
	return cmd
}

// connectOptions builds the test client's options from the profile and flags.
func connectOptions(ctx context.Context, p *config.Profile, f connectFlags) (wsclient.Options, identity, error) {
	base := f.url
	if base == "" {
		base = p.WebSocketURL
	}
	if base == "" {
		return wsclient.Options{}, identity{}, usageError(fmt.Errorf("profile %s has no websocket_url: pass --url", p.Name))
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" || u.RawQuery != "" {
		return wsclient.Options{}, identity{}, usageError(errors.New("--url: want a ws:// or wss:// URL without a query (use --query)"))
	}
	id, err := resolveIdentity(ctx, p, f.token, f.as)
	if err != nil {
		return wsclient.Options{}, identity{}, err
	}
	id.claims.Platform = cmpOr(id.claims.Platform, "web")
	q := url.Values{"token": {id.token}, "platform": {id.claims.Platform}}
	for _, kv := range f.query {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return wsclient.Options{}, identity{}, usageError(fmt.Errorf("--query %q: want k=v", kv))
		}
		q.Set(k, v)
	}
	h := http.Header{}
	for _, kv := range f.headers {
		k, v, ok := strings.Cut(kv, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return wsclient.Options{}, identity{}, usageError(fmt.Errorf("-H %q: want 'Name: value'", kv))
		}
		h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return wsclient.Options{URL: base, Query: q, Header: h, Ping: f.ping, Reconnect: f.reconnect}, id, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func runConnect(cmd *cobra.Command, g *globals, f connectFlags) error {
	ctx := cmd.Context()
	out, err := g.format()
	if err != nil {
		return err
	}
	p, err := g.loadProfile()
	if err != nil {
		return err
	}
	if f.url == "" && p.NeedsDiscovery() { // the URL is the API stage's, found at start
		e, err := g.connect(ctx)
		if err != nil {
			return err
		}
		p = e.profile
	}
	if f.timeout < 0 || f.ping < 0 {
		return usageError(errors.New("--timeout and --ping must not be negative"))
	}
	for _, s := range f.sends {
		if len(s) > wsclient.MaxMessage {
			return usageError(fmt.Errorf("--send: %w: %d bytes; API Gateway's limit is %d bytes (128 KB): not sent", wsclient.ErrTooLarge, len(s), wsclient.MaxMessage))
		}
	}
	opt, id, err := connectOptions(ctx, p, f)
	if err != nil {
		return err
	}
	scripted := len(f.sends) > 0 || f.expect != "" || f.verify
	if scripted && f.timeout == 0 {
		f.timeout = defaultScriptTimeout
	}
	c := wsclient.New(opt)
	var v *verifier
	if f.verify {
		a, err := g.prepareAction(cmd, actionFlags{yes: true})
		if err != nil {
			return err
		}
		v = &verifier{ops: a.ops, user: id.claims.User, agent: c.UserAgent(), want: id.claims.EntityType}
	}
	fmt.Fprintf(g.streams.Err, "connecting to %s%s\n", sanitize.Text(c.DisplayURL()), describeIdentity(id))
	c.Start(ctx)
	defer c.Close()
	s := &connectSession{g: g, f: f, c: c, v: v, w: newFrameWriter(g.streams.Out, out)}
	if len(f.sends) == 0 {
		s.lines = readLines(ctx, g.streams.In)
	}
	err = s.loop(ctx)
	if st := c.RTT(); st.N > 0 {
		fmt.Fprintf(g.streams.Err, "rtt p50 %v p99 %v over %d pings\n", roundDur(st.P50), roundDur(st.P99), st.N)
	}
	return errors.Join(err, s.w.flush())
}

// describeIdentity says whom the connection claims to be, for stderr.
func describeIdentity(id identity) string {
	c := id.claims
	if c.User == "" {
		return " (" + id.source + ")"
	}
	var parts []string
	for _, v := range []string{c.App, c.EntityType, c.Platform} {
		if v != "" {
			parts = append(parts, sanitize.Text(v))
		}
	}
	return fmt.Sprintf(" as %s (%s; %s)", sanitize.Text(c.User), strings.Join(parts, ", "), id.source)
}

func roundDur(d time.Duration) time.Duration {
	if d > time.Millisecond {
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// readLines streams stdin's non-empty lines; the channel closes at EOF.
func readLines(ctx context.Context, in io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 2*wsclient.MaxMessage)
		for sc.Scan() {
			line := strings.TrimRight(sc.Text(), "\r")
			if strings.TrimSpace(line) == "" {
				continue
			}
			select {
			case ch <- line:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}
