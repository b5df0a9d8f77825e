package auth

import (
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// profileCase is a provider that bends OpenID Connect like one real IdP,
// run on loopback by fakeOP, and the provider-list entry an admin makes.
type profileCase struct {
	name     string
	typ      string
	quirks   func(op *fakeOP)
	provider func(op *fakeOP, p *Provider)
	check    func(t *testing.T, op *fakeOP, s *Session)
	// oidcHint is in the error when the same OP is configured as type
	// oidc; "" means the IdP is standard enough for type oidc too.
	oidcHint string
}

var profileCases = []profileCase{
	{
		name: "google", typ: TypeGoogle,
		quirks: func(op *fakeOP) {
			op.secret = "GOCSPX-not-confidential"
			op.refuseScope = "offline_access"
			op.tokenIss = withoutScheme(op.issuer) // "accounts.google.com" style
			op.claims = func(c map[string]any) { c["hd"] = "acme.test" }
		},
		provider: func(op *fakeOP, p *Provider) {
			p.ClientSecret = op.secret
			p.AuthParams = map[string]string{"hd": "acme.test"}
		},
		check: func(t *testing.T, op *fakeOP, s *Session) {
			q := op.lastReq
			if q.Get("access_type") != "offline" || q.Get("prompt") != "consent" || strings.Contains(q.Get("scope"), "offline_access") {
				t.Errorf("authorization request %v: want access_type=offline, prompt=consent and no offline_access", q)
			}
		},
		oidcHint: "choose type google",
	},
	{
		name: "azure common", typ: TypeAzure,
		quirks: func(op *fakeOP) {
			op.path = "/common/v2.0"
			op.discIssuer = op.issuer + "/{tenantid}/v2.0"
			op.tokenIss = op.issuer + "/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"
			op.claims = func(c map[string]any) {
				c["tid"] = "9188040d-6c67-4c5b-b112-36a304b66dad"
				c["preferred_username"] = c["email"]
				delete(c, "email")
				delete(c, "email_verified")
			}
			op.userinfo = func(u map[string]any) { delete(u, "email"); delete(u, "email_verified") }
		},
		provider: func(op *fakeOP, p *Provider) { p.Tenants = []string{"9188040d-6c67-4c5b-b112-36a304b66dad"} },
		check: func(t *testing.T, op *fakeOP, s *Session) {
			if !strings.HasPrefix(op.lastReq.Get("redirect_uri"), "http://localhost:") {
				t.Errorf("redirect_uri = %q, want http://localhost:PORT/callback for Entra ID", op.lastReq.Get("redirect_uri"))
			}
		},
		oidcHint: "choose type azure",
	},
	{
		name: "salesforce", typ: TypeSalesforce,
		quirks: func(op *fakeOP) {
			op.path = "/acme-my-domain"
			op.discIssuer = op.issuer + "/login" // like https://login.salesforce.com
			op.refuseScope = "offline_access"
		},
		check: func(t *testing.T, op *fakeOP, s *Session) {
			if got := strings.Fields(op.lastReq.Get("scope")); !slices.Contains(got, "refresh_token") || slices.Contains(got, "offline_access") {
				t.Errorf("scopes = %v, want refresh_token and no offline_access", got)
			}
		},
		oidcHint: "choose type salesforce",
	},
	{
		name: "keycloak", typ: TypeKeycloak,
		quirks: func(op *fakeOP) { op.path = "/auth/realms/agents" },
	},
	{
		name: "onelogin without email_verified", typ: TypeOneLogin,
		quirks: func(op *fakeOP) {
			op.path = "/oidc/2"
			op.verified = nil
			op.claims = func(c map[string]any) { delete(c, "email_verified") }
			op.userinfo = func(u map[string]any) { delete(u, "email_verified") }
		},
	},
	{
		name: "okta custom server", typ: TypeOkta,
		quirks: func(op *fakeOP) { op.path = "/oauth2/default" },
	},
}

func TestProfilesLoginAndSilentReLogin(t *testing.T) {
	for _, pc := range profileCases {
		t.Run(pc.name, func(t *testing.T) {
			f := newSessionsFixture(t)
			pc.quirks(f.op)
			p := f.op.provider()
			p.Type = pc.typ
			if pc.provider != nil {
				pc.provider(f.op, &p)
			}
			s, err := f.sessions.Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
			if err != nil {
				t.Fatalf("Login as type %s: %v", pc.typ, err)
			}
			if pc.check != nil {
				pc.check(t, f.op, s)
			}
			if _, err := f.newSessions().Resume(t.Context()); err != nil {
				t.Fatalf("silent re-login as type %s: %v", pc.typ, err)
			}
		})
	}
}

func TestProfilesAsPlainOIDCTellTheAdminTheType(t *testing.T) {
	for _, pc := range profileCases {
		if pc.oidcHint == "" {
			continue
		}
		t.Run(pc.name, func(t *testing.T) {
			op := newFakeOP(t)
			pc.quirks(op)
			p := op.provider()
			if pc.provider != nil {
				pc.provider(op, &p)
			}
			p.Type, p.Tenants = TypeOIDC, nil
			p.AuthParams = nil
			_, err := newTestClient(&followBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
			if err == nil || !strings.Contains(err.Error(), pc.oidcHint) {
				t.Fatalf("Login as type oidc = %v, want an error saying %q", err, pc.oidcHint)
			}
		})
	}
}

func TestGoogleWithoutSecretIsRefusedBeforeTheBrowser(t *testing.T) {
	p := Provider{ID: "g", Type: TypeGoogle, Issuer: "https://accounts.google.com", ClientID: "123.apps.googleusercontent.com"}
	var ce *ConfigError
	if err := p.Validate(); !errors.As(err, &ce) || ce.Field != "client_secret" {
		t.Fatalf("Validate = %v, want a client_secret error", err)
	}
}

func TestAzureRefusesTenantNotAllowed(t *testing.T) {
	op := newFakeOP(t)
	profileCases[1].quirks(op)
	p := op.provider()
	p.Type, p.Tenants = TypeAzure, []string{"another-tenant"}
	_, err := newTestClient(&followBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
	if !isVerification("tid")(err) {
		t.Fatalf("Login from a tenant not allowed = %v, want a tid check failure", err)
	}
}

func TestAzureTemplateNeedsTid(t *testing.T) {
	op := newFakeOP(t)
	profileCases[1].quirks(op)
	inner := op.claims
	op.claims = func(c map[string]any) { inner(c); delete(c, "tid") }
	p := op.provider()
	p.Type = TypeAzure
	_, err := newTestClient(&followBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
	if !isVerification("iss")(err) {
		t.Fatalf("Login with no tid = %v, want an iss check failure", err)
	}
}

func TestGoogleHostedDomainChecked(t *testing.T) {
	op := newFakeOP(t)
	profileCases[0].quirks(op)
	op.claims = func(c map[string]any) { c["hd"] = "gmail.example" }
	p := op.provider()
	profileCases[0].provider(op, &p)
	p.Type = TypeGoogle
	_, err := newTestClient(&followBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
	if !isVerification("hd")(err) {
		t.Fatalf("Login from another hosted domain = %v, want an hd check failure", err)
	}
}

func TestSalesforceRefusesForeignIssuer(t *testing.T) {
	if salesforceLoginHost("https://acme.my.salesforce.com", "https://evil.example") {
		t.Error("a Salesforce org accepted a discovery document naming another host")
	}
	if !salesforceLoginHost("https://acme.my.salesforce.com", "https://login.salesforce.com") {
		t.Error("a Salesforce org refused login.salesforce.com")
	}
	if salesforceLoginHost("https://acme.my.salesforce.com", "http://127.0.0.1:9") {
		t.Error("a Salesforce org accepted a loopback issuer")
	}
}

func TestOktaTriesRedirectPortsInOrder(t *testing.T) {
	op := newFakeOP(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	free := freePort(t)
	p := op.provider()
	p.Type = TypeOkta
	p.RedirectPorts = []int{busy.Addr().(*net.TCPAddr).Port, free}
	if _, err := newTestClient(&followBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"}); err != nil {
		t.Fatalf("Login: %v", err)
	}
	if want := "http://127.0.0.1:" + strconv.Itoa(free) + "/callback"; op.lastReq.Get("redirect_uri") != want {
		t.Errorf("redirect_uri = %q, want %q (the first free port of the list)", op.lastReq.Get("redirect_uri"), want)
	}
	p.RedirectPorts = []int{busy.Addr().(*net.TCPAddr).Port}
	_, err = newTestClient(&followBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
	var pe *PortInUseError
	if !errors.As(err, &pe) || !strings.Contains(pe.Addr, strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)) {
		t.Errorf("Login with every port taken = %v, want a *PortInUseError naming them", err)
	}
}

func TestAzureRefusesIPv6Redirect(t *testing.T) {
	p := Provider{ID: "e", Type: TypeAzure, Issuer: "https://login.microsoftonline.com/common/v2.0", ClientID: "c", RedirectHost: "::1"}
	var ce *ConfigError
	if err := p.Validate(); !errors.As(err, &ce) || ce.Field != "redirect_host" {
		t.Fatalf("Validate = %v, want a redirect_host error", err)
	}
}
