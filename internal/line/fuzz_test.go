package line

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseChallenge: a registrar's WWW-Authenticate never panics the
// parser, and whatever it accepts has a lower-case scheme and names.
func FuzzParseChallenge(f *testing.F) {
	for _, s := range []string{`Bearer realm="a", authz_server="https://idp"`, `Digest nonce="x"`, `Bearer realm="\"`, "Bearer a=b,c=\"d\\\"e\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseChallenge(s)
		if err != nil {
			return
		}
		if c.scheme != strings.ToLower(c.scheme) {
			t.Errorf("scheme %q is not lower case", c.scheme)
		}
		for k := range c.params {
			if k != strings.ToLower(k) || k == "" {
				t.Errorf("parameter name %q is empty or not lower case", k)
			}
		}
	})
}

// FuzzConfigValidate: any provider-list value is either accepted, with a
// canonical form that parses to the same thing, or refused with a
// *ConfigError; without TLS only loopback hosts pass.
func FuzzConfigValidate(f *testing.F) {
	for _, s := range []string{"sips:pbx.acme.test", "sip:127.0.0.1:5060;transport=tcp", "sip:[::1]", "sips:a@b", "sip:pbx:0"} {
		f.Add(s, "sip:agent@acme.test")
	}
	f.Fuzz(func(t *testing.T, registrar, aor string) {
		err := Config{Registrar: registrar, AOR: aor}.Validate()
		var ce *ConfigError
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("Validate(%q, %q) = %v, not a *ConfigError", registrar, aor, err)
		}
		u, err := parseRegistrar(registrar)
		if err != nil {
			return
		}
		if u.transport != transportTLS && !isLoopbackHost(u.host) {
			t.Errorf("%q accepted without TLS for %q", registrar, u.host)
		}
		if again, err := parseRegistrar(u.String()); err != nil || again != u {
			t.Errorf("canonical %q of %q parses to %+v, %v; want %+v", u.String(), registrar, again, err, u)
		}
	})
}
