package line

import (
	"maps"
	"testing"

	"github.com/emiago/sipgo/sip"
)

func TestParseChallenge(t *testing.T) {
	tests := []struct {
		in         string
		wantScheme string
		want       map[string]string
		wantErr    bool
	}{
		{`Bearer realm="acme", authz_server="https://idp.acme.test"`, "bearer",
			map[string]string{"realm": "acme", "authz_server": "https://idp.acme.test"}, false},
		{`bearer REALM=acme,error="invalid_token" , scope="sip"`, "bearer",
			map[string]string{"realm": "acme", "error": "invalid_token", "scope": "sip"}, false},
		{`Bearer realm="a \"quoted\" realm"`, "bearer", map[string]string{"realm": `a "quoted" realm`}, false},
		{`Bearer`, "bearer", map[string]string{}, false},
		{`Digest realm="acme", nonce="abc", algorithm=MD5`, "digest",
			map[string]string{"realm": "acme", "nonce": "abc", "algorithm": "MD5"}, false},
		{``, "", nil, true},
		{`Bearer realm="unterminated`, "", nil, true},
		{`Bearer realm="a" authz_server="b"`, "", nil, true}, // missing comma
		{`Bearer realm="a",,realm2="b"`, "", nil, true},
		{`Bearer realm="a", realm="b"`, "", nil, true}, // duplicate
		{`Bearer realm=`, "", nil, true},
		{"Bearer realm=\"a\x01b\"", "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseChallenge(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseChallenge error = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && (got.scheme != tt.wantScheme || !maps.Equal(got.params, tt.want)) {
				t.Errorf("parseChallenge = %q %v; want %q %v", got.scheme, got.params, tt.wantScheme, tt.want)
			}
		})
	}
}

func TestBearerChallengeAmongSeveral(t *testing.T) {
	tests := []struct {
		name      string
		headers   []string
		wantFound bool
		wantErr   bool
		wantAS    string
	}{
		{"bearer after digest", []string{`Digest realm="x", nonce="n"`, `Bearer realm="x", authz_server="https://idp"`}, true, false, "https://idp"},
		{"digest only", []string{`Digest realm="x", nonce="n"`}, false, false, ""},
		{"none", nil, false, false, ""},
		{"malformed bearer", []string{`Bearer realm="x`}, true, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := sip.NewResponse(401, "Unauthorized")
			for _, h := range tt.headers {
				res.AppendHeader(sip.NewHeader("WWW-Authenticate", h))
			}
			c, found, err := bearerChallenge(res)
			if found != tt.wantFound || (err != nil) != tt.wantErr || c.params["authz_server"] != tt.wantAS {
				t.Errorf("got found=%v err=%v authz_server=%q; want found=%v err=%v authz_server=%q",
					found, err, c.params["authz_server"], tt.wantFound, tt.wantErr, tt.wantAS)
			}
		})
	}
}

func TestSameIssuer(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://idp.acme.test", "https://idp.acme.test/", true},
		{"https://IDP.acme.test/realms/x/", "https://idp.acme.test/realms/x", true},
		{"https://idp.acme.test/realms/x", "https://idp.acme.test/realms/y", false},
		{"https://idp.acme.test", "http://idp.acme.test", false},
		{"https://idp.acme.test", "https://idp.acme.test:8443", false},
		{"https://idp.acme.test", "https://evil.test/?https://idp.acme.test", false},
		{"https://idp.acme.test", "", false},
		{"", "", false},
		{"https://idp.acme.test", "idp.acme.test", false},
	}
	for _, tt := range tests {
		if got := sameIssuer(tt.a, tt.b); got != tt.want {
			t.Errorf("sameIssuer(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
