package broker_test

import (
	"context"
	"testing"
	"time"

	"dialtone/auth"
	"dialtone/auth/authtest"
	"dialtone/internal/broker/brokertest"
	"dialtone/internal/dirserver"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/idp"
)

// TestEndedSessionsAreRevokedUpstream ends the broker's sessions each way
// an admin can — disabling the provider, switching it to Direct, pointing
// it at another client, deleting it, deleting the account — by the
// agent's email leaving the account (found at the next refresh) and by a
// replayed refresh token, at real identity providers (Zitadel's and
// oidc-provider), and then presents the upstream refresh token the broker
// held to the identity provider itself, as the broker's client: it is
// refused (invalid_grant), because the broker revoked it with the
// provider's configuration as it was before the change. The token of a
// session through another provider of the account, which no change
// touched, still renews there.
func TestEndedSessionsAreRevokedUpstream(t *testing.T) {
	type action func(t *testing.T, d *brokertest.Directory, up *authtest.Provider, s *auth.Session)
	saveAs := func(mode, clientID string) action {
		return func(t *testing.T, d *brokertest.Directory, up *authtest.Provider, _ *auth.Session) {
			secret := "another secret"
			in := &dirserver.ProviderInput{Mode: mode, Type: idp.TypeOIDC, Name: "Sso", Issuer: up.Issuer, ClientID: clientID, ClientSecret: &secret, Enabled: true}
			if err := d.SaveProvider(context.Background(), "acme", "sso", in); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []struct {
		name    string
		node    bool
		act     action
		control bool // the account's other provider lives on
	}{
		{"disabled", false, func(t *testing.T, d *brokertest.Directory, _ *authtest.Provider, _ *auth.Session) {
			off := false
			if err := d.SetProviderFlags(context.Background(), "acme", "sso", dirserver.ProviderFlags{Enabled: &off}); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"disabled at oidc-provider (client_secret_post)", true, func(t *testing.T, d *brokertest.Directory, _ *authtest.Provider, _ *auth.Session) {
			off := false
			if err := d.SetProviderFlags(context.Background(), "acme", "sso", dirserver.ProviderFlags{Enabled: &off}); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"switched to Direct", false, saveAs(dirserver.ModeDirect, "dialtone-desktop"), true},
		{"another client at the upstream", false, saveAs(dirserver.ModeBrokered, "another-client"), true},
		{"provider deleted", false, func(t *testing.T, d *brokertest.Directory, _ *authtest.Provider, _ *auth.Session) {
			if err := d.DeleteProvider(context.Background(), "acme", "sso"); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"account deleted", false, func(t *testing.T, d *brokertest.Directory, _ *authtest.Provider, _ *auth.Session) {
			if err := d.DeleteAccount(context.Background(), "acme"); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"the email left the account (at its next refresh)", false, func(t *testing.T, d *brokertest.Directory, _ *authtest.Provider, s *auth.Session) {
			if err := d.SaveAccount(context.Background(), &dirserver.Account{Name: "acme", Domains: []string{"acme.example"}}); err != nil {
				t.Fatal(err)
			}
			c := auth.NewClient(auth.Config{HTTPClient: idp.NewHTTPClient(0)})
			if _, err := c.Refresh(context.Background(), s.Resolved(), s, s.RefreshToken()); !isInvalidGrant(err) {
				t.Fatalf("the refresh of an email no longer the account's = %v, want invalid_grant", err)
			}
		}, true},
		{"a spent refresh token replayed", false, func(t *testing.T, _ *brokertest.Directory, _ *authtest.Provider, s *auth.Session) {
			c := auth.NewClient(auth.Config{HTTPClient: idp.NewHTTPClient(0)})
			if _, err := c.Refresh(context.Background(), s.Resolved(), s, s.RefreshToken()); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Refresh(context.Background(), s.Resolved(), s, s.RefreshToken()); !isInvalidGrant(err) {
				t.Fatalf("the replay = %v, want invalid_grant", err)
			}
		}, true},
	}
	backends := dirstoretest.Backends(t)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			d := brokertest.Start(t, backends[i%len(backends)].NewDSN(t), brokertest.Options(nil))
			o := authtest.Options{Users: []authtest.User{agent}, ClientID: "dialtone-broker", ClientSecret: "a web app's secret",
				RedirectURIs: []string{d.Issuer + "/idpresponse"}}
			var up *authtest.Provider
			var params map[string]string
			if tc.node {
				o.ClientAuthMethod, o.AdvertisedAuthMethods = authtest.AuthClientSecretPost, []string{authtest.AuthClientSecretPost}
				up, params = authtest.StartNode(t, o), map[string]string{"prompt": "consent"}
			} else {
				up = authtest.StartZitadel(t, o)
			}
			conf := brokertest.Upstream{Issuer: up.Issuer, ClientID: up.ClientID, ClientSecret: up.ClientSecret, AuthParams: params}
			d.AddBrokered(t, "acme", "acme.test", "sso", conf)
			d.AddBrokered(t, "acme", "acme.test", "keep", conf) // the account's second provider, same upstream client
			var sso *auth.Session
			for _, id := range []string{"sso", "keep"} {
				browser := &authtest.FormBrowser{Username: agent.Email, Password: agent.Password}
				c := auth.NewClient(auth.Config{Browser: browser, Timeout: 30 * time.Second, HTTPClient: idp.NewHTTPClient(0)})
				s, err := c.Login(ctx, auth.LoginRequest{Provider: d.Entry(t, agent.Email, id), Email: agent.Email})
				if err != nil {
					t.Fatalf("sign-in through %s: %v (browser: %v)", id, err, browser.Last().Err)
				}
				if id == "sso" {
					sso = s
				}
			}
			held, err := d.Broker().UpstreamTokensForTest(ctx)
			if err != nil || held["sso"] == "" || held["keep"] == "" {
				t.Fatalf("the broker holds upstream refresh tokens %d (%v), want one for each provider", len(held), err)
			}

			tc.act(t, d, up, sso)
			wait, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := d.Broker().WaitRevocations(wait); err != nil {
				t.Fatal(err)
			}

			if err := refreshUpstream(t, up, params, held["sso"]); !isInvalidGrant(err) {
				t.Errorf("the upstream refresh token of the ended session, at the identity provider: %v; want invalid_grant (revoked)", err)
			}
			if err := refreshUpstream(t, up, params, held["keep"]); tc.control && err != nil {
				t.Errorf("the upstream refresh token of the other provider's session: %v; want it alive", err)
			}
		})
	}
}

// refreshUpstream spends rt at the upstream provider as the broker's
// client.
func refreshUpstream(t *testing.T, up *authtest.Provider, params map[string]string, rt string) error {
	t.Helper()
	c := auth.NewClient(auth.Config{HTTPClient: idp.NewHTTPClient(0)})
	r, err := c.Resolve(context.Background(), idp.Provider{ID: "upstream", Type: idp.TypeOIDC, Issuer: up.Issuer, ClientID: up.ClientID, ClientSecret: up.ClientSecret, AuthParams: params})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Refresh(context.Background(), r, &auth.Session{Subject: agent.Subject, Email: agent.Email}, rt)
	return err
}
