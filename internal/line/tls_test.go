package line_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"testing"

	"dialtone/internal/line"
	"dialtone/internal/line/linetest"
)

func TestRegisterOverTLS(t *testing.T) {
	serverTLS, clientTLS := linetest.TLSPair(t)
	tests := []struct {
		name       string
		trust      *tls.Config
		wantStatus line.Status
	}{
		{"trusted certificate", clientTLS, line.StatusRegistered},
		{"untrusted certificate", &tls.Config{RootCAs: x509.NewCertPool()}, line.StatusUnregistered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			reg, port := r.tlsRegistrar(t, serverTLS)
			r.start(t, fmt.Sprintf("sips:127.0.0.1:%d", port), line.Options{TLSConfig: tt.trust})

			st, err := r.line.Register(withTimeout(t))
			if st.Status != tt.wantStatus {
				t.Fatalf("Register = %v, %v; want %v", st.Status, err, tt.wantStatus)
			}
			if tt.wantStatus == line.StatusRegistered {
				if got := contacts(reg); len(got) != 1 || !strings.HasPrefix(got[0], "sips:") {
					t.Errorf("contacts = %v, want one sips: contact", got)
				}
				return
			}
			if !errors.Is(err, line.ErrUnreachable) || len(contacts(reg)) != 0 {
				t.Errorf("error = %v, contacts = %v; want ErrUnreachable and none", err, contacts(reg))
			}
			if access, refresh := r.tokens.Calls(); access+refresh != 0 {
				t.Errorf("the token source was asked %d times before TLS was up, want never", access+refresh)
			}
		})
	}
}
