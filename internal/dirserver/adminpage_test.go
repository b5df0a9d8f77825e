package dirserver

import (
	"context"
	"dialtone/internal/dirstore/dirstoretest"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// pageClient is a browser-like client: it keeps cookies and follows
// redirects.
type pageClient struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newPageClient(t *testing.T, d *testDir) *pageClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &pageClient{t: t, base: d.URL, hc: &http.Client{Jar: jar}}
}

func (c *pageClient) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.hc.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	return readPage(c.t, resp)
}

func (c *pageClient) post(path string, form url.Values, origin string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return readPage(c.t, resp)
}

func readPage(t *testing.T, resp *http.Response) (int, string) {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *pageClient) signIn() string {
	c.t.Helper()
	status, body := c.post("/admin/login", url.Values{"token": {testToken}}, c.base)
	m := csrfField.FindStringSubmatch(body)
	if status != 200 || m == nil {
		c.t.Fatalf("sign-in: status %d, no CSRF token in the page", status)
	}
	return m[1]
}

func TestAdminPageSignIn(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		c := newPageClient(t, d)
		if status, body := c.get("/admin"); status != 200 || !strings.Contains(body, `name="token"`) {
			t.Fatalf("GET /admin signed out: %d, want the sign-in form", status)
		}
		if status, body := c.post("/admin/login", url.Values{"token": {"wrong-token-wrong-token"}}, ""); status != 401 || !strings.Contains(body, "not the admin token") {
			t.Errorf("wrong token: %d, want 401 with a message", status)
		}
		if status, _ := c.post("/admin/login", url.Values{"token": {testToken}}, "http://evil.example"); status != 403 {
			t.Errorf("cross-site sign-in: %d, want 403", status)
		}
		if status, _ := c.get("/admin/accounts/acme"); status != 200 {
			t.Errorf("account page signed out: %d, want the sign-in page (200 after the redirect)", status)
		}
		c.signIn()
		if status, body := c.get("/admin"); status != 200 || !strings.Contains(body, "New account") {
			t.Errorf("signed in: %d, want the account list", status)
		}
	})
}

func TestAdminPageFormsNeedCSRFAndOrigin(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		if err := d.Seed(context.Background(), SeedOptions{}); err != nil {
			t.Fatal(err)
		}
		c := newPageClient(t, d)
		csrf := c.signIn()
		toggle := "/admin/accounts/acme/providers/acme-sso/flags"
		tests := []struct {
			name   string
			form   url.Values
			origin string
			want   int
		}{
			{"no token", url.Values{"enabled": {"off"}}, "", 403},
			{"wrong token", url.Values{"enabled": {"off"}, "csrf": {"x" + csrf}}, "", 403},
			{"other origin", url.Values{"enabled": {"off"}, "csrf": {csrf}}, "http://evil.example", 403},
			{"same origin", url.Values{"enabled": {"off"}, "csrf": {csrf}}, d.URL, 200},
		}
		for _, tt := range tests {
			if status, _ := c.post(toggle, tt.form, tt.origin); status != tt.want {
				t.Errorf("%s: status %d, want %d", tt.name, status, tt.want)
			}
		}
		a, err := d.Account(context.Background(), "acme")
		if err != nil || a.Providers[0].Enabled {
			t.Errorf("after the one accepted toggle acme-sso enabled = %t, want false", a.Providers[0].Enabled)
		}
	})
}

func TestAdminPageEscapesAndHidesSecrets(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		const evil = `<script>alert("x")</script>`
		const secret = "installed-app-secret-must-not-show"
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Title: evil, Domains: []string{"acme.test"}})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme/providers/p", ProviderInput{Type: "oidc", Name: evil, Issuer: "https://idp.example.com", ClientID: `"><img src=x>`, ClientSecret: ptr(secret)})
		c := newPageClient(t, d)
		c.signIn()
		for _, path := range []string{"/admin", "/admin/accounts/acme", "/admin?q=" + url.QueryEscape(evil)} {
			resp, err := c.hc.Get(c.base + path)
			if err != nil {
				t.Fatal(err)
			}
			_, body := readPage(t, resp)
			if strings.Contains(body, "<script>alert") || strings.Contains(body, `"><img`) {
				t.Errorf("%s shows typed markup unescaped", path)
			}
			if strings.Contains(body, secret) {
				t.Errorf("%s shows the client secret", path)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("%s: Content-Security-Policy %q", path, csp)
			}
		}
	})
}

func TestAdminPageValidationErrorKeepsTypedValues(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}})
		c := newPageClient(t, d)
		csrf := c.signIn()
		form := url.Values{"csrf": {csrf}, "new": {"1"}, "id": {"acme-okta"}, "type": {"okta"}, "name": {"Acme Okta"},
			"issuer": {"http://acme.okta.test"}, "client_id": {"0oa-typed"}, "userinfo_method": {"GET"}, "action": {"save"}}
		status, body := c.post("/admin/accounts/acme/providers", form, d.URL)
		if status != 422 || !strings.Contains(body, "Discovery URL: ") || !strings.Contains(body, `value="0oa-typed"`) || !strings.Contains(body, `class="invalid"`) {
			t.Errorf("invalid save: status %d; want 422 naming the Discovery URL, the typed values kept and the field marked", status)
		}
	})
}
