package sipaddr

import (
	"errors"
	"strings"
	"testing"
)

func TestConfigValidateAccepts(t *testing.T) {
	tests := []struct {
		registrar string
		want      Registrar
	}{
		{"sips:pbx.acme.test", Registrar{Secure: true, Host: "pbx.acme.test", Transport: TransportTLS}},
		{"SIPS:PBX.Acme.Test:5061", Registrar{Secure: true, Host: "pbx.acme.test", Port: 5061, Transport: TransportTLS}},
		{"sips:pbx.acme.test;transport=tcp", Registrar{Secure: true, Host: "pbx.acme.test", Transport: TransportTLS, Explicit: true}},
		{"sip:pbx.acme.test;transport=TLS", Registrar{Host: "pbx.acme.test", Transport: TransportTLS, Explicit: true}},
		{"sip:127.0.0.1:5060", Registrar{Host: "127.0.0.1", Port: 5060, Transport: TransportUDP}},
		{"sip:localhost;transport=tcp", Registrar{Host: "localhost", Transport: TransportTCP, Explicit: true}},
		{"sip:[::1]:5070;transport=udp", Registrar{Host: "::1", Port: 5070, Transport: TransportUDP, Explicit: true}},
		{" sips:10.0.0.1 ", Registrar{Secure: true, Host: "10.0.0.1", Transport: TransportTLS}},
	}
	for _, tt := range tests {
		t.Run(tt.registrar, func(t *testing.T) {
			got, err := ParseRegistrar(tt.registrar)
			if err != nil || got != tt.want {
				t.Errorf("ParseRegistrar(%q) = %+v, %v; want %+v, nil", tt.registrar, got, err, tt.want)
			}
		})
	}
}

func TestConfigValidateRefuses(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string
		hint  string // part of the problem: what to write instead
	}{
		{"empty", Config{}, fieldRegistrar, `like "sips:pbx.example.com"`},
		{"http", Config{Registrar: "https://pbx.acme.test"}, fieldRegistrar, `starting with "sips:"`},
		{"plain sip off loopback", Config{Registrar: "sip:pbx.acme.test"}, fieldRegistrar, `write "sips:pbx.acme.test"`},
		{"plain tcp off loopback", Config{Registrar: "sip:10.1.1.1:5060;transport=tcp"}, fieldRegistrar, `write "sips:10.1.1.1:5060"`},
		{"user part", Config{Registrar: "sips:agent@pbx.acme.test"}, fieldRegistrar, `put the agent's address in "aor"`},
		{"headers", Config{Registrar: "sips:pbx.acme.test?x=y"}, fieldRegistrar, `no "@" or "?"`},
		{"other parameter", Config{Registrar: "sips:pbx.acme.test;lr"}, fieldRegistrar, `remove ";lr"`},
		{"two parameters", Config{Registrar: "sips:pbx.acme.test;transport=tls;lr"}, fieldRegistrar, `remove ";transport=tls;lr"`},
		{"unknown transport", Config{Registrar: "sip:127.0.0.1;transport=sctp"}, fieldRegistrar, `";transport=tcp"`},
		{"sips over udp", Config{Registrar: "sips:pbx.acme.test;transport=udp"}, fieldRegistrar, `remove ";transport=udp"`},
		{"port zero", Config{Registrar: "sips:pbx.acme.test:0"}, fieldRegistrar, "from 1 to 65535"},
		{"port too big", Config{Registrar: "sips:pbx.acme.test:65536"}, fieldRegistrar, "from 1 to 65535"},
		{"empty port", Config{Registrar: "sips:pbx.acme.test:"}, fieldRegistrar, "from 1 to 65535"},
		{"bad host", Config{Registrar: "sips:pbx_1.acme.test"}, fieldRegistrar, "invalid host"},
		{"numeric name", Config{Registrar: "sips:999.1.1.1"}, fieldRegistrar, "invalid host"},
		{"bare ipv6", Config{Registrar: "sip:::1"}, fieldRegistrar, "invalid host"},
		{"unclosed ipv6", Config{Registrar: "sip:[::1"}, fieldRegistrar, "unclosed"},
		{"ipv4 in brackets", Config{Registrar: "sip:[127.0.0.1]"}, fieldRegistrar, "invalid IPv6"},
		{"aor without user", Config{Registrar: "sips:pbx.acme.test", AOR: "sip:acme.test"}, fieldAOR, `like "sip:agent@example.com"`},
		{"aor not sip", Config{Registrar: "sips:pbx.acme.test", AOR: "agent@acme.test"}, fieldAOR, `starting with "sips:"`},
		{"aor with port", Config{Registrar: "sips:pbx.acme.test", AOR: "sip:agent@acme.test:5060"}, fieldAOR, "without a port"},
		{"aor with space", Config{Registrar: "sips:pbx.acme.test", AOR: "sip:a gent@acme.test"}, fieldAOR, "cannot hold"},
		{"aor bad escape", Config{Registrar: "sips:pbx.acme.test", AOR: "sip:a%2@acme.test"}, fieldAOR, "cannot hold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate(%+v) = %v; want a *ConfigError", tt.cfg, err)
			}
			if ce.Field != tt.field || !strings.Contains(ce.Problem, tt.hint) {
				t.Errorf("got field %q, problem %q; want field %q, problem containing %q", ce.Field, ce.Problem, tt.field, tt.hint)
			}
			if !strings.HasPrefix(err.Error(), "sipaddr: ") {
				t.Errorf("error %q does not start with \"line: \"", err)
			}
		})
	}
}

func TestForAgent(t *testing.T) {
	tests := []struct {
		name, aor, email, want string
		wantErr                bool
	}{
		{"default from email", "", "Agent.Smith@ACME.test", "sip:Agent.Smith@acme.test", false},
		{"plus address", "", "agent+line@acme.test", "sip:agent+line@acme.test", false},
		{"explicit kept", "sips:1001@pbx.acme.test", "agent@acme.test", "sips:1001@pbx.acme.test", false},
		{"unusable email", "", "not an email", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Config{Registrar: "sips:pbx.acme.test", AOR: tt.aor}.ForAgent(tt.email)
			if (err != nil) != tt.wantErr || got.AOR != tt.want {
				t.Errorf("ForAgent(%q) = %q, %v; want %q, error %v", tt.email, got.AOR, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestRegistrarString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SIPS:PBX.acme.test", "sips:pbx.acme.test"},
		{"sip:[::1]:5060;transport=TCP", "sip:[::1]:5060;transport=tcp"},
		{"sips:pbx.acme.test:5061;transport=tcp", "sips:pbx.acme.test:5061;transport=tls"},
	}
	for _, tt := range tests {
		u, err := ParseRegistrar(tt.in)
		if got := u.String(); err != nil || got != tt.want {
			t.Errorf("ParseRegistrar(%q).String() = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
