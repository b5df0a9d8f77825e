package broker_test

import (
	"context"
	"testing"
	"time"

	"dialtone/auth"
	"dialtone/auth/authtest"
	"dialtone/internal/broker/brokertest"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/idp"
)

var agent = authtest.User{Subject: "agent-1", Email: "agent@acme.test", Password: "pw-agent-1", Name: "Ada Agent", EmailVerified: true}

// TestBrokeredAtRealProviders signs in through the broker at both real
// test providers as the customer's identity provider, with a confidential
// client: client_secret_basic and client_secret_post (oidc-provider made to
// advertise only that), userinfo by GET and by POST (the email is only in
// userinfo there), then renews the session silently.
func TestBrokeredAtRealProviders(t *testing.T) {
	cases := []struct {
		name, method string
		start        func(t *testing.T, o authtest.Options) *authtest.Provider
		authMethods  []string
		params       map[string]string
		want         string // the client authentication the broker must use
	}{
		{"zitadel basic GET", "GET", func(t *testing.T, o authtest.Options) *authtest.Provider { return authtest.StartZitadel(t, o) }, nil, nil, authtest.AuthClientSecretBasic},
		{"zitadel basic POST", "POST", func(t *testing.T, o authtest.Options) *authtest.Provider { return authtest.StartZitadel(t, o) }, nil, nil, authtest.AuthClientSecretBasic},
		{"node basic POST", "POST", func(t *testing.T, o authtest.Options) *authtest.Provider { return authtest.StartNode(t, o) },
			[]string{authtest.AuthClientSecretBasic}, map[string]string{"prompt": "consent"}, authtest.AuthClientSecretBasic},
		{"node post GET", "GET", func(t *testing.T, o authtest.Options) *authtest.Provider { return authtest.StartNode(t, o) },
			[]string{authtest.AuthClientSecretPost}, map[string]string{"prompt": "consent"}, authtest.AuthClientSecretPost},
	}
	dsn := dirstoretest.Backends(t)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := dsn[i%len(dsn)] // alternate SQLite and PostgreSQL
			d := brokertest.Start(t, b.NewDSN(t), brokertest.Options(nil))
			p := tc.start(t, authtest.Options{
				Users: []authtest.User{agent}, ClientID: "dialtone-broker", ClientSecret: "a web app's secret",
				ClientAuthMethod: tc.want, RedirectURIs: []string{d.Issuer + "/idpresponse"}, AdvertisedAuthMethods: tc.authMethods,
			})
			d.AddBrokered(t, "acme", "acme.test", "acme-sso", brokertest.Upstream{
				Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret, UserinfoMethod: tc.method, AuthParams: tc.params,
			})
			entry := d.Entry(t, agent.Email, "acme-sso")
			browser := &authtest.FormBrowser{Username: agent.Email, Password: agent.Password}
			c := auth.NewClient(auth.Config{Browser: browser, Timeout: 30 * time.Second, HTTPClient: idp.NewHTTPClient(0)})
			s, err := c.Login(context.Background(), auth.LoginRequest{Provider: entry, Email: agent.Email})
			if err != nil {
				t.Fatalf("Login through the broker at %s: %v (browser: %v)", tc.name, err, browser.Last().Err)
			}
			if s.Issuer != d.Issuer || s.Email != agent.Email || s.Name != agent.Name || !s.HasRefreshToken() {
				t.Fatalf("session %+v", s)
			}
			if discoveryOf(t, d.Issuer)["authorization_response_iss_parameter_supported"] != true {
				t.Errorf("the broker does not promise iss (RFC 9207): the desktop's iss check was not armed")
			}
			if n := p.Requests("/userinfo") + p.Requests("/me"); n != 1 {
				t.Errorf("the upstream's userinfo was asked %d times, want 1", n)
			}
			renewed, err := c.Refresh(context.Background(), s.Resolved(), s, s.RefreshToken())
			if err != nil || renewed.Subject != s.Subject {
				t.Fatalf("silent re-login: %v", err)
			}
		})
	}
}
