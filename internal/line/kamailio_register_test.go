package line_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"dialtone/internal/line"
	"dialtone/internal/line/linetest"
	"dialtone/internal/sipaddr"
)

const kamailioAOR = "agent@acme.test" // the AOR as Kamailio's location table keys it

func TestKamailioRegistersReRegistersAndUnregisters(t *testing.T) {
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) { testKamailioLifecycle(t, transport) })
	}
}

func testKamailioLifecycle(t *testing.T, transport string) {
	r := newRig(t)
	k := linetest.StartKamailio(t, r.iss.URL, testAudience)
	r.start(t, fmt.Sprintf("sip:127.0.0.1:%d;transport=%s", k.Port, transport), line.Options{Expires: 60 * time.Second})
	stop, _ := r.run(t)

	st := r.states.WaitFor(t, line.StatusRegistered, settle)
	first := k.Lookup(t, kamailioAOR)
	if len(first) != 1 || first[0].Expires != 60 || !strings.HasSuffix(first[0].Contact, "transport="+transport) {
		t.Fatalf("location table after registering = %+v; want one %s contact expiring in 60s", first, transport)
	}
	if want := r.clock.Now().Add(time.Minute); !st.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", st.ExpiresAt, want)
	}

	if got := r.clock.NextTimer(t, settle); got != 48*time.Second {
		t.Fatalf("re-registration timer = %v, want 48s (80%% of 60s)", got)
	}
	r.clock.Advance(48 * time.Second)
	r.states.WaitFor(t, line.StatusRegistered, settle)
	r.clock.NextTimer(t, settle)
	again := k.Lookup(t, kamailioAOR)
	if len(again) != 1 || again[0].Contact != first[0].Contact || again[0].CSeq <= first[0].CSeq {
		t.Errorf("location table after re-registering = %+v; want the same contact %q with a CSeq above %d", again, first[0].Contact, first[0].CSeq)
	}
	if access, _ := r.tokens.Calls(); access != 2 {
		t.Errorf("tokens asked for = %d, want 2 (a fresh one for the re-registration)", access)
	}

	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if err := r.line.Unregister(withTimeout(t)); err != nil {
		t.Fatalf("Unregister: %v", err)
	}
	if got := k.Lookup(t, kamailioAOR); len(got) != 0 {
		t.Errorf("location table after Unregister = %+v, want empty", got)
	}
}

func TestKamailioRefusesBadTokens(t *testing.T) {
	tests := []struct {
		name          string
		tok           linetest.Token
		wantReason    line.Reason
		wantRefreshes int
	}{
		{"wrong audience", linetest.Token{Audience: "sip:other.acme.test", Email: testEmail}, line.ReasonTokenRefused, 1},
		{"expired", linetest.Token{Audience: testAudience, Email: testEmail, Now: time.Now().Add(-2 * time.Hour), Expiry: time.Now().Add(-time.Hour)}, line.ReasonTokenRefused, 1},
		{"another agent's token", linetest.Token{Audience: testAudience, Email: "boss@acme.test"}, line.ReasonForbidden, 0},
	}
	r := newRig(t)
	k := linetest.StartKamailio(t, r.iss.URL, testAudience)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tokens := &linetest.Tokens{Mint: func(int) string { return r.iss.Mint(t, tt.tok) }}
			l, err := line.New(sipaddr.Config{Registrar: fmt.Sprintf("sip:127.0.0.1:%d", k.Port), AOR: testAOR}, r.iss.URL, tokens, line.Options{Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()

			_, err = l.Register(withTimeout(t))
			var re *line.RefusedError
			if !errors.As(err, &re) || re.Reason != tt.wantReason {
				t.Fatalf("Register error = %v; want reason %q", err, tt.wantReason)
			}
			if _, refresh := tokens.Calls(); refresh != tt.wantRefreshes {
				t.Errorf("refreshes = %d, want %d", refresh, tt.wantRefreshes)
			}
			if got := k.Lookup(t, kamailioAOR); len(got) != 0 {
				t.Errorf("location table = %+v, want empty", got)
			}
		})
	}
}

// The way a line reaches a real phone system off loopback: "sips:" and the
// domain alone. DNS SRV names Kamailio's TLS port; Kamailio's certificate
// names the domain; the token goes over TLS only after Kamailio's Bearer
// challenge; signing out removes the contact.
func TestKamailioOverTLSFoundBySRV(t *testing.T) {
	r := newRig(t)
	files, clientTLS := linetest.TLSFilesForNames(t, "acme.test")
	k := linetest.StartKamailioWith(t, linetest.KamailioConfig{Issuer: r.iss.URL, Audience: testAudience, TLS: files})
	dns := linetest.StartDNS(t)
	dns.SetSRV("_sips._tcp.acme.test", linetest.SRV{Priority: 10, Weight: 5, Port: uint16(k.TLSPort), Target: "pbx.acme.test"})
	dns.SetAddrs("pbx.acme.test", loopback4)
	r.start(t, "sips:acme.test", line.Options{TLSConfig: clientTLS, Resolver: dns.Resolver()})

	if st, err := r.line.Register(withTimeout(t)); st.Status != line.StatusRegistered {
		t.Fatalf("Register = %v, %v; want registered at Kamailio over TLS", st.Status, err)
	}
	got := k.Lookup(t, kamailioAOR)
	if len(got) != 1 || !strings.HasPrefix(got[0].Contact, "sips:") || !strings.HasSuffix(got[0].Contact, "transport=tls") {
		t.Fatalf("location table = %+v; want one sips: contact over TLS", got)
	}
	if err := r.line.Unregister(withTimeout(t)); err != nil {
		t.Fatalf("Unregister: %v", err)
	}
	if got := k.Lookup(t, kamailioAOR); len(got) != 0 {
		t.Errorf("location table after Unregister = %+v, want empty", got)
	}
}
