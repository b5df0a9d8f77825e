package sipaddr

import (
	"errors"
	"testing"

	"dialtone/internal/loopback"
)

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
		u, err := ParseRegistrar(registrar)
		if err != nil {
			return
		}
		if u.Transport != TransportTLS && !loopback.IsHost(u.Host) {
			t.Errorf("%q accepted without TLS for %q", registrar, u.Host)
		}
		if again, err := ParseRegistrar(u.String()); err != nil || again != u {
			t.Errorf("canonical %q of %q parses to %+v, %v; want %+v", u.String(), registrar, again, err, u)
		}
	})
}
