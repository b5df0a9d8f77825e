package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The hostile-provider cases beyond TestLoginRefusesHostileAnswers: those
// that need timing, a second server, or a session in the cache.

func TestTokenEndpointThatHangsIsBounded(t *testing.T) {
	op := newFakeOP(t)
	release := make(chan struct{})
	defer close(release)
	op.token = func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	hc := DefaultHTTPClient()
	hc.Timeout = 500 * time.Millisecond
	c := NewClient(Config{Browser: &followBrowser{}, Timeout: time.Minute, HTTPClient: hc})
	_, err := c.Login(t.Context(), LoginRequest{Provider: op.provider(), Email: "agent@acme.test"})
	if !isNetwork(err) {
		t.Fatalf("Login against a hanging token endpoint = %v, want a *NetworkError after the request timeout", err)
	}
}

func TestDiscoveryRedirectToAnotherHostRefused(t *testing.T) {
	op := newFakeOP(t)
	// Same loopback address, another spelling: another host to an HTTP client.
	elsewhere := strings.Replace(op.issuer, "127.0.0.1", "localhost", 1)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere+r.URL.Path, http.StatusFound)
	}))
	defer front.Close()
	p := Provider{ID: "x", Type: TypeOIDC, Issuer: front.URL, ClientID: op.clientID}
	_, err := newTestClient(&followBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
	if !isConfig("issuer", "redirects to another host")(err) {
		t.Fatalf("Login through a redirecting discovery URL = %v, want a *ConfigError", err)
	}
}

func TestResumeRefetchesJWKSOnceAfterKeyRotation(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	before := f.op.count("/jwks")
	rotateKey(t, f.op, "k2")
	if _, err := f.newSessions().Resume(t.Context()); err != nil {
		t.Fatalf("Resume after the provider rotated its key: %v", err)
	}
	if got := f.op.count("/jwks") - before; got != 1 {
		t.Errorf("JWKS fetches = %d, want exactly 1", got)
	}
	before = f.op.count("/jwks")
	if _, err := f.newSessions().Resume(t.Context()); err != nil {
		t.Fatalf("second Resume: %v", err)
	}
	if got := f.op.count("/jwks") - before; got != 0 {
		t.Errorf("JWKS fetches with the new key cached = %d, want 0", got)
	}
}

func TestResumeRefusesUnknownKidAfterOneRefetch(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	before := f.op.count("/jwks")
	ghost, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f.op.sign = func(op *fakeOP, c map[string]any) string {
		real, kid := op.key, op.kid
		op.key, op.kid = ghost, "ghost"
		defer func() { op.key, op.kid = real, kid }()
		return op.signRS256(c)
	}
	_, err = f.newSessions().Resume(t.Context())
	if !errors.Is(err, ErrLoginRequired) || !isVerification("signature")(err) {
		t.Fatalf("Resume with a token signed by an unknown key = %v, want a signature failure", err)
	}
	if got := f.op.count("/jwks") - before; got != 1 {
		t.Errorf("JWKS fetches = %d, want exactly 1 refetch", got)
	}
}

// rotateKey makes the provider sign with a new key, publishing only it.
func rotateKey(t *testing.T, op *fakeOP, kid string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	op.mu.Lock()
	defer op.mu.Unlock()
	op.key, op.kid = key, kid
}

func TestLoginWithReadOnlyConfigFolderKeepsSessionForThisRun(t *testing.T) {
	f := newSessionsFixture(t)
	blocker := filepath.Join(t.TempDir(), "not-a-folder")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// A config folder under a regular file cannot be created, even by root.
	s := NewSessions(newTestClient(&followBrowser{}, 10*time.Second), f.keyring, &MetadataStore{Dir: filepath.Join(blocker, "dialtone")})
	got, err := s.Login(t.Context(), LoginRequest{Provider: f.op.provider(), Email: "agent@acme.test"})
	if err != nil {
		t.Fatalf("Login with an unusable config folder = %v, want the session for this run", err)
	}
	if got.StoreErr == nil || got.AccessToken() == "" {
		t.Errorf("session = %v with StoreErr %v, want a working session that says it is not saved", got, got.StoreErr)
	}
}

func TestLoginWithKeyringThatHangsKeepsSessionInMemory(t *testing.T) {
	f := newSessionsFixture(t)
	block := make(chan struct{})
	defer close(block)
	k := &Keyring{Service: "dialtone-test", Timeout: 200 * time.Millisecond, store: &memKeyring{block: block}}
	s := NewSessions(newTestClient(&followBrowser{}, 10*time.Second), k, &MetadataStore{Dir: f.dir})
	got, err := s.Login(t.Context(), LoginRequest{Provider: f.op.provider(), Email: "agent@acme.test"})
	if err != nil {
		t.Fatalf("Login with a hanging keyring = %v, want a session in memory", err)
	}
	var ke *KeyringError
	if !errors.As(got.KeyringErr, &ke) || ke.Problem != KeyringTimedOut {
		t.Fatalf("KeyringErr = %v, want a timed-out *KeyringError", got.KeyringErr)
	}
	if !strings.Contains(Describe(got.KeyringErr), "this session only") {
		t.Errorf("Describe = %q, want it to say the session lasts this run only", Describe(got.KeyringErr))
	}
	assertNotInTree(t, f.dir, got.token.RefreshToken)
	assertNotInTree(t, os.TempDir(), got.token.RefreshToken)
	// The in-memory session still renews itself while the keyring hangs.
	if _, err := s.Refresh(t.Context()); err != nil {
		t.Errorf("Refresh of the in-memory session: %v", err)
	}
}
