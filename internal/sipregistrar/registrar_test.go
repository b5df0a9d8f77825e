package sipregistrar_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"dialtone/internal/line"
	"dialtone/internal/line/linetest"
	"dialtone/internal/sipaddr"
	"dialtone/internal/sipregistrar"
)

const (
	email    = "agent@acme.test"
	aor      = "sip:agent@acme.test"
	audience = "sip:registrar.acme.test"
)

// newLine starts a registrar that trusts iss and a line that takes its
// tokens from mint.
func newLine(t *testing.T, iss *linetest.Issuer, mint func(n int) string) (*line.Line, *sipregistrar.Registrar, *linetest.Tokens) {
	t.Helper()
	reg, port := linetest.StartRegistrar(t, sipregistrar.Config{Issuer: iss.URL, Audience: audience}, 0)
	tokens := &linetest.Tokens{Mint: mint}
	cfg := sipaddr.Config{Registrar: fmt.Sprintf("sip:127.0.0.1:%d", port), AOR: aor}
	l, err := line.New(cfg, iss.URL, tokens, line.Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("line.New: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l, reg, tokens
}

func TestRegisterAndUnregister(t *testing.T) {
	iss := linetest.NewIssuer(t)
	l, reg, _ := newLine(t, iss, func(int) string { return iss.Mint(t, linetest.Token{Audience: audience, Email: email}) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	st, err := l.Register(ctx)
	if err != nil || st.Status != line.StatusRegistered {
		t.Fatalf("Register = %v, %v; want registered, nil", st.Status, err)
	}
	if got := len(reg.Bindings(aor)); got != 1 {
		t.Fatalf("after Register the registrar holds %d bindings of %s, want 1", got, aor)
	}
	if err := l.Unregister(ctx); err != nil {
		t.Fatalf("Unregister: %v", err)
	}
	if got := len(reg.Bindings(aor)); got != 0 {
		t.Errorf("after Unregister the registrar holds %d bindings, want 0", got)
	}
}

func TestBadTokensAreRefused(t *testing.T) {
	tests := []struct {
		name string
		tok  linetest.Token
	}{
		{"wrong audience", linetest.Token{Audience: "sip:other.acme.test", Email: email}},
		{"wrong issuer", linetest.Token{Issuer: "https://idp.elsewhere.test", Audience: audience, Email: email}},
		{"expired", linetest.Token{Audience: audience, Email: email, Now: time.Now().Add(-2 * time.Hour), Expiry: time.Now().Add(-time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := linetest.NewIssuer(t)
			l, reg, tokens := newLine(t, iss, func(int) string { return iss.Mint(t, tt.tok) })
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			st, err := l.Register(ctx)
			var re *line.RefusedError
			if !errors.As(err, &re) || re.Reason != line.ReasonTokenRefused || re.Status != 401 {
				t.Fatalf("Register error = %v; want a 401 refusal with reason %q", err, line.ReasonTokenRefused)
			}
			if st.Status != line.StatusRefused {
				t.Errorf("state = %v, want refused", st.Status)
			}
			if access, refresh := tokens.Calls(); access != 1 || refresh != 1 {
				t.Errorf("token source calls = %d access, %d refresh; want 1 and 1", access, refresh)
			}
			if got := len(reg.Bindings(aor)); got != 0 {
				t.Errorf("registrar holds %d bindings, want 0", got)
			}
		})
	}
}

func TestTokenForAnotherAccountIsForbidden(t *testing.T) {
	iss := linetest.NewIssuer(t)
	l, _, _ := newLine(t, iss, func(int) string { return iss.Mint(t, linetest.Token{Audience: audience, Email: "boss@acme.test"}) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	_, err := l.Register(ctx)
	var re *line.RefusedError
	if !errors.As(err, &re) || re.Reason != line.ReasonForbidden {
		t.Fatalf("Register error = %v; want reason %q", err, line.ReasonForbidden)
	}
}
