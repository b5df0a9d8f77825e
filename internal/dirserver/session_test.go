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
