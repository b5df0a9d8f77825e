package dirserver

import (
	"context"
	"dialtone/internal/directory"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/idp"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestAdminAPINeedsToken(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		tests := []struct {
			name, authz string
			want        int
		}{
			{"no header", "", 401},
			{"wrong token", "Bearer not-the-token-at-all", 401},
			{"basic auth", "Basic " + testToken, 401},
			{"right token", "Bearer " + testToken, 200},
		}
		for _, tt := range tests {
			status, body := d.apiRaw(t, "GET", "/admin/v1/accounts", nil, tt.authz)
			if status != tt.want {
				t.Errorf("%s: status %d, want %d (%s)", tt.name, status, tt.want, body)
			}
			if tt.want == 401 && !strings.Contains(string(body), `"error":"unauthorized"`) {
				t.Errorf("%s: body %s, want the unauthorized JSON error", tt.name, body)
			}
		}
	})
}

func TestAdminAPIValidation(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/globex", Account{Domains: []string{"globex.test"}})
		good := `{"type":"okta","issuer":"https://acme.okta.test","client_id":"c"}`
		tests := []struct {
			name, method, path, body string
			status                   int
			code, field              string
		}{
			{"unknown field", "PUT", "/admin/v1/accounts/acme/providers/p", `{"type":"okta","issuer":"https://a.test","client_id":"c","secret":"x"}`, 400, "invalid_request", "secret"},
			{"wrong type", "PUT", "/admin/v1/accounts/acme/providers/p", `{"type":"okta","issuer":"https://a.test","client_id":7}`, 400, "invalid_request", "client_id"},
			{"trailing data", "PUT", "/admin/v1/accounts/acme/providers/p", good + `{}`, 400, "invalid_request", ""},
			{"plain http issuer", "PUT", "/admin/v1/accounts/acme/providers/p", `{"type":"okta","issuer":"http://acme.okta.test","client_id":"c"}`, 422, "validation_failed", "issuer"},
			{"missing client id", "PUT", "/admin/v1/accounts/acme/providers/p", `{"type":"okta","issuer":"https://a.test"}`, 422, "validation_failed", "client_id"},
			{"unknown type", "PUT", "/admin/v1/accounts/acme/providers/p", `{"type":"ldap","issuer":"https://a.test","client_id":"c"}`, 422, "validation_failed", "type"},
			{"bad method", "PUT", "/admin/v1/accounts/acme/providers/p", `{"type":"okta","issuer":"https://a.test","client_id":"c","userinfo_method":"PUT"}`, 422, "validation_failed", "userinfo_method"},
			{"scopes without openid", "PUT", "/admin/v1/accounts/acme/providers/p", `{"type":"okta","issuer":"https://a.test","client_id":"c","scopes":["email"]}`, 422, "validation_failed", "scopes"},
			{"reserved parameter", "PUT", "/admin/v1/accounts/acme/providers/p", `{"type":"okta","issuer":"https://a.test","client_id":"c","auth_params":{"state":"x"}}`, 422, "validation_failed", "auth_params.state"},
			{"bad provider id", "PUT", "/admin/v1/accounts/acme/providers/Bad_ID", good, 422, "validation_failed", "id"},
			{"no such account", "PUT", "/admin/v1/accounts/nobody/providers/p", good, 404, "not_found", ""},
			{"bad account name", "PUT", "/admin/v1/accounts/Acme%20Corp", `{"domains":[]}`, 422, "validation_failed", "name"},
			{"bad domain", "PUT", "/admin/v1/accounts/acme", `{"domains":["acme"]}`, 422, "validation_failed", "domains[0]"},
			{"bad user", "PUT", "/admin/v1/accounts/acme", `{"domains":[],"users":["nobody"]}`, 422, "validation_failed", "users[0]"},
			{"domain of another account", "PUT", "/admin/v1/accounts/acme", `{"domains":["acme.test","GLOBEX.test"]}`, 409, "conflict", "domains"},
			{"name differs from path", "PUT", "/admin/v1/accounts/acme", `{"name":"globex","domains":[]}`, 422, "validation_failed", "name"},
			{"no such provider", "PATCH", "/admin/v1/accounts/acme/providers/none", `{"enabled":true}`, 404, "not_found", ""},
			{"valid", "PUT", "/admin/v1/accounts/acme/providers/p", good, 200, "", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var e apiError
				dd := d
				if tt.name == "domain of another account" { // a replace of acme
					dd = d.withHeader("If-Match", "*")
				}
				status := dd.api(t, tt.method, tt.path, tt.body, &e)
				if status != tt.status || e.Code != tt.code || e.Field != tt.field {
					t.Errorf("= %d %+v, want %d %q field %q", status, e, tt.status, tt.code, tt.field)
				}
			})
		}
	})
}

func TestAdminAPINormalisesDiscoveryURL(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}})
		typed := " HTTPS://Login.Example.COM/tenant/.well-known/openid-configuration "
		var got ProviderView
		d.api(t, "PUT", "/admin/v1/accounts/acme/providers/p", ProviderInput{Type: "oidc", Issuer: typed, ClientID: "c"}, &got)
		want, err := idp.NormalizeIssuer(typed)
		if err != nil {
			t.Fatal(err)
		}
		if got.Issuer != want || want != "https://login.example.com/tenant" {
			t.Errorf("stored issuer %q, want %q as the client normalises it", got.Issuer, want)
		}
	})
}

func TestAdminAPINeverListsTheSecret(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		const secret = "GOCSPX-installed-app-secret-7890"
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme/providers/g", ProviderInput{Type: "okta", Issuer: "https://dev-1.okta.com", ClientID: "c", ClientSecret: ptr(secret), Enabled: true})
		for _, path := range []string{"/admin/v1/accounts/acme", "/admin/v1/accounts/acme/providers", "/admin/v1/accounts/acme/providers/g", "/admin/v1/accounts"} {
			_, body := d.apiRaw(t, "GET", path, nil, "Bearer "+testToken)
			if strings.Contains(string(body), secret) || strings.Contains(string(body), secret[:12]) {
				t.Errorf("GET %s shows the secret: %s", path, body)
			}
		}
		var v ProviderView
		d.api(t, "GET", "/admin/v1/accounts/acme/providers/g", nil, &v)
		if !v.ClientSecretSet || v.ClientSecretHint != "…7890" {
			t.Errorf("secret set %t hint %q, want true and …7890", v.ClientSecretSet, v.ClientSecretHint)
		}

		// A save without client_secret keeps it; the client still gets it.
		d.withHeader("If-Match", "*").mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme/providers/g", ProviderInput{Type: "google", Name: "Google Workspace", Issuer: "https://accounts.google.com", ClientID: "c", Enabled: true})
		if got := lookupSecret(t, d); got != secret {
			t.Errorf("after a save without the secret the client gets %q, want it kept", got)
		}
		d.withHeader("If-Match", "*").mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme/providers/g", ProviderInput{Type: "okta", Issuer: "https://dev-1.okta.com", ClientID: "c", ClientSecret: ptr(""), Enabled: true})
		if got := lookupSecret(t, d); got != "" {
			t.Errorf(`after client_secret "" the client gets %q, want none`, got)
		}
	})
}

func lookupSecret(t *testing.T, d *testDir) string {
	t.Helper()
	list, err := (&directory.Client{URL: d.URL}).Lookup(context.Background(), "agent@acme.test")
	if err != nil || len(list.Providers) != 1 {
		t.Fatalf("Lookup = %+v, %v", list, err)
	}
	return list.Providers[0].ClientSecret
}

func TestAdminAPIListAndDelete(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		if err := d.Seed(context.Background(), SeedOptions{}); err != nil {
			t.Fatal(err)
		}
		var list struct {
			Accounts []AccountSummary `json:"accounts"`
			Total    int              `json:"total"`
		}
		d.api(t, "GET", "/admin/v1/accounts?q=globex", nil, &list)
		if list.Total != 1 || list.Accounts[0].Name != "globex" || list.Accounts[0].Enabled != 2 {
			t.Fatalf("search globex = %+v, want globex with 2 enabled", list)
		}
		d.mustAPI(t, 204, "DELETE", "/admin/v1/accounts/globex/providers/globex-sso", nil)
		d.mustAPI(t, 204, "DELETE", "/admin/v1/accounts/acme", nil)
		d.mustAPI(t, 404, "GET", "/admin/v1/accounts/acme", nil)
		l, err := (&directory.Client{URL: d.URL}).Lookup(context.Background(), "agent@acme.test")
		if err != nil || len(l.Providers) != 0 {
			t.Errorf("lookup after deleting acme = %+v, %v; want an empty list", l, err)
		}
	})
}

// TestConcurrentAdminWritesAndLookups runs admin saves and toggles beside
// lookups over HTTP: nothing may fail (no SQLITE_BUSY), and every answer
// must be one of the states the writes go through.
func TestConcurrentAdminWritesAndLookups(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		if err := d.Seed(context.Background(), SeedOptions{}); err != nil {
			t.Fatal(err)
		}
		dir := &directory.Client{URL: d.URL}
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for w := range 4 {
			wg.Go(func() {
				for i := range 25 {
					id := fmt.Sprintf("w%d-%d", w, i)
					if st := d.api(t, "PUT", "/admin/v1/accounts/globex/providers/"+id, ProviderInput{Type: "oidc", Issuer: "https://" + id + ".example.com", ClientID: "c", Enabled: true}, nil); st != 200 {
						errs <- fmt.Errorf("PUT %s: %d", id, st)
					}
					if st := d.api(t, "PATCH", "/admin/v1/accounts/acme/providers/acme-sso", ProviderFlags{Enforced: ptr(i%2 == 0)}, nil); st != 200 {
						errs <- fmt.Errorf("PATCH: %d", st)
					}
				}
			})
		}
		for range 4 {
			wg.Go(func() {
				for range 50 {
					for _, email := range []string{"agent@acme.test", "agent@globex.test"} {
						l, err := dir.Lookup(context.Background(), email)
						if err != nil {
							errs <- err
						} else if len(l.Providers) == 0 {
							errs <- fmt.Errorf("%s: no providers", email)
						}
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		l, err := dir.Lookup(context.Background(), "agent@globex.test")
		if err != nil || len(l.Providers) != 2+4*25 {
			t.Errorf("globex has %d providers, %v; want %d", len(l.Providers), err, 2+4*25)
		}
	})
}

func TestRestartKeepsData(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		path := b.NewDSN(t)
		first, err := Open(context.Background(), path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		token := first.GeneratedAdminToken()
		if len(token) < 40 {
			t.Fatalf("generated token %q, want a long random one", token)
		}
		if err := first.Seed(context.Background(), SeedOptions{Issuer: "https://idp.example.com", ClientID: "demo"}); err != nil {
			t.Fatal(err)
		}
		if err := first.Close(); err != nil {
			t.Fatal(err)
		}

		s, err := Open(context.Background(), path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.GeneratedAdminToken() != "" {
			t.Error("a second start made a new token; want the stored one kept")
		}
		if !tokenWorks(t, s, token) {
			t.Error("the first start's token no longer works")
		}
		a, err := s.Account(context.Background(), "acme")
		if err != nil || len(a.Providers) != 1 || a.Providers[0].Issuer != "https://idp.example.com" || !a.Providers[0].Enforced {
			t.Errorf("acme after restart = %+v, %v; want its enforced provider", a, err)
		}
	})
}

func TestResetAdminToken(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		path := b.NewDSN(t)
		d := openTestDir(t, path, Options{AdminToken: testToken})
		d.Close()
		s, err := Open(context.Background(), path, Options{ResetAdminToken: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.GeneratedAdminToken() == "" || tokenWorks(t, s, testToken) || !tokenWorks(t, s, s.GeneratedAdminToken()) {
			t.Error("after a reset, want a new token that works and the old one refused")
		}
	})
}

func tokenWorks(t *testing.T, s *Server, token string) bool {
	t.Helper()
	ok, err := s.checkToken(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}
