// Package clientview is the console's :client view: test WebSocket clients in
// tabs, each connected as a chosen user, entity type, app and platform (or
// with the profile's or a pasted token), with a searchable timeline of
// frames, a JSON editor with history and the profile's saved messages, ping
// round trips, the client's own registry record with its problems, and a
// "send me a test broadcast" that posts to the client's own connection and
// times its arrival. The clients live in package wsclient; this view
// re-arms a wait on each one's event channel.
package clientview

import (
	"context"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"wsops/auth"
	"wsops/config"
	"wsops/ops"
	"wsops/ui/styles"
	"wsops/wsclient"
)

// locateTimeout bounds the search for the client's own registry record.
const locateTimeout = 20 * time.Second

// Spec is one client to open: its options and whom it connects as.
type Spec struct {
	Options                         wsclient.Options
	User, App, EntityType, Platform string
	// Source says where the token came from: minted, profile token, pasted token.
	Source string
}

// Identity is what the new-client form asks for. Empty fields take the
// profile's defaults; a Token replaces minting.
type Identity struct {
	User, App, EntityType, Platform, Business string
	Token                                     string
	// Query is extra query parameters, k=v&k2=v2.
	Query string
	// Headers are extra upgrade headers, "K: V; K2: V2".
	Headers string
	// Ping is the ping interval ("" keeps the resolver's, "0" none);
	// Reconnect "yes" reconnects with backoff.
	Ping, Reconnect string
}

// Resolver turns an identity into a Spec: it mints a sandbox token or runs
// the profile's token command, so it may take a while and runs in a command.
type Resolver func(ctx context.Context, id Identity) (Spec, error)

// Deps are what the view works with on one session.
type Deps struct {
	// Ctx bounds every client and call; cancelled when the session ends.
	Ctx     context.Context
	Resolve Resolver
	// Ops finds the client's own record and posts the test broadcast (read-only profiles refuse it).
	Ops      *ops.Ops
	Messages []config.Message
	// Defaults prefill the new-client form.
	Defaults Identity
	Now      func() time.Time
}

// mode is what has the keyboard.
type mode int

const (
	modeTimeline mode = iota
	modeForm
	modeEditor
	modeSearch
	modeSaved
	modeFill
)

// Model is the :client view.
type Model struct {
	st   styles.Styles
	keys KeyMap
	deps Deps

	tabs   []*tab
	cur    int
	nextID int
	mode   mode
	pretty bool

	form    form
	fill    form // placeholders of a saved message
	fillFor config.Message
	editor  textarea.Model
	search  textinput.Model
	query   string // the applied search
	saved   int    // cursor in the saved messages
	history []string
	histPos int

	width, height int
	status        string
	statusErr     bool
}

// New returns the view with no clients yet.
func New(st styles.Styles, deps Deps) Model {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	ed := textarea.New()
	ed.CharLimit = 0
	ed.MaxHeight = 0
	ed.ShowLineNumbers = false
	ed.Placeholder = "(a JSON message; m picks a saved one)"
	ed.FocusedStyle.Text, ed.BlurredStyle.Text = st.Input, st.Muted
	ed.FocusedStyle.CursorLine = st.Input
	ed.FocusedStyle.Placeholder, ed.BlurredStyle.Placeholder = st.Placeholder, st.Placeholder
	ed.FocusedStyle.Prompt, ed.BlurredStyle.Prompt = st.Muted, st.Muted
	ed.SetHeight(editorHeight)
	ed.Blur()
	s := textinput.New()
	s.Prompt = "search: "
	s.PromptStyle, s.TextStyle = st.Muted, st.Input
	return Model{st: st, keys: DefaultKeyMap(), deps: deps, editor: ed, search: s, nextID: 1}
}

// Close disconnects every client and forgets the tabs.
func (m *Model) Close() {
	for _, t := range m.tabs {
		t.c.Disconnect()
	}
	m.tabs, m.cur, m.mode = nil, 0, modeTimeline
}

// Capturing reports whether the view takes every key (a form, the editor
// or the search is open), so that the console's own keys do not fire.
func (m Model) Capturing() bool { return m.mode != modeTimeline }

// Tabs is the number of clients.
func (m Model) Tabs() int { return len(m.tabs) }

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.editor.SetWidth(max(10, w-2))
	m.search.Width = max(10, w-12)
	m.form.setWidth(w)
	m.fill.setWidth(w)
}

// KeyMap returns the keys of what has the focus, for help.
func (m Model) KeyMap() []key.Binding {
	switch m.mode {
	case modeEditor:
		return m.keys.editorKeys()
	case modeForm, modeFill, modeSaved, modeSearch:
		return m.keys.formKeys()
	}
	return m.keys.timelineKeys()
}

// Open starts a client for id (parsed from :client ARGS), or shows the
// new-client form when id is nil.
func (m *Model) Open(id *Identity) tea.Cmd {
	if id == nil {
		m.mode = modeForm
		return m.form.open(m.deps.Defaults, m.st)
	}
	return resolveCmd(m.deps.Ctx, m.deps.Resolve, *id)
}

// ParseIdentity reads "user=U,app=A,entity=E,platform=P,business=B,token=T"
// (commas or spaces between pairs).
func ParseIdentity(s string) (Identity, error) {
	var id Identity
	var c auth.Claims
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return id, errIdentity(part)
		}
		switch k {
		case "token":
			id.Token = v
		case "ping":
			id.Ping = v
		case "reconnect":
			id.Reconnect = v
		default:
			if !c.SetClaim(k, v) {
				return id, errIdentity(part)
			}
		}
	}
	id.User, id.App, id.EntityType, id.Platform, id.Business = c.User, c.App, c.EntityType, c.Platform, c.BusinessID
	return id, nil
}

type identityError string

func (e identityError) Error() string {
	return "client: " + string(e) + ": want user=U,app=A,entity=E,platform=P (business=B, token=T, ping=5s, reconnect=yes)"
}

func errIdentity(part string) error { return identityError(part) }

// current is the tab shown, or nil.
func (m Model) current() *tab {
	if len(m.tabs) == 0 {
		return nil
	}
	return m.tabs[m.cur]
}

func (m *Model) setStatus(s string, isErr bool) { m.status, m.statusErr = s, isErr }
