package line

import (
	"dialtone/internal/sipaddr"
	"testing"

	"github.com/emiago/sipgo/sip"
)

func TestRedirectTarget(t *testing.T) {
	tests := []struct {
		registrar, contact string
		want               string // "" when refused
	}{
		{"sips:pbx.acme.test", "sips:pbx2.acme.test", "sips:pbx2.acme.test"},
		{"sips:pbx.acme.test", "sips:agent@acme.test:5061;transport=tls", "sips:acme.test:5061;transport=tls"},
		{"sips:pbx.acme.test", "sip:pbx.acme.test;transport=tls", "sip:pbx.acme.test;transport=tls"},
		{"sip:127.0.0.1:5060", "sip:127.0.0.1:5070;transport=tcp", "sip:127.0.0.1:5070;transport=tcp"},
		{"sips:pbx.acme.test", "sips:pbx.elsewhere.test", ""},
		{"sips:pbx.acme.test", "sips:acme.test.elsewhere.test", ""},
		{"sips:pbx.acme.test", "sips:notacme.test", ""},
		{"sips:pbx.acme.test", "sip:pbx.acme.test", ""},                  // leaves TLS
		{"sips:pbx.acme.test", "sip:pbx2.acme.test;transport=udp", ""},   // leaves TLS
		{"sip:127.0.0.1:5060", "sip:10.0.0.1:5060", ""},                  // elsewhere, and not loopback
		{"sips:pbx.acme.test", "sips:pbx2.acme.test;maddr=10.0.0.1", ""}, // other parameters
	}
	for _, tt := range tests {
		t.Run(tt.contact, func(t *testing.T) {
			reg, err := sipaddr.ParseRegistrar(tt.registrar)
			if err != nil {
				t.Fatal(err)
			}
			l := &Line{registrar: reg, target: reg, aor: sipaddr.AOR{User: "agent", Host: "acme.test"}}
			res := sip.NewResponse(302, "Moved Temporarily")
			var uri sip.Uri
			if err := sip.ParseUri(tt.contact, &uri); err != nil {
				t.Fatal(err)
			}
			res.AppendHeader(&sip.ContactHeader{Address: uri})
			got, ok := l.redirectTarget(res)
			if ok != (tt.want != "") || (ok && got.String() != tt.want) {
				t.Errorf("redirectTarget(%q) = %q, %v; want %q", tt.contact, got.String(), ok, tt.want)
			}
		})
	}
}
