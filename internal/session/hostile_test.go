package session

import (
	"crypto/rand"
	"crypto/rsa"
	"dialtone/auth"
	"dialtone/auth/authtest"
	"dialtone/internal/keyring"
	"dialtone/internal/keyring/keyringtest"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestResumeRefetchesJWKSOnceAfterKeyRotation(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	before := f.op.Count("/jwks")
	rotateKey(t, f.op, "k2")
	if _, err := f.newSessions().Resume(t.Context()); err != nil {
		t.Fatalf("Resume after the provider rotated its key: %v", err)
	}
	if got := f.op.Count("/jwks") - before; got != 1 {
		t.Errorf("JWKS fetches = %d, want exactly 1", got)
	}
	before = f.op.Count("/jwks")
	if _, err := f.newSessions().Resume(t.Context()); err != nil {
		t.Fatalf("second Resume: %v", err)
	}
	if got := f.op.Count("/jwks") - before; got != 0 {
		t.Errorf("JWKS fetches with the new key cached = %d, want 0", got)
	}
}

func TestResumeRefusesUnknownKidAfterOneRefetch(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	before := f.op.Count("/jwks")
	ghost, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f.op.Sign = func(op *authtest.FakeOP, c map[string]any) string {
		real, kid := op.Key, op.KID
		op.Key, op.KID = ghost, "ghost"
		defer func() { op.Key, op.KID = real, kid }()
		return op.SignRS256(c)
	}
	_, err = f.newSessions().Resume(t.Context())
	if !errors.Is(err, ErrLoginRequired) || !isVerification(err, "signature") {
		t.Fatalf("Resume with a token signed by an unknown key = %v, want a signature failure", err)
	}
	if got := f.op.Count("/jwks") - before; got != 1 {
		t.Errorf("JWKS fetches = %d, want exactly 1 refetch", got)
	}
}

// rotateKey makes the provider sign with a new key, publishing only it.
func rotateKey(t *testing.T, op *authtest.FakeOP, kid string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	op.Mu.Lock()
	defer op.Mu.Unlock()
	op.Key, op.KID = key, kid
}

func TestLoginWithReadOnlyConfigFolderKeepsSessionForThisRun(t *testing.T) {
	f := newSessionsFixture(t)
	blocker := filepath.Join(t.TempDir(), "not-a-folder")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// A config folder under a regular file cannot be created, even by root.
	s := NewStore(testClient(&authtest.FollowBrowser{}), f.keyring, &Folder{Dir: filepath.Join(blocker, "dialtone")})
	got, err := s.Login(t.Context(), LoginRequest{LoginRequest: auth.LoginRequest{Provider: f.op.Provider(), Email: "agent@acme.test"}})
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
	k := &keyring.Store{Service: "dialtone-test", Timeout: 200 * time.Millisecond, Backend: &keyringtest.Memory{Block: block}}
	s := NewStore(testClient(&authtest.FollowBrowser{}), k, &Folder{Dir: f.dir})
	got, err := s.Login(t.Context(), LoginRequest{LoginRequest: auth.LoginRequest{Provider: f.op.Provider(), Email: "agent@acme.test"}})
	if err != nil {
		t.Fatalf("Login with a hanging keyring = %v, want a session in memory", err)
	}
	var ke *keyring.Error
	if !errors.As(got.KeyringErr, &ke) || ke.Problem != keyring.TimedOut {
		t.Fatalf("KeyringErr = %v, want a timed-out *keyring.Error", got.KeyringErr)
	}
	assertNotInTree(t, f.dir, got.RefreshToken())
	assertNotInTree(t, os.TempDir(), got.RefreshToken())
	// The in-memory session still renews itself while the keyring hangs.
	if _, err := s.Refresh(t.Context()); err != nil {
		t.Errorf("Refresh of the in-memory session: %v", err)
	}
}

// TestRefusedSignInStoresNothing: whatever made the engine refuse a
// sign-in, the store keeps no session and no token, only the email typed.
func TestRefusedSignInStoresNothing(t *testing.T) {
	tests := []struct {
		name  string
		setup func(op *authtest.FakeOP)
	}{
		{"another email", func(op *authtest.FakeOP) { op.Email = "boss@acme.test" }},
		{"a forged nonce", func(op *authtest.FakeOP) { op.Claims = func(c map[string]any) { c["nonce"] = "forged" } }},
		{"a wrong audience", func(op *authtest.FakeOP) { op.Claims = func(c map[string]any) { c["aud"] = "someone-else" } }},
		{"the token endpoint refuses", func(op *authtest.FakeOP) {
			op.Token = func(w http.ResponseWriter, r *http.Request) { authtest.TokenError(w, "invalid_grant", "no") }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSessionsFixture(t)
			tt.setup(f.op)
			s, err := f.sessions.Login(t.Context(), LoginRequest{LoginRequest: auth.LoginRequest{Provider: f.op.Provider(), Email: "agent@acme.test"}})
			if err == nil {
				t.Fatalf("Login = %v, want a refusal", s)
			}
			meta, _ := (&Folder{Dir: f.dir}).Load()
			if meta.Session != nil || f.storedToken(t) != "" {
				t.Errorf("a refused sign-in stored a session (%+v) or a token", meta.Session)
			}
			if meta.LastEmail != "agent@acme.test" {
				t.Errorf("last email = %q, want the one typed", meta.LastEmail)
			}
		})
	}
}
