package dirserver

import (
	"context"
	"dialtone/internal/directory"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/sipaddr"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

var acmeLine = &sipaddr.Config{Registrar: "sips:pbx.acme.test", Resource: "https://pbx.acme.test"}

// TestAccountLine: an account's phone line is saved through the admin API,
// read back, and answered by the lookup as the provider list's "line",
// which the desktop's directory client parses; removing it removes it from
// the answer.
func TestAccountLine(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}, Line: &sipaddr.Config{Registrar: " sips:pbx.acme.test ", Resource: "https://pbx.acme.test"}})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme/providers/sso", ProviderInput{Type: "oidc", Issuer: "https://sso.example.com", ClientID: "c", Enabled: true})
		var a Account
		d.api(t, "GET", "/admin/v1/accounts/acme", nil, &a)
		if a.Line == nil || *a.Line != *acmeLine {
			t.Errorf("GET line = %+v, want %+v", a.Line, acmeLine)
		}
		list, err := (&directory.Client{URL: d.URL}).Lookup(context.Background(), "agent@acme.test")
		if err != nil {
			t.Fatal(err)
		}
		if list.Line == nil || *list.Line != *acmeLine {
			t.Errorf("lookup line = %+v, want %+v", list.Line, acmeLine)
		}

		d.withHeader("If-Match", "*").mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}})
		if _, body := d.lookupRaw(t, "agent@acme.test", nil); strings.Contains(string(body), `"line"`) {
			t.Errorf("the lookup still answers a line after it was removed: %s", body)
		}
	})
}

// TestAccountLineWithoutProvidersIsNotAnswered: an account with a line but
// no enabled provider answers like an unknown email (no sign-in, so no
// token for a line, and nothing to tell the accounts apart).
func TestAccountLineWithoutProvidersIsNotAnswered(t *testing.T) {
	d := newTestDir(t, Options{})
	d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}, Line: acmeLine})
	if _, body := d.lookupRaw(t, "agent@acme.test", nil); strings.Contains(string(body), "line") {
		t.Errorf("an account without providers answers its line: %s", body)
	}
}

// TestAccountLineRefused: what the desktop would refuse is refused when the
// admin saves it, naming the field; nothing is saved.
func TestAccountLineRefused(t *testing.T) {
	d := newTestDir(t, Options{})
	tests := []struct {
		name  string
		line  sipaddr.Config
		field string
	}{
		{"an address of record for the whole account", sipaddr.Config{Registrar: "sips:pbx.acme.test", AOR: "sip:agent@acme.test"}, "line.aor"},
		{"plain sip to a host that is not loopback", sipaddr.Config{Registrar: "sip:pbx.acme.test"}, "line.registrar"},
		{"a resource without a registrar", sipaddr.Config{Resource: "https://pbx.acme.test"}, "line.registrar"},
		{"an http resource", sipaddr.Config{Registrar: "sips:pbx.acme.test", Resource: "http://pbx.acme.test"}, "line.resource"},
		{"not a SIP URI", sipaddr.Config{Registrar: "https://pbx.acme.test"}, "line.registrar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := d.apiRaw(t, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}, Line: &tt.line}, "Bearer "+testToken)
			var e struct {
				Field string `json:"field"`
			}
			_ = json.Unmarshal(body, &e)
			if status != http.StatusUnprocessableEntity || e.Field != tt.field {
				t.Errorf("PUT with line %+v: %d %s; want 422 naming %s", tt.line, status, body, tt.field)
			}
		})
	}
	if _, err := d.Account(context.Background(), "acme"); err == nil {
		t.Error("a refused account was saved")
	}
}

// TestAdminPageSetsTheLine: the account form's two line fields save the
// line and show it again; a wrong registrar is refused with its label.
func TestAdminPageSetsTheLine(t *testing.T) {
	d := newTestDir(t, Options{})
	if err := d.Seed(context.Background(), SeedOptions{}); err != nil {
		t.Fatal(err)
	}
	c := newPageClient(t, d)
	csrf := c.signIn()
	_, page := c.get("/admin/accounts/acme")
	versions := versionField.FindAllStringSubmatch(page, -1)
	version := versions[len(versions)-1][1]
	form := url.Values{"csrf": {csrf}, "version": {version}, "domains": {"acme.test"},
		"line_registrar": {"sip:pbx.acme.test"}, "line_resource": {"https://pbx.acme.test"}}
	if status, body := c.post("/admin/accounts/acme", form, d.URL); status != http.StatusUnprocessableEntity || !strings.Contains(body, "Phone line registrar") {
		t.Errorf("a plain sip: registrar: %d; want 422 naming the Phone line registrar field", status)
	}
	form.Set("line_registrar", "sips:pbx.acme.test")
	if status, _ := c.post("/admin/accounts/acme", form, d.URL); status != http.StatusOK {
		t.Fatalf("saving the line: %d", status)
	}
	a, err := d.Account(context.Background(), "acme")
	if err != nil || a.Line == nil || *a.Line != *acmeLine {
		t.Fatalf("after the form the line is %+v, %v; want %+v", a.Line, err, acmeLine)
	}
	if _, page := c.get("/admin/accounts/acme"); !strings.Contains(page, `value="sips:pbx.acme.test"`) || !strings.Contains(page, `value="https://pbx.acme.test"`) {
		t.Error("the account page does not show the saved line")
	}
}
