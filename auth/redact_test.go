package auth

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRedactingHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewRedactingHandler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNlY3JldA"
	log.Debug("callback http://127.0.0.1:5/callback?code=SECRET1&state=SECRET2",
		"refresh_token", "SECRET3", "url", "https://idp.test/auth?client_id=ok-client&nonce=SECRET4&code_challenge=SECRET5",
		"note", "bearer "+jwt, slog.Group("req", "Authorization", "Bearer SECRET6", "cookie", "SECRET7"))
	log.With("client_secret", "SECRET8").WithGroup("g").Info("x", "password", "SECRET9")
	out := buf.String()
	for _, s := range []string{"SECRET1", "SECRET2", "SECRET3", "SECRET4", "SECRET5", "SECRET6", "SECRET7", "SECRET8", "SECRET9", jwt} {
		if strings.Contains(out, s) {
			t.Errorf("log line contains %q:\n%s", s, out)
		}
	}
	if !strings.Contains(out, "client_id=ok-client") {
		t.Errorf("harmless query parameters were lost:\n%s", out)
	}
}

// TestDebugLoginLogsNoSecret runs a whole debug sign-in, silent re-login
// and sign-out, then greps the log and every error string for every secret
// value the provider and Dialtone exchanged.
func TestDebugLoginLogsNoSecret(t *testing.T) {
	f := newSessionsFixture(t)
	var mu sync.Mutex
	var buf bytes.Buffer
	logger := slog.New(NewRedactingHandler(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug})))
	var seen []string
	inner := f.op.token
	f.op.token = func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		seen = append(seen, r.PostForm.Get("code"), r.PostForm.Get("code_verifier"), r.PostForm.Get("refresh_token"))
		mu.Unlock()
		if inner != nil {
			inner(w, r)
			return
		}
		f.op.defaultToken(w, r)
	}
	client := NewClient(Config{Browser: &followBrowser{}, Timeout: 10 * time.Second, Logger: logger})
	sessions := NewSessions(client, f.keyring, &MetadataStore{Dir: f.dir})
	s, err := sessions.Login(t.Context(), LoginRequest{Provider: f.op.provider(), Email: "agent@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	secrets := append(seen, s.token.AccessToken, s.token.RefreshToken, idTokenOf(s.token), f.op.lastReq.Get("state"), f.op.lastReq.Get("nonce"), f.op.lastReq.Get("code_challenge"))
	r, err := NewSessions(client, f.keyring, &MetadataStore{Dir: f.dir}).Resume(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, r.token.AccessToken, r.token.RefreshToken, idTokenOf(r.token))
	if _, err := sessions.Logout(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.op.revokeAll()
	_, resumeErr := NewSessions(client, f.keyring, &MetadataStore{Dir: f.dir}).Resume(t.Context())
	mu.Lock()
	out := buf.String() + "\n" + resumeErr.Error() + "\n" + s.String() + "\n" + Describe(resumeErr)
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
