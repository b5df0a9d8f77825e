package auth

import (
	"dialtone/auth/authtest"
	"dialtone/internal/idp"

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
	quirks   func(op *authtest.FakeOP)
	provider func(op *authtest.FakeOP, p *idp.Provider)
	check    func(t *testing.T, op *authtest.FakeOP, s *Session)
	// oidcHint is in the error when the same OP is configured as type
	// oidc; "" means the IdP is standard enough for type oidc too.
	oidcHint string
}

var profileCases = []profileCase{
	{
		name: "google", typ: idp.TypeGoogle,
		quirks: func(op *authtest.FakeOP) {
			op.Secret = "GOCSPX-not-confidential"
			op.RefuseScope = "offline_access"
			op.TokenIss = idp.WithoutScheme(op.Issuer) // "accounts.google.com" style
			op.Claims = func(c map[string]any) { c["hd"] = "acme.test" }
		},
		provider: func(op *authtest.FakeOP, p *idp.Provider) {
			p.ClientSecret = op.Secret
			p.AuthParams = map[string]string{"hd": "acme.test"}
		},
		check: func(t *testing.T, op *authtest.FakeOP, s *Session) {
			q := op.LastReq
			if q.Get("access_type") != "offline" || q.Get("prompt") != "consent" || strings.Contains(q.Get("scope"), "offline_access") {
				t.Errorf("authorization request %v: want access_type=offline, prompt=consent and no offline_access", q)
			}
		},
		oidcHint: "choose type google",
	},
	{
		name: "azure common", typ: idp.TypeAzure,
		quirks: func(op *authtest.FakeOP) {
			op.Path = "/common/v2.0"
			op.DiscIssuer = op.Issuer + "/{tenantid}/v2.0"
			op.TokenIss = op.Issuer + "/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"
			op.Claims = func(c map[string]any) {
				c["tid"] = "9188040d-6c67-4c5b-b112-36a304b66dad"
				c["preferred_username"] = c["email"]
				delete(c, "email")
				delete(c, "email_verified")
			}
			op.Userinfo = func(u map[string]any) { delete(u, "email"); delete(u, "email_verified") }
		},
		provider: func(op *authtest.FakeOP, p *idp.Provider) {
			p.Tenants = []string{"9188040d-6c67-4c5b-b112-36a304b66dad"}
		},
		check: func(t *testing.T, op *authtest.FakeOP, s *Session) {
			if !strings.HasPrefix(op.LastReq.Get("redirect_uri"), "http://localhost:") {
				t.Errorf("redirect_uri = %q, want http://localhost:PORT/callback for Entra ID", op.LastReq.Get("redirect_uri"))
			}
		},
		oidcHint: "choose type azure",
	},
	{
		name: "salesforce", typ: idp.TypeSalesforce,
		quirks: func(op *authtest.FakeOP) {
			op.Path = "/acme-my-domain"
			op.DiscIssuer = op.Issuer + "/login" // like https://login.salesforce.com
			op.RefuseScope = "offline_access"
		},
		check: func(t *testing.T, op *authtest.FakeOP, s *Session) {
			if got := strings.Fields(op.LastReq.Get("scope")); !slices.Contains(got, "refresh_token") || slices.Contains(got, "offline_access") {
				t.Errorf("scopes = %v, want refresh_token and no offline_access", got)
			}
		},
		oidcHint: "choose type salesforce",
	},
	{
		name: "keycloak", typ: idp.TypeKeycloak,
		quirks: func(op *authtest.FakeOP) { op.Path = "/auth/realms/agents" },
	},
	{
		name: "onelogin without email_verified", typ: idp.TypeOneLogin,
		quirks: func(op *authtest.FakeOP) {
			op.Path = "/oidc/2"
			op.Verified = nil
			op.Claims = func(c map[string]any) { delete(c, "email_verified") }
			op.Userinfo = func(u map[string]any) { delete(u, "email_verified") }
		},
	},
	{
		name: "okta custom server", typ: idp.TypeOkta,
		quirks: func(op *authtest.FakeOP) { op.Path = "/oauth2/default" },
	},
}

func TestProfilesLoginAndSilentReLogin(t *testing.T) {
	for _, pc := range profileCases {
		t.Run(pc.name, func(t *testing.T) {
			op := authtest.NewFakeOP(t)
			pc.quirks(op)
			p := op.Provider()
			p.Type = pc.typ
			if pc.provider != nil {
				pc.provider(op, &p)
			}
			c := newTestClient(&authtest.FollowBrowser{}, 10*time.Second)
			s, err := c.Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
			if err != nil {
				t.Fatalf("Login as type %s: %v", pc.typ, err)
			}
			if pc.check != nil {
				pc.check(t, op, s)
			}
			r, err := c.ResolveCached(t.Context(), p, ptr(s.Resolved().Snapshot()))
			if err != nil {
				t.Fatalf("ResolveCached as type %s: %v", pc.typ, err)
			}
			if _, err := c.Refresh(t.Context(), r, s, s.RefreshToken()); err != nil {
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
			op := authtest.NewFakeOP(t)
			pc.quirks(op)
			p := op.Provider()
			if pc.provider != nil {
				pc.provider(op, &p)
			}
			p.Type, p.Tenants = idp.TypeOIDC, nil
			p.AuthParams = nil
			_, err := newTestClient(&authtest.FollowBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
			if err == nil || !strings.Contains(err.Error(), pc.oidcHint) {
				t.Fatalf("Login as type oidc = %v, want an error saying %q", err, pc.oidcHint)
			}
		})
	}
}

func TestGoogleWithoutSecretIsRefusedBeforeTheBrowser(t *testing.T) {
	p := idp.Provider{ID: "g", Type: idp.TypeGoogle, Issuer: "https://accounts.google.com", ClientID: "123.apps.googleusercontent.com"}
	var ce *idp.ConfigError
	if err := p.Validate(); !errors.As(err, &ce) || ce.Field != "client_secret" {
		t.Fatalf("Validate = %v, want a client_secret error", err)
	}
}

func TestAzureRefusesTenantNotAllowed(t *testing.T) {
	op := authtest.NewFakeOP(t)
	profileCases[1].quirks(op)
	p := op.Provider()
	p.Type, p.Tenants = idp.TypeAzure, []string{"another-tenant"}
	_, err := newTestClient(&authtest.FollowBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
	if !isVerification("tid")(err) {
		t.Fatalf("Login from a tenant not allowed = %v, want a tid check failure", err)
	}
}

func TestAzureTemplateNeedsTid(t *testing.T) {
	op := authtest.NewFakeOP(t)
	profileCases[1].quirks(op)
	inner := op.Claims
	op.Claims = func(c map[string]any) { inner(c); delete(c, "tid") }
	p := op.Provider()
	p.Type = idp.TypeAzure
	_, err := newTestClient(&authtest.FollowBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
	if !isVerification("iss")(err) {
		t.Fatalf("Login with no tid = %v, want an iss check failure", err)
	}
}

func TestGoogleHostedDomainChecked(t *testing.T) {
	op := authtest.NewFakeOP(t)
	profileCases[0].quirks(op)
	op.Claims = func(c map[string]any) { c["hd"] = "gmail.example" }
	p := op.Provider()
	profileCases[0].provider(op, &p)
	p.Type = idp.TypeGoogle
	_, err := newTestClient(&authtest.FollowBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
	if !isVerification("hd")(err) {
		t.Fatalf("Login from another hosted domain = %v, want an hd check failure", err)
	}
}

func TestOktaTriesRedirectPortsInOrder(t *testing.T) {
	op := authtest.NewFakeOP(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	free := freePort(t)
	p := op.Provider()
	p.Type = idp.TypeOkta
	p.RedirectPorts = []int{busy.Addr().(*net.TCPAddr).Port, free}
	if _, err := newTestClient(&authtest.FollowBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"}); err != nil {
		t.Fatalf("Login: %v", err)
	}
	if want := "http://127.0.0.1:" + strconv.Itoa(free) + "/callback"; op.LastReq.Get("redirect_uri") != want {
		t.Errorf("redirect_uri = %q, want %q (the first free port of the list)", op.LastReq.Get("redirect_uri"), want)
	}
	p.RedirectPorts = []int{busy.Addr().(*net.TCPAddr).Port}
	_, err = newTestClient(&authtest.FollowBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
	var pe *PortInUseError
	if !errors.As(err, &pe) || !strings.Contains(pe.Addr, strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)) {
		t.Errorf("Login with every port taken = %v, want a *PortInUseError naming them", err)
	}
}

func TestAzureRefusesIPv6Redirect(t *testing.T) {
	p := idp.Provider{ID: "e", Type: idp.TypeAzure, Issuer: "https://login.microsoftonline.com/common/v2.0", ClientID: "c", RedirectHost: "::1"}
	var ce *idp.ConfigError
	if err := p.Validate(); !errors.As(err, &ce) || ce.Field != "redirect_host" {
		t.Fatalf("Validate = %v, want a redirect_host error", err)
	}
}

func ptr[T any](v T) *T { return &v }
