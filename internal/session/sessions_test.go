package session

import (
	"context"
	"dialtone/auth"
	"dialtone/auth/authtest"
	"dialtone/internal/idp"
	"dialtone/internal/keyring"
	"dialtone/internal/keyring/keyringtest"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sessionsFixture is a fake OP plus Store over an in-memory keyring
// (keyringtest.Memory, not go-keyring's global mock, which would also replace the
// real Secret Service for the real-keyring tests in this binary) and a
// metadata directory in t.TempDir(). The real Secret Service is exercised
// by the keyring tests and realop_test.go.
type sessionsFixture struct {
	op       *authtest.FakeOP
	dir      string
	keyring  *keyring.Store
	sessions *Store
}

func newSessionsFixture(t *testing.T) *sessionsFixture {
	t.Helper()
	f := &sessionsFixture{op: authtest.NewFakeOP(t), dir: t.TempDir(), keyring: &keyring.Store{Service: "dialtone-test", Backend: &keyringtest.Memory{}}}
	f.sessions = f.newSessions()
	return f
}

// newSessions is another Dialtone process's view of the same stores, as
// if that process started now.
func (f *sessionsFixture) newSessions() *Store {
	s := NewStore(testClient(&authtest.FollowBrowser{}), f.keyring, &Folder{Dir: f.dir})
	s.born = time.Now()
	return s
}

// testClient is a sign-in engine with the browser b and a 10 s wait.
func testClient(b auth.Browser) *auth.Client {
	return auth.NewClient(auth.Config{Browser: b, Timeout: 10 * time.Second, HTTPClient: idp.NewHTTPClient(0)})
}

// isVerification reports whether err is a failed check named check.
func isVerification(err error, check string) bool {
	var ve *auth.VerificationError
	return errors.As(err, &ve) && ve.Check == check
}

func (f *sessionsFixture) login(t *testing.T) *Session {
	t.Helper()
	s, err := f.sessions.Login(t.Context(), LoginRequest{LoginRequest: auth.LoginRequest{Provider: f.op.Provider(), Email: "agent@acme.test"}})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if s.KeyringErr != nil {
		t.Fatalf("Login stored nothing: %v", s.KeyringErr)
	}
	return s
}

// storedToken is the refresh token the keyring holds for the session, or "".
func (f *sessionsFixture) storedToken(t *testing.T) string {
	t.Helper()
	v, err := f.keyring.Get(t.Context(), SecretKey(f.op.Issuer, f.op.ClientID, "user-1"))
	if errors.Is(err, keyring.ErrNoSecret) {
		return ""
	}
	if err != nil {
		t.Fatalf("keyring: %v", err)
	}
	st, err := decodeStored(v)
	if err != nil {
		t.Fatalf("keyring item: %v", err)
	}
	if st.Issuer != f.op.Issuer {
		t.Errorf("the keyring item names issuer %q, want %q", st.Issuer, f.op.Issuer)
	}
	return st.RefreshToken
}

func TestSessionsLoginStoresTokenOnlyInKeyring(t *testing.T) {
	f := newSessionsFixture(t)
	s := f.login(t)
	rt := f.storedToken(t)
	if rt == "" || rt != s.RefreshToken() {
		t.Fatalf("keyring holds %q, want the session's refresh token", rt)
	}
	for _, secret := range []string{rt, s.AccessToken(), s.IDToken()} {
		assertNotInTree(t, f.dir, secret)
	}
	meta, err := (&Folder{Dir: f.dir}).Load()
	if err != nil || meta.Session == nil || meta.Session.Subject != "user-1" || meta.LastEmail != "agent@acme.test" {
		t.Errorf("metadata = %+v, %v; want the session of user-1", meta, err)
	}
}

// assertNotInTree fails when secret appears in any regular file below dir
// (files it cannot read, and files over 16 MiB, are passed over).
func assertNotInTree(t *testing.T, dir, secret string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err != nil || info.Size() > 16<<20 {
			return nil
		}
		data, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(data), secret) {
			t.Errorf("%s contains a secret", path)
		}
		return nil
	})
}

func TestSessionsResumeMakesOneRequestAndStoresRotation(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	before := f.storedToken(t)
	hits := f.op.Count("/.well-known/openid-configuration") + f.op.Count("/jwks") + f.op.Count("/userinfo")
	tokenHits := f.op.Count("/token")

	s, err := f.newSessions().Resume(t.Context())
	if err != nil {
		t.Fatalf("Resume: %v", err)
	}
	if s.Email != "agent@acme.test" || s.AccessToken() == "" {
		t.Errorf("resumed session = %v, want agent@acme.test with an access token", s)
	}
	if got := f.op.Count("/token") - tokenHits; got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}
	if got := f.op.Count("/.well-known/openid-configuration") + f.op.Count("/jwks") + f.op.Count("/userinfo"); got != hits {
		t.Errorf("other requests during Resume = %d, want 0 (warm cache)", got-hits)
	}
	if after := f.storedToken(t); after == before || after == "" {
		t.Errorf("stored refresh token not rotated (before == after: %v)", after == before)
	}
}

func TestSessionsResumeAcceptsRefreshWithoutIDToken(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	f.op.TokenResp = func(r map[string]any) { delete(r, "id_token") }
	if _, err := f.newSessions().Resume(t.Context()); err != nil {
		t.Fatalf("Resume without an ID token: %v", err)
	}
}

func TestSessionsResumeRefusesAnotherSubject(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	f.op.Claims = func(c map[string]any) { c["sub"] = "user-2" }
	_, err := f.newSessions().Resume(t.Context())
	if !errors.Is(err, ErrLoginRequired) || f.storedToken(t) != "" {
		t.Fatalf("Resume with another sub = %v (token kept: %v), want ErrLoginRequired and the token deleted", err, f.storedToken(t) != "")
	}
}

func TestSessionsResumeAfterRevocationRequiresLogin(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	f.op.RevokeAll()
	_, err := f.newSessions().Resume(t.Context())
	if !errors.Is(err, ErrLoginRequired) {
		t.Fatalf("Resume after revocation = %v, want ErrLoginRequired", err)
	}
	if f.storedToken(t) != "" {
		t.Error("the refused refresh token is still in the keyring")
	}
	if got := f.newSessions().LastEmail(); got != "agent@acme.test" {
		t.Errorf("LastEmail = %q, want the email kept for the email screen", got)
	}
}

func TestSessionsResumeOfflineKeepsToken(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	before := f.storedToken(t)
	f.op.Server.Close()
	_, err := f.newSessions().Resume(t.Context())
	var ne *idp.NetworkError
	if !errors.Is(err, ErrOffline) || !errors.As(err, &ne) {
		t.Fatalf("Resume with the provider down = %v, want ErrOffline wrapping a *idp.NetworkError", err)
	}
	if f.storedToken(t) != before {
		t.Error("the refresh token was changed or deleted because the network was down")
	}
}

func TestSessionsTwoProcessesRefreshOnce(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	tokenHits := f.op.Count("/token")
	twoProcessesResume(t, f.newSessions(), f.newSessions())
	if got := f.op.Count("/token") - tokenHits; got != 1 {
		t.Errorf("refresh grants = %d, want exactly 1", got)
	}
}

// twoProcessesResume runs Resume in a and b "started at once": whichever
// refreshes first holds its lock until the other is waiting for it, so the
// test does not depend on the scheduler. Both must end signed in.
func twoProcessesResume(t *testing.T, a, b *Store) {
	t.Helper()
	waiting := []chan struct{}{make(chan struct{}), make(chan struct{})}
	procs := []*Store{a, b}
	for i, p := range procs {
		p.waiting = func() { close(waiting[i]) }
		p.crashPoint = func(stage string) {
			if stage == "refreshed" {
				<-waiting[1-i] // the other process is now waiting for the lock
			}
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, p := range procs {
		wg.Go(func() { _, errs[i] = p.Resume(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("process %d: Resume = %v, want signed in", i, err)
		}
	}
}

func TestSessionsLogoutRevokesAndForgets(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	rt := f.storedToken(t)
	res, err := f.sessions.Logout(t.Context(), false)
	if err != nil || !res.Revoked {
		t.Fatalf("Logout = %+v, %v; want revoked", res, err)
	}
	if len(f.op.Revoked) != 1 || f.op.Revoked[0] != rt {
		t.Error("the provider was not asked to revoke the stored refresh token")
	}
	if f.storedToken(t) != "" {
		t.Error("the keyring still holds the refresh token")
	}
	if _, err := f.newSessions().Resume(t.Context()); !errors.Is(err, ErrLoginRequired) {
		t.Errorf("Resume after logout = %v, want ErrLoginRequired", err)
	}
}

func TestSessionsLogoutSucceedsLocallyWhenRevocationFails(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	f.op.Server.Close()
	res, err := f.sessions.Logout(t.Context(), false)
	if err != nil || res.Revoked || res.RevokeErr == nil {
		t.Fatalf("Logout with the provider down = %+v, %v; want local success and RevokeErr set", res, err)
	}
	if f.storedToken(t) != "" {
		t.Error("the keyring still holds the refresh token")
	}
}

func TestKeepAliveReportsReconnectingThenOnline(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	f.op.TokenResp = func(r map[string]any) { r["expires_in"] = 1 }
	var down atomic.Bool
	down.Store(true)
	f.op.Token = func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		f.op.DefaultToken(w, r)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	statuses := make(chan Status, 10)
	f.sessions.current.ExpiresAt = time.Now() // due now
	go f.sessions.KeepAlive(ctx, func(s Status) { statuses <- s })
	first := <-statuses
	if first.Ended() || !errors.Is(first.Err, ErrOffline) || first.NextRetry.IsZero() {
		t.Fatalf("first status = %+v, want offline with a next retry", first)
	}
	down.Store(false)
	if second := <-statuses; second.Err != nil || second.Session == nil {
		t.Fatalf("second status = %+v, want the session renewed", second)
	}
}

func TestNextBackoffIsCappedWithJitter(t *testing.T) {
	d := time.Duration(0)
	for range 20 {
		d = nextBackoff(d)
		if d < minBackoff*8/10 || d > maxBackoff*12/10 {
			t.Fatalf("backoff %v outside [%v, %v]", d, minBackoff*8/10, maxBackoff*12/10)
		}
	}
	if d < maxBackoff*8/10 {
		t.Errorf("backoff after 20 failures = %v, want about %v", d, maxBackoff)
	}
}

// TestRefreshRateLimitedKeepsTheSession: a token endpoint that answers 429
// without an OAuth error (a proxy's or a gateway's rate limit) is "offline,
// retrying", never "sign in again": the token is kept and works afterwards.
func TestRefreshRateLimitedKeepsTheSession(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	var busy atomic.Bool
	busy.Store(true)
	f.op.Token = func(w http.ResponseWriter, r *http.Request) {
		if busy.Load() {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
			return
		}
		f.op.DefaultToken(w, r)
	}
	if _, err := f.newSessions().Resume(t.Context()); !errors.Is(err, ErrOffline) {
		t.Fatalf("Resume while rate limited = %v, want ErrOffline", err)
	}
	busy.Store(false)
	if _, err := f.newSessions().Resume(t.Context()); err != nil {
		t.Fatalf("Resume after the rate limit = %v, want the session", err)
	}
}
