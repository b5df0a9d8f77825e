package redact

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestRedactingHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
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
