package session

import (
	"bytes"
	"dialtone/auth"
	"dialtone/auth/authtest"
	"dialtone/internal/redact"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDebugLoginLogsNoSecret runs a whole debug sign-in, silent re-login
// and sign-out, then greps the log and every error string for every secret
// value the provider and Dialtone exchanged.
func TestDebugLoginLogsNoSecret(t *testing.T) {
	f := newSessionsFixture(t)
	var mu sync.Mutex
	var buf bytes.Buffer
	logger := slog.New(redact.NewHandler(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug})))
	var seen []string
	inner := f.op.Token
	f.op.Token = func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		seen = append(seen, r.PostForm.Get("code"), r.PostForm.Get("code_verifier"), r.PostForm.Get("refresh_token"))
		mu.Unlock()
		if inner != nil {
			inner(w, r)
			return
		}
		f.op.DefaultToken(w, r)
	}
	client := auth.NewClient(auth.Config{Browser: &authtest.FollowBrowser{}, Timeout: 10 * time.Second, Logger: logger})
	sessions := NewStore(client, f.keyring, &Folder{Dir: f.dir})
	s, err := sessions.Login(t.Context(), LoginRequest{LoginRequest: auth.LoginRequest{Provider: f.op.Provider(), Email: "agent@acme.test"}})
	if err != nil {
		t.Fatal(err)
	}
	secrets := append(seen, s.AccessToken(), s.RefreshToken(), s.IDToken(), f.op.LastReq.Get("state"), f.op.LastReq.Get("nonce"), f.op.LastReq.Get("code_challenge"))
	r, err := NewStore(client, f.keyring, &Folder{Dir: f.dir}).Resume(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, r.AccessToken(), r.RefreshToken(), r.IDToken())
	if _, err := sessions.Logout(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.op.RevokeAll()
	_, resumeErr := NewStore(client, f.keyring, &Folder{Dir: f.dir}).Resume(t.Context())
	mu.Lock()
	out := buf.String() + "\n" + resumeErr.Error() + "\n" + s.String()
	mu.Unlock()
	if !strings.Contains(out, "opening the sign-in page") || !strings.Contains(out, "loopback request") {
		t.Fatalf("the debug log does not show the sign-in steps:\n%s", out)
	}
	for _, secret := range secrets {
		if secret != "" && strings.Contains(out, secret) {
			t.Errorf("a secret (%d chars) reached the log or an error:\n%s", len(secret), out)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
