package line

import (
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
