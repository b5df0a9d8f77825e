package agent

import (
	"errors"
	"strings"
	"testing"
	"time"

	"dialtone/auth"
	"dialtone/auth/authtest"
	"dialtone/dialer"
	"dialtone/internal/idp"
	"dialtone/internal/keyring"
	"dialtone/internal/keyring/keyringtest"
	"dialtone/internal/session"
)

// storeFixture is the real session store over a FakeOP whose access tokens live one second, an in-memory keyring
// and a config folder in t.TempDir(), with an agent signed in on it.
type storeFixture struct {
	op      *authtest.FakeOP
	store   *session.Store
	newView func() *session.Store // another process's view of the same keyring and folder
	browser *fakeBrowser
	agent   *Agent
	signed  *session.Session
}

func newStoreFixture(t *testing.T) *storeFixture {
	t.Helper()
	op := authtest.NewFakeOP(t)
	op.TokenResp = func(r map[string]any) { r["expires_in"] = 1 }
	op.Disc = func(d map[string]any) { d["end_session_endpoint"] = op.Issuer + "/logout" }
	keys := &keyring.Store{Service: "dialtone-test", Backend: &keyringtest.Memory{}}
	folder := &session.Folder{Dir: t.TempDir()}
	newView := func() *session.Store {
		client := auth.NewClient(auth.Config{Browser: &authtest.FollowBrowser{}, Timeout: 10 * time.Second, HTTPClient: idp.NewHTTPClient(0)})
		return session.NewStore(client, keys, folder)
	}
	f := &storeFixture{op: op, store: newView(), newView: newView, browser: &fakeBrowser{}}
	s, err := f.store.Login(t.Context(), session.LoginRequest{LoginRequest: auth.LoginRequest{Provider: op.Provider(), Email: "agent@acme.test"}})
	if err != nil || s.KeyringErr != nil {
		t.Fatalf("Login = %v (keyring: %v)", err, s.KeyringErr)
	}
	f.signed = s
	f.agent = New(f.store, nil, f.browser, nil)
	t.Cleanup(f.agent.End)
	return f
}

func TestWithSessionStoreRenewsThenReportsTheEnd(t *testing.T) {
	f := newStoreFixture(t)
	got := make(reports, 4)
	if u := f.agent.Begin(f.signed, got.report); u.Presence.State != dialer.Online || u.KeyringErr != nil {
		t.Fatalf("Begin = %+v, want Online with the session in the keyring", u)
	}

	if u := got.next(t); u.Presence.State != dialer.Online || u.Ended != nil {
		t.Fatalf("first report = %+v, want the session renewed", u)
	}
	if n := f.op.Count("/token"); n < 2 {
		t.Errorf("%d token requests, want the login's and a refresh", n)
	}
	f.op.RevokeAll()
	u := got.next(t)
	if !errors.Is(u.Ended, session.ErrLoginRequired) || u.Presence.State != dialer.SignedOut {
		t.Errorf("after revocation reported %+v, want the session ended", u)
	}
}

func TestWithSessionStoreSignsOutEverywhere(t *testing.T) {
	f := newStoreFixture(t)
	f.agent.Begin(f.signed, make(reports, 4).report)

	r, err := f.agent.SignOut(t.Context(), true)
	if err != nil || !r.Revoked || r.OpenErr != nil {
		t.Fatalf("SignOut = %+v, %v; want revoked and the end-session page open", r, err)
	}
	if len(f.browser.opened) != 1 || !strings.HasPrefix(f.browser.opened[0], f.op.Issuer+"/logout?") {
		t.Errorf("opened %q, want the provider's end-session page", f.browser.opened)
	}
	if len(f.op.Revoked) != 1 {
		t.Errorf("%d tokens revoked, want the refresh token", len(f.op.Revoked))
	}
	if _, err := f.newView().Resume(t.Context()); !errors.Is(err, session.ErrLoginRequired) {
		t.Errorf("Resume after SignOut = %v, want ErrLoginRequired", err)
	}
}
