package ops

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Place is where an Ops' calls go, as a journal records it: a resume or an
// undo of a journal is refused anywhere else.
type Place struct {
	// Management is the management API's URL.
	Management string `json:"management"`
	// WebSocket is the stage's wss URL (not compared: the management URL is
	// where the calls go).
	WebSocket string `json:"websocket,omitempty"`
	// Registry names the registry's endpoint: its URL, or the AWS region.
	Registry string `json:"registry"`
	// Tables are the registry's tables.
	Tables []string `json:"tables"`
}

// String is the place in words.
func (p Place) String() string {
	return fmt.Sprintf("management %s, registry %s (%s)", p.Management, p.Registry, strings.Join(p.Tables, ", "))
}

// belongs refuses, audited, a journal written on another profile or for
// another place, or one an undo reversed.
func (o *Ops) belongs(ctx context.Context, path string, h header, l *ledger) error {
	here := o.place
	var err error
	switch {
	case h.Profile != o.policy.Profile:
		err = fmt.Errorf("journal %s was written on profile %s, not %s: %w", path, h.Profile, o.policy.Profile, ErrForeignJournal)
	case h.Place.Management != here.Management || h.Place.Registry != here.Registry || !slices.Equal(h.Place.Tables, here.Tables):
		err = fmt.Errorf("journal %s acted on %s; profile %s points at %s: %w", path, h.Place, o.policy.Profile, here, ErrForeignJournal)
	case l.undoneBy != "":
		err = fmt.Errorf("journal %s was undone by %s (resume or undo that one instead): %w", path, l.undoneBy, ErrForeignJournal)
	default:
		return nil
	}
	return o.refuse(ctx, Plan{Action: h.Action, Filter: "journal " + path}, err)
}

// rightEndpoint refuses, audited, a management action whose management URL
// is plainly another API's or stage's than the WebSocket URL's.
func (o *Ops) rightEndpoint(ctx context.Context, action, filter string) error {
	why := o.place.mismatch()
	if why == "" {
		return nil
	}
	return o.refuse(ctx, Plan{Action: action, Filter: filter},
		fmt.Errorf("%s: %w: %s; check management_url", action, ErrWrongEndpoint, why))
}

// apiID is the API id of an execute-api URL ("abc123" of
// https://abc123.execute-api.eu-west-1.amazonaws.com/dev) and its stage;
// ok is false for any other URL (a custom domain, a sandbox).
func apiID(raw string) (id, stage string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", false
	}
	id, rest, found := strings.Cut(u.Hostname(), ".")
	if !found || !strings.HasPrefix(rest, "execute-api.") {
		return "", "", false
	}
	stage, _, _ = strings.Cut(strings.Trim(u.Path, "/"), "/")
	return id, stage, true
}

// mismatch says why the management URL cannot be the WebSocket URL's API's
// ("" when nothing says so).
func (p Place) mismatch() string {
	mID, mStage, mOK := apiID(p.Management)
	wID, wStage, wOK := apiID(p.WebSocket)
	switch {
	case !mOK || !wOK:
		return ""
	case mID != wID:
		return fmt.Sprintf("the management URL is API %s's, the WebSocket URL API %s's", mID, wID)
	case mStage != wStage:
		return fmt.Sprintf("the management URL is stage %q's, the WebSocket URL stage %q's", mStage, wStage)
	}
	return ""
}
