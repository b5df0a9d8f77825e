package idp

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParseProviderList feeds arbitrary documents to the provider-list
// decoder: no panic, and whatever it accepts is valid and stable when
// parsed again.
func FuzzParseProviderList(f *testing.F) {
	f.Add(`{"providers":[{"id":"okta","type":"okta","issuer":"https://dev-123.okta.com/","client_id":"0oa1"}]}`)
	f.Add(`{"account":"acme","email":"agent@acme.test","providers":[]}`)
	f.Add(`{"providers":[{"id":"a","type":"azure","issuer":"login.microsoftonline.com/common/v2.0","client_id":"c","tenants":["t"],"redirect_ports":[8400]}]}`)
	f.Add(`{"providers":[{"id":"g","type":"google","issuer":"https://accounts.google.com","client_id":"c","client_secret":"s","auth_params":{"hd":"acme.test"}}]}`)
	f.Add(`{"providers":[{"id":"x","type":"oidc","issuer":"http://127.0.0.1:9998","client_id":"c","scopes":["openid"]}]} `)
	f.Fuzz(func(t *testing.T, doc string) {
		list, err := ParseProviderList(strings.NewReader(doc))
		if err != nil {
			return
		}
		for _, p := range list.Providers {
			again := p
			if err := again.Validate(); err != nil {
				t.Fatalf("accepted provider %+v fails validation again: %v", p, err)
			}
			if norm, err := NormalizeIssuer(p.Issuer); err != nil || norm != p.Issuer {
				t.Fatalf("accepted issuer %q is not normal (%q, %v)", p.Issuer, norm, err)
			}
		}
	})
}

// FuzzNormalizeIssuer: no panic; an accepted issuer is https (or http on
// loopback), has no query, fragment or credentials, and is a fixed point.
func FuzzNormalizeIssuer(f *testing.F) {
	for _, s := range []string{"https://dev-123.okta.com/", "dev-123.okta.com", "https://login.microsoftonline.com/x/v2.0/.well-known/openid-configuration", "http://127.0.0.1:9998", "http://[::1]:1/", "https://a.test/%2F", "HTTPS://A.TEST"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out, err := NormalizeIssuer(raw)
		if err != nil {
			return
		}
		u, perr := url.Parse(out)
		if perr != nil {
			t.Fatalf("NormalizeIssuer(%q) = %q, which does not parse: %v", raw, out, perr)
		}
		if u.Scheme != "https" && !(u.Scheme == "http" && IsLoopbackHost(u.Hostname())) {
			t.Fatalf("NormalizeIssuer(%q) = %q: not https and not loopback http", raw, out)
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.HasSuffix(out, "/") {
			t.Fatalf("NormalizeIssuer(%q) = %q: has a query, fragment, credentials or trailing slash", raw, out)
		}
		if again, err := NormalizeIssuer(out); err != nil || again != out {
			t.Fatalf("NormalizeIssuer(%q) = %q, but normalising that gives %q, %v", raw, out, again, err)
		}
	})
}
