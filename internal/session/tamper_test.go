package session

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"dialtone/auth/authtest"
	"dialtone/internal/idp"
)

// TestEditedMetadataCannotRedirectTheToken edits, one at a time, every
// address in the session file that could decide where the refresh token
// goes — each URL of the cached discovery document, the issuer of the
// document, of the provider and of the record — to point at a thief on
// loopback, then signs in silently and signs out. The token must reach
// nobody but the provider that issued it.
func TestEditedMetadataCannotRedirectTheToken(t *testing.T) {
	edits := []struct {
		name     string
		edit     func(meta *Metadata, thief string)
		resumeOK bool // the silent sign-in still works (the document is fetched afresh)
	}{
		{"token_endpoint", editDoc(func(d *idp.Discovery, th string) { d.TokenEndpoint = th + "/token" }), true},
		{"revocation_endpoint", editDoc(func(d *idp.Discovery, th string) { d.RevocationEndpoint = th + "/revoke" }), true},
		{"jwks_uri", editDoc(func(d *idp.Discovery, th string) { d.JWKSURI = th + "/jwks" }), true},
		{"userinfo_endpoint", editDoc(func(d *idp.Discovery, th string) { d.UserinfoEndpoint = th + "/userinfo" }), true},
		{"authorization_endpoint", editDoc(func(d *idp.Discovery, th string) { d.AuthorizationEndpoint = th + "/authorize" }), true},
		{"end_session_endpoint", editDoc(func(d *idp.Discovery, th string) { d.EndSessionEndpoint = th + "/logout" }), true},
		{"the document's issuer", editDoc(func(d *idp.Discovery, th string) { d.Issuer = th }), true},
		{"the provider's issuer", func(m *Metadata, th string) { m.Session.Provider.Issuer = th }, true},
		{"the record's issuer", func(m *Metadata, th string) { m.Session.Issuer, m.Session.Provider.Issuer = th, th }, false},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			f := newSessionsFixture(t)
			f.login(t)
			rt := f.storedToken(t)
			thief := newThief(t)
			folder := &Folder{Dir: f.dir}
			meta, err := folder.Load()
			if err != nil {
				t.Fatal(err)
			}
			// The thief's own discovery document is cached too, as if it were
			// the provider's.
			meta.Discovery[thief.op.Issuer] = *meta.snapshot(f.op.Issuer)
			e.edit(meta, thief.op.Issuer)
			if err := folder.Save(meta); err != nil {
				t.Fatal(err)
			}
			_, err = f.newSessions().Resume(t.Context())
			if e.resumeOK && err != nil {
				t.Errorf("Resume after the edit: %v, want it to work with the document fetched afresh", err)
			}
			if _, err := f.newSessions().Logout(t.Context(), true); err != nil {
				t.Errorf("Logout after the edit: %v", err)
			}
			if got := thief.saw(rt, f.storedToken(t)); got != "" {
				t.Fatalf("the thief received the refresh token: %s", got)
			}
			if n := thief.op.TotalHits(); n != 0 {
				t.Errorf("the thief was asked %d times, want never", n)
			}
		})
	}
}

// editDoc edits the cached discovery document of the session's issuer.
func editDoc(change func(d *idp.Discovery, thief string)) func(*Metadata, string) {
	return func(m *Metadata, thief string) {
		issuer := m.Session.Provider.Issuer
		snap := m.Discovery[issuer]
		change(&snap.Document, thief)
		m.Discovery[issuer] = snap
	}
}

// thief is a provider on loopback that records every form it is sent.
type thief struct {
	op    *authtest.FakeOP
	mu    sync.Mutex
	forms []string
}

func newThief(t *testing.T) *thief {
	th := &thief{op: authtest.NewFakeOP(t)}
	th.op.Token = func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		th.mu.Lock()
		th.forms = append(th.forms, r.PostForm.Encode())
		th.mu.Unlock()
		authtest.TokenError(w, "invalid_grant", "stolen")
	}
	return th
}

// saw returns the form that carried one of the tokens, or "".
func (th *thief) saw(tokens ...string) string {
	th.mu.Lock()
	defer th.mu.Unlock()
	for _, f := range th.forms {
		for _, tok := range tokens {
			if tok != "" && strings.Contains(f, tok) {
				return f
			}
		}
	}
	return ""
}
