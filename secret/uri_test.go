package secret

import (
	"strings"
	"testing"
)

func TestRedactURI(t *testing.T) {
	tests := []struct{ uri, want, password string }{
		{"mongodb+srv://user:hunter2@cluster0.abcde.mongodb.net/this27?retryWrites=true",
			"mongodb+srv://user:****@cluster0.abcde.mongodb.net/this27?retryWrites=true", "hunter2"},
		{"mongodb://ops:p%40ss@h1:27017,h2:27017/db?replicaSet=rs0", "mongodb://ops:****@h1:27017,h2:27017/db?replicaSet=rs0", "p%40ss"},
		// An unescaped "@" or "/" in the password: hidden whole all the same.
		{"mongodb://ops:pa@ss/w@db.internal/this27", "mongodb://ops:****@db.internal/this27", "pa@ss/w"},
		{"mongodb://db.internal:27017/this27", "mongodb://db.internal:27017/this27", ""},
		{"mongodb://onlyuser@db.internal/", "mongodb://onlyuser@db.internal/", ""},
		{"mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:FwoGZXIvYXdz,X:y",
			"mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:****,X:y", ""},
		{"not a uri", "not a uri", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := RedactURI(tt.uri); got != tt.want {
			t.Errorf("RedactURI(%q) = %q, want %q", tt.uri, got, tt.want)
		}
		if got := URIPassword(tt.uri); got != tt.password {
			t.Errorf("URIPassword(%q) = %q, want %q", tt.uri, got, tt.password)
		}
	}
}

func TestScrubHidesURIPasswords(t *testing.T) {
	text := `dial "mongodb://ops:s3cr3t-pw@db:27017/x" failed; retry mongodb+srv://a:b0b@c.net/ and https://example.com/ok`
	want := `dial "mongodb://ops:****@db:27017/x" failed; retry mongodb+srv://a:****@c.net/ and https://example.com/ok`
	if got := ScrubURIs(text); got != want {
		t.Errorf("ScrubURIs:\n got %q\nwant %q", got, want)
	}
	for _, scrub := range []func(string) string{Scrub, ScrubLog} {
		if got := scrub(text); strings.Contains(got, "s3cr3t-pw") || strings.Contains(got, "b0b@") {
			t.Errorf("scrubbed %q still shows a password", got)
		}
	}
	if !ContainsSecret("uri = mongodb://u:pw@h/") || ContainsSecret("uri = mongodb://h/db") {
		t.Error("ContainsSecret does not follow URI passwords")
	}
}

// FuzzRedactURI checks that a redacted URI holds no password but the
// mask, and that redacting it again changes nothing.
func FuzzRedactURI(f *testing.F) {
	for _, seed := range []string{"mongodb://u:p@h/db", "a://:@", "x://u:p@@h", "mongodb://u:p/q?r@h/?AWS_SESSION_TOKEN:t&", "://"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		got := RedactURI(uri)
		if q := URIPassword(got); q != "" && q != URIMask {
			t.Fatalf("RedactURI(%q) = %q still has the password %q", uri, got, q)
		}
		if RedactURI(got) != got {
			t.Fatalf("RedactURI(%q) = %q is not redacted whole: again it gives %q", uri, got, RedactURI(got))
		}
	})
}
