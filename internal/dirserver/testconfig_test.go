package dirserver

import (
	"dialtone/internal/dirstore/dirstoretest"
	"net"
	"strings"
	"testing"
)

func TestTestConfiguration(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		closedURL := func() string {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			return "http://" + addr
		}
		tests := []struct {
			name     string
			edit     func(doc map[string]any)
			jwks     string
			issuer   string // instead of the fake provider's URL
			secret   string
			wantOK   bool
			want     string // the check that fails or warns
			status   string
			contains string
		}{
			{name: "good provider", wantOK: true, want: checkKeys, status: CheckOK, contains: "RSA RS256 k1"},
			{name: "issuer mismatch", edit: func(d map[string]any) { d["issuer"] = "https://other.example.com" }, want: checkIssuer, status: CheckFail, contains: "https://other.example.com"},
			{name: "no token endpoint", edit: func(d map[string]any) { delete(d, "token_endpoint") }, want: checkEndpoint, status: CheckFail, contains: "token_endpoint"},
			{name: "no S256", edit: func(d map[string]any) { d["code_challenge_methods_supported"] = []string{"plain"} }, want: checkPKCE, status: CheckFail, contains: "S256"},
			{name: "PKCE not advertised", edit: func(d map[string]any) { delete(d, "code_challenge_methods_supported") }, wantOK: true, want: checkPKCE, status: CheckWarn},
			{name: "unreachable host", issuer: closedURL(), want: checkReach, status: CheckFail, contains: "unreachable host"},
			{name: "no signing key", jwks: `{"keys":[{"kty":"RSA","use":"enc","kid":"e"}]}`, want: checkKeys, status: CheckFail, contains: "no public signing key"},
			{name: "keys fail", jwks: "status:500", want: checkKeys, status: CheckFail, contains: "500"},
			{name: "public client refused", edit: func(d map[string]any) { d["token_endpoint_auth_methods_supported"] = []string{"client_secret_basic"} }, wantOK: true, want: checkClient, status: CheckWarn, contains: "public"},
			{name: "secret accepted", secret: "installed-app-secret", edit: func(d map[string]any) { delete(d, "token_endpoint_auth_methods_supported") }, wantOK: true, want: checkClient, status: CheckOK},
			{name: "scope not listed", edit: func(d map[string]any) { d["scopes_supported"] = []string{"openid", "email"} }, wantOK: true, want: checkScopes, status: CheckWarn, contains: "offline_access"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				d := newTestDirOn(t, b, Options{})
				op := fakeOP(t, tt.edit, tt.jwks)
				issuer := op.URL
				if tt.issuer != "" {
					issuer = tt.issuer
				}
				d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}})
				d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme/providers/p", ProviderInput{Type: "oidc", Issuer: issuer, ClientID: "c", ClientSecret: ptr(tt.secret)})
				var r TestReport
				if st := d.api(t, "POST", "/admin/v1/accounts/acme/providers/p/test", nil, &r); st != 200 {
					t.Fatalf("test: status %d", st)
				}
				if r.OK != tt.wantOK {
					t.Errorf("OK = %t, want %t: %+v", r.OK, tt.wantOK, r.Checks)
				}
				c := findCheck(r, tt.want)
				if c.Status != tt.status || !strings.Contains(c.Detail, tt.contains) {
					t.Errorf("check %q = %s %q, want %s containing %q", tt.want, c.Status, c.Detail, tt.status, tt.contains)
				}
				var v ProviderView
				d.api(t, "GET", "/admin/v1/accounts/acme/providers/p", nil, &v)
				if v.LastTest == nil || v.LastTest.OK != r.OK {
					t.Errorf("stored last test = %+v, want the report", v.LastTest)
				}
			})
		}
	})
}

func findCheck(r TestReport, name string) Check {
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{}
}

// TestChangeForgetsTestResult: a report is about one configuration.
func TestChangeForgetsTestResult(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		op := fakeOP(t, nil, "")
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}})
		in := ProviderInput{Type: "oidc", Issuer: op.URL, ClientID: "c"}
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme/providers/p", in)
		d.mustAPI(t, 200, "POST", "/admin/v1/accounts/acme/providers/p/test", nil)
		in.Enabled = true // a toggle keeps the result
		var v ProviderView
		d.withHeader("If-Match", "*").api(t, "PUT", "/admin/v1/accounts/acme/providers/p", in, &v)
		if v.LastTest == nil {
			t.Fatal("enabling forgot the test result")
		}
		in.ClientID = "other"
		var changed ProviderView
		d.withHeader("If-Match", "*").api(t, "PUT", "/admin/v1/accounts/acme/providers/p", in, &changed)
		if changed.LastTest != nil {
			t.Error("changing the client ID kept the old test result")
		}
	})
}
