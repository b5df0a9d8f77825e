package dirserver

import (
	"context"
	"dialtone/internal/dirstore/dirstoretest"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// copyCookies makes a second browser that holds c's cookies, as one that
// copied (or stole) the session cookie would.
func (c *pageClient) copyCookies(d *testDir) *pageClient {
	other := newPageClient(c.t, d)
	u, err := url.Parse(d.URL + "/admin")
	if err != nil {
		c.t.Fatal(err)
	}
	other.hc.Jar.SetCookies(u, c.hc.Jar.Cookies(u))
	return other
}

func signedIn(body string) bool { return strings.Contains(body, "New account") }

// TestSignOutEndsTheSessionServerSide signs out in one browser and then
// uses the same cookie from another: it no longer opens the page nor
// passes a form.
func TestSignOutEndsTheSessionServerSide(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		c := newPageClient(t, d)
		csrf := c.signIn()
		copied := c.copyCookies(d)
		if _, body := copied.get("/admin"); !signedIn(body) {
			t.Fatal("the copied cookie does not open the page before sign-out")
		}
		if status, _ := c.post("/admin/logout", url.Values{"csrf": {csrf}}, d.URL); status != http.StatusOK {
			t.Fatalf("sign-out: %d", status)
		}
		if _, body := copied.get("/admin"); signedIn(body) {
			t.Error("after sign-out the old cookie still opens the admin page")
		}
		form := url.Values{"csrf": {csrf}, "name": {"evil"}, "domains": {"evil.test"}}
		if status, _ := copied.post("/admin/accounts", form, d.URL); status != http.StatusForbidden {
			t.Errorf("a form with the old cookie after sign-out: %d, want 403", status)
		}
		if _, err := d.Account(context.Background(), "evil"); err == nil {
			t.Error("the form with the old cookie created an account")
		}
	})
}

// TestNewAdminTokenEndsSessions restarts the server with a new token: the
// sessions made with the old one end.
func TestNewAdminTokenEndsSessions(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		dsn := b.NewDSN(t)
		d := openTestDir(t, dsn, Options{})
		c := newPageClient(t, d)
		c.signIn()
		same := openTestDir(t, dsn, Options{})
		if _, body := c.copyCookies(same).get("/admin"); !signedIn(body) {
			t.Fatal("a restart with the same token ended the session")
		}
		reset := openTestDir(t, dsn, Options{AdminToken: "another-admin-token-0123456789"})
		if _, body := c.copyCookies(reset).get("/admin"); signedIn(body) {
			t.Error("after a new admin token the old session still opens the page")
		}
	})
}

// TestAdminPageOriginMustMatchExactly posts a valid form with the Origin
// (or Referer) of other schemes, ports and hosts: only this server's own
// origin passes.
func TestAdminPageOriginMustMatchExactly(t *testing.T) {
	d := newTestDir(t, Options{})
	if err := d.Seed(context.Background(), SeedOptions{}); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(d.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := newPageClient(t, d)
	csrf := c.signIn()
	tests := []struct {
		name, header, value string
		want                int
	}{
		{"same origin", "Origin", d.URL, 200},
		{"same origin, host in capitals", "Origin", "HTTP://" + strings.ToUpper(u.Host), 200},
		{"https on the http server", "Origin", "https://" + u.Host, 403},
		{"another port", "Origin", "http://" + u.Hostname() + ":1", 403},
		{"no port (80)", "Origin", "http://" + u.Hostname(), 403},
		{"another host, same port", "Origin", "http://localhost:" + u.Port(), 403},
		{"null", "Origin", "null", 403},
		{"same-origin Referer", "Referer", d.URL + "/admin/accounts/acme", 200},
		{"https Referer", "Referer", "https://" + u.Host + "/admin/accounts/acme", 403},
	}
	for _, tt := range tests {
		req, err := http.NewRequest("POST", d.URL+"/admin/accounts/acme/providers/acme-sso/flags", strings.NewReader(url.Values{"csrf": {csrf}, "enabled": {"on"}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(tt.header, tt.value)
		resp, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if status, _ := readPage(t, resp); status != tt.want {
			t.Errorf("%s (%s: %s): %d, want %d", tt.name, tt.header, tt.value, status, tt.want)
		}
	}
}

// TestAdminPageOriginOption serves behind a proxy that ends TLS: the
// configured https origin passes and the plain request origin does not.
func TestAdminPageOriginOption(t *testing.T) {
	d := newTestDir(t, Options{Origin: "https://directory.example.com"})
	c := newPageClient(t, d)
	for origin, want := range map[string]int{"https://directory.example.com": 401, "https://directory.example.com:443": 401, d.URL: 403} {
		if status, _ := c.post("/admin/login", url.Values{"token": {"not-the-admin-token"}}, origin); status != want {
			t.Errorf("sign-in from %s: %d, want %d", origin, status, want)
		}
	}
}
