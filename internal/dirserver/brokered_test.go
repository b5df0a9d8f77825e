package dirserver

import (
	"context"
	"database/sql"
	"dialtone/auth/authtest"
	"dialtone/internal/broker"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/sealed"
	"dialtone/internal/sipaddr"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// newBrokerDir opens a directory with Brokered mode on, its broker's
// issuer on the server's own address.
func newBrokerDir(t testing.TB, dsn string, opts Options) *testDir {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	if opts.SecretKey == nil {
		opts.SecretKey, _ = sealed.ParseKey(sealed.NewKeyText())
	}
	opts.BrokerIssuer, opts.AdminToken, opts.RateLimit = url+"/broker", testToken, -1
	s, err := Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() { srv.Close(); s.Close() })
	return &testDir{Server: s, URL: url, Path: dsn, http: srv}
}

const upstreamSecret = "the-web-app-secret-0123456789"

// TestBrokeredProviderAdminAPI: the admin API saves a Brokered provider
// with a write-only secret, sealed at rest and never returned; desktops
// get the broker's entry, which names neither the account, the upstream,
// nor the secret; back in Direct mode the sealed secret is dropped.
func TestBrokeredProviderAdminAPI(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newBrokerDir(t, b.NewDSN(t), Options{})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}, Line: &sipaddr.Config{Registrar: "sips:pbx.acme.test", Resource: "https://pbx.acme.test"}})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme/providers/okta", ProviderInput{
			Mode: "brokered", Type: "okta", Issuer: "https://acme.okta.example", ClientID: "0oa-web", ClientSecret: ptr(upstreamSecret), Enabled: true})

		var v ProviderView
		d.api(t, "GET", "/admin/v1/accounts/acme/providers/okta", nil, &v)
		if v.Mode != ModeBrokered || !v.ClientSecretSet || v.ClientSecretHint != "" || v.RedirectURI != d.URL+"/broker/idpresponse" {
			t.Errorf("view = %+v", v)
		}
		_, raw := d.apiRaw(t, "GET", "/admin/v1/accounts/acme", nil, "Bearer "+testToken)
		if strings.Contains(string(raw), upstreamSecret) || strings.Contains(string(raw), "0123456789\"") {
			t.Error("the account's GET shows the secret")
		}
		var a Account
		d.api(t, "GET", "/admin/v1/accounts/acme", nil, &a)
		if a.Line == nil || a.Line.Resource != "https://pbx.acme.test" {
			t.Errorf("line = %+v", a.Line)
		}
		if dump := dumpProviders(t, d); strings.Contains(dump, upstreamSecret) || !strings.Contains(dump, "v2.") {
			t.Errorf("the providers table holds the secret in the clear, or not sealed: %s", dump)
		}

		_, body := d.lookupRaw(t, "agent@acme.test", nil)
		for _, leak := range []string{upstreamSecret, "acme.okta.example", "0oa-web", `"acme"`} {
			if strings.Contains(string(body), leak) {
				t.Errorf("the lookup shows %q: %s", leak, body)
			}
		}
		if !strings.Contains(string(body), `"issuer":"`+d.URL+`/broker"`) || !strings.Contains(string(body), broker.UpstreamParam) {
			t.Errorf("the lookup is not the broker's entry: %s", body)
		}

		d.withHeader("If-Match", "*").mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme/providers/okta", ProviderInput{
			Mode: "direct", Type: "okta", Issuer: "https://acme.okta.example", ClientID: "0oa-native", Enabled: true})
		d.api(t, "GET", "/admin/v1/accounts/acme/providers/okta", nil, &v)
		_, body = d.lookupRaw(t, "agent@acme.test", nil)
		if v.ClientSecretSet || strings.Contains(dumpProviders(t, d), "v2.") || strings.Contains(string(body), upstreamSecret) {
			t.Errorf("back in Direct mode the sealed secret is kept or served: %+v %s", v, body)
		}
	})
}

// dumpProviders returns every provider row as text.
func dumpProviders(t testing.TB, d *testDir) string {
	t.Helper()
	rows, err := d.store.db.Read().Query("SELECT config, secret_sealed, broker_ref FROM providers")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var c, s, r sql.NullString
		if err := rows.Scan(&c, &s, &r); err != nil {
			t.Fatal(err)
		}
		b.WriteString(c.String + " " + s.String + " " + r.String + "\n")
	}
	return b.String()
}

func TestBrokeredModeNeedsTheKey(t *testing.T) {
	d := newTestDir(t, Options{})
	d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}})
	var e apiError
	if status := d.api(t, "PUT", "/admin/v1/accounts/acme/providers/okta", ProviderInput{
		Mode: "brokered", Type: "oidc", Issuer: "https://idp.example", ClientID: "c", ClientSecret: ptr("s")}, &e); status != 422 || e.Field != "mode" {
		t.Errorf("a Brokered save without a key = %d %+v, want 422 naming mode", status, e)
	}
	if status := d.api(t, "PUT", "/admin/v1/accounts/acme/providers/okta", ProviderInput{Mode: "sideways", Type: "oidc", Issuer: "https://idp.example", ClientID: "c"}, &e); status != 422 || e.Field != "mode" {
		t.Errorf("mode sideways = %d %+v", status, e)
	}
}

// TestSaveAndAuthorise: the admin API starts an admin's sign-in through
// the upstream (which advertises no client_secret_basic, so the secret
// goes by client_secret_post); the browser comes back to the account page
// and the report
// says what came back.
func TestSaveAndAuthorise(t *testing.T) {
	op := authtest.NewFakeOP(t)
	op.Secret = upstreamSecret
	op.Claims = func(c map[string]any) { delete(c, "name") }
	d := newBrokerDir(t, dirstoretest.Backends(t)[0].NewDSN(t), Options{})
	d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}})
	d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme/providers/okta", ProviderInput{
		Mode: "brokered", Type: "oidc", Issuer: op.Issuer, ClientID: op.ClientID, ClientSecret: ptr(upstreamSecret), UserinfoMethod: "POST"})
	var started struct{ URL string }
	if status := d.api(t, "POST", "/admin/v1/accounts/acme/providers/okta/authorise", map[string]string{"email": "agent@acme.test"}, &started); status != 200 || started.URL == "" {
		t.Fatalf("authorise = %d %+v", status, started)
	}
	var landed string
	hc := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		landed = req.URL.String()
		if strings.HasPrefix(req.URL.Path, "/admin") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(started.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(landed, "/admin/accounts/acme?done=authorised#p-okta") {
		t.Fatalf("the browser landed on %s", landed)
	}
	var v ProviderView
	d.api(t, "GET", "/admin/v1/accounts/acme/providers/okta", nil, &v)
	r := v.LastAuthorise
	if r == nil || !r.OK || r.Email != "agent@acme.test" {
		t.Fatalf("last_authorise = %+v", r)
	}
	if !strings.Contains(strings.Join(r.Missing, " "), "name") {
		t.Errorf("missing = %v, want name among them", r.Missing)
	}
	if r.Checks[1].Name != "Code exchange (client_secret_post)" || r.Checks[4].Name != "Userinfo (POST)" {
		t.Errorf("checks = %+v", r.Checks)
	}
	if v.Enabled {
		t.Error("authorising enabled the provider")
	}
}
