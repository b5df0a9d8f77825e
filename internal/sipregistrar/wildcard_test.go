package sipregistrar_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"dialtone/internal/line"
	"dialtone/internal/line/linetest"
	"dialtone/internal/sipaddr"
	"dialtone/internal/sipregistrar"
)

func TestWildcardRemovesEveryBinding(t *testing.T) {
	iss := linetest.NewIssuer(t)
	reg, port := linetest.StartRegistrar(t, sipregistrar.Config{Issuer: iss.URL, Audience: audience}, 0)
	token := iss.Mint(t, linetest.Token{Audience: audience, Email: email})
	registrar := fmt.Sprintf("sip:127.0.0.1:%d", port)
	for range 2 { // two devices of the same agent
		l, err := line.New(sipaddr.Config{Registrar: registrar, AOR: aor}, iss.URL, &linetest.Tokens{Mint: func(int) string { return token }}, line.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if _, err := l.Register(t.Context()); err != nil {
			t.Fatalf("Register: %v", err)
		}
	}
	if got := len(reg.Bindings(aor)); got != 2 {
		t.Fatalf("bindings = %d, want 2", got)
	}

	tests := []struct {
		name, expires string
		wantStatus    int
		wantLeft      int
	}{
		{"without Expires: 0", "60", 400, 2},
		{"with Expires: 0", "0", 200, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := sendWildcard(t, port, token, tt.expires)
			if res.StatusCode != tt.wantStatus || len(reg.Bindings(aor)) != tt.wantLeft {
				t.Errorf("got %d and %d bindings left; want %d and %d", res.StatusCode, len(reg.Bindings(aor)), tt.wantStatus, tt.wantLeft)
			}
		})
	}
}

// sendWildcard sends REGISTER with "Contact: *" from a bare sipgo client.
func sendWildcard(t *testing.T, port int, token, expires string) *sip.Response {
	t.Helper()
	ua, err := sipgo.NewUA()
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	client, err := sipgo.NewClient(ua)
	if err != nil {
		t.Fatal(err)
	}
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: port})
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: "agent", Host: "acme.test"}})
	req.AppendHeader(sip.NewHeader("Contact", "*"))
	req.AppendHeader(sip.NewHeader("Expires", expires))
	req.AppendHeader(sip.NewHeader("Authorization", "Bearer "+token))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := client.Do(ctx, req)
	if err != nil {
		t.Fatalf("REGISTER with Contact: *: %v", err)
	}
	return res
}
