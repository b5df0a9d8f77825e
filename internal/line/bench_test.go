package line_test

import (
	"context"
	"fmt"
	"testing"

	"dialtone/internal/line"
	"dialtone/internal/line/linetest"
	"dialtone/internal/sipaddr"
	"dialtone/internal/sipregistrar"
)

// benchLine is a line registered against a sipregistrar on loopback, with
// tokens minted once.
func benchLine(b *testing.B, transport string) (*line.Line, *sipregistrar.Registrar) {
	iss := linetest.NewIssuer(b)
	reg, port := linetest.StartRegistrar(b, sipregistrar.Config{Issuer: iss.URL, Audience: testAudience}, 0)
	tok := iss.Mint(b, linetest.Token{Audience: testAudience, Email: testEmail})
	tokens := &linetest.Tokens{Mint: func(int) string { return tok }}
	cfg := sipaddr.Config{Registrar: fmt.Sprintf("sip:127.0.0.1:%d;transport=%s", port, transport), AOR: testAOR}
	l, err := line.New(cfg, iss.URL, tokens, line.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = l.Close() })
	return l, reg
}

// BenchmarkRegisterWithChallenge measures what signing in adds before the
// dot turns green: REGISTER → 401 Bearer challenge → REGISTER with the
// token → 200 OK, with the token verified by go-oidc. The unregistering
// between rounds is not timed.
func BenchmarkRegisterWithChallenge(b *testing.B) {
	for _, transport := range []string{"udp", "tcp"} {
		b.Run(transport, func(b *testing.B) {
			l, _ := benchLine(b, transport)
			ctx := context.Background()
			for b.Loop() {
				if _, err := l.Register(ctx); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := l.Unregister(ctx); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// BenchmarkReRegister measures a re-registration: the registrar's
// challenge was checked before, so the token goes at once — one round trip.
func BenchmarkReRegister(b *testing.B) {
	l, _ := benchLine(b, "udp")
	ctx := context.Background()
	if _, err := l.Register(ctx); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := l.Register(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
