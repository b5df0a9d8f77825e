package sipregistrar_test

import (
	"fmt"
	"testing"
	"time"

	"dialtone/internal/line"
	"dialtone/internal/line/linetest"
	"dialtone/internal/sipaddr"
	"dialtone/internal/sipregistrar"
)

func TestExpiries(t *testing.T) {
	tests := []struct {
		name     string
		asked    time.Duration
		tokenTTL time.Duration
		min, max time.Duration // the granted time, allowing for whole-second rounding
	}{
		{"as asked", 10 * time.Minute, time.Hour, 10 * time.Minute, 10 * time.Minute},
		{"too brief: asked again with Min-Expires", 30 * time.Second, time.Hour, time.Minute, time.Minute},
		{"capped at MaxExpires", 2 * time.Hour, 3 * time.Hour, time.Hour, time.Hour},
		{"never beyond the token", time.Hour, 90 * time.Second, 88 * time.Second, 90 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := linetest.NewIssuer(t)
			_, port := linetest.StartRegistrar(t, sipregistrar.Config{Issuer: iss.URL, Audience: audience}, 0)
			clock := linetest.NewClock(time.Now())
			tokens := &linetest.Tokens{Mint: func(int) string {
				return iss.Mint(t, linetest.Token{Audience: audience, Email: email, Expiry: time.Now().Add(tt.tokenTTL)})
			}}
			l, err := line.New(sipaddr.Config{Registrar: fmt.Sprintf("sip:127.0.0.1:%d", port), AOR: aor}, iss.URL, tokens,
				line.Options{Expires: tt.asked, Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()

			st, err := l.Register(t.Context())
			if err != nil {
				t.Fatalf("Register: %v", err)
			}
			if got := st.ExpiresAt.Sub(clock.Now()); got < tt.min || got > tt.max {
				t.Errorf("granted %v, want between %v and %v", got, tt.min, tt.max)
			}
		})
	}
}
