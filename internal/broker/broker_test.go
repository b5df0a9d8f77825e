package broker_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"dialtone/auth"
	"dialtone/auth/authtest"
	"dialtone/internal/broker"
	"dialtone/internal/broker/brokertest"
	"dialtone/internal/dirserver"
	"dialtone/internal/dirstore"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/idp"
	"dialtone/internal/sipaddr"
)

// desktop is the desktop's sign-in engine with a browser that follows
// redirects (FakeOP signs in without a form).
func desktop() *auth.Client {
	return auth.NewClient(auth.Config{Browser: &authtest.FollowBrowser{}, Timeout: 20 * time.Second, HTTPClient: idp.NewHTTPClient(0)})
}

// fakeUpstream is a FakeOP with a confidential client registered for the
// broker's redirect URI.
func fakeUpstream(t testing.TB) (*authtest.FakeOP, brokertest.Upstream) {
	op := authtest.NewFakeOP(t)
	op.Secret = "the web app's secret"
	op.Disc = func(d map[string]any) {
		d["token_endpoint_auth_methods_supported"] = []string{"client_secret_basic", "client_secret_post"}
	}
	return op, brokertest.Upstream{Issuer: op.Issuer, ClientID: op.ClientID, ClientSecret: op.Secret}
}

// claims decodes a JWT's payload without checking it (the desktop's
// engine has checked the ID token; this looks at what it says).
func claims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func audience(c map[string]any) []string {
	switch a := c["aud"].(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, v := range a {
			s, _ := v.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

func TestBrokeredSignIn(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		op, up := fakeUpstream(t)
		d := brokertest.Start(t, b.NewDSN(t), brokertest.Options(nil))
		d.AddBrokered(t, "acme", "acme.test", "okta", up)
		entry := d.Entry(t, "agent@acme.test", "okta")
		if entry.Issuer != d.Issuer || entry.ClientID != broker.DefaultClientID || entry.ClientSecret != "" || entry.AuthParams[broker.UpstreamParam] == "" {
			t.Fatalf("the brokered entry is %+v", entry)
		}
		c := desktop()
		s, err := c.Login(context.Background(), auth.LoginRequest{Provider: entry, Email: "agent@acme.test"})
		if err != nil {
			t.Fatalf("Login through the broker: %v", err)
		}
		if s.Issuer != d.Issuer || s.Email != "agent@acme.test" || !s.HasRefreshToken() || s.Subject == "user-1" {
			t.Fatalf("session = %+v", s)
		}
		if got := op.LastReq.Get("login_hint"); got != "agent@acme.test" {
			t.Errorf("the upstream got login_hint %q", got)
		}
		id := claims(t, s.IDToken())
		if id[broker.IDPClaim] != "okta" || id["email"] != "agent@acme.test" || !slices.Equal(audience(id), []string{broker.DefaultClientID}) {
			t.Errorf("ID token claims %v", id)
		}
		at := claims(t, s.AccessToken())
		if !slices.Equal(audience(at), []string{broker.DefaultClientID}) || at["iss"] != d.Issuer || at["email"] != "agent@acme.test" {
			t.Errorf("access token claims %v", at)
		}
		// Silent re-login: one request, the refresh grant.
		r, err := c.Resolve(context.Background(), entry)
		if err != nil {
			t.Fatal(err)
		}
		renewed, err := c.Refresh(context.Background(), r, s, s.RefreshToken())
		if err != nil {
			t.Fatalf("Refresh: %v", err)
		}
		if renewed.RefreshToken() == s.RefreshToken() || renewed.Subject != s.Subject {
			t.Errorf("the refresh did not rotate the token or changed the subject")
		}
		// The spent token again: refused, and the family ends.
		if _, err := c.Refresh(context.Background(), r, s, s.RefreshToken()); !isInvalidGrant(err) {
			t.Fatalf("reuse of a spent refresh token = %v, want invalid_grant", err)
		}
		if _, err := c.Refresh(context.Background(), r, renewed, renewed.RefreshToken()); !isInvalidGrant(err) {
			t.Errorf("after the reuse the family's live token = %v, want invalid_grant", err)
		}
	})
}

func isInvalidGrant(err error) bool {
	var pe *auth.ProviderError
	return errors.As(err, &pe) && pe.Code == "invalid_grant"
}

func TestBrokeredSignOutAndDisable(t *testing.T) {
	op, up := fakeUpstream(t)
	d := brokertest.Start(t, dirstoretest.Backends(t)[0].NewDSN(t), brokertest.Options(nil))
	d.AddBrokered(t, "acme", "acme.test", "okta", up)
	entry := d.Entry(t, "agent@acme.test", "okta")
	c := desktop()
	ctx := context.Background()

	t.Run("revocation ends the family and the upstream's", func(t *testing.T) {
		s, err := c.Login(ctx, auth.LoginRequest{Provider: entry, Email: "agent@acme.test"})
		if err != nil {
			t.Fatal(err)
		}
		ok, err := c.Revoke(ctx, s.Resolved(), s.RefreshToken())
		if !ok || err != nil {
			t.Fatalf("Revoke = %v, %v", ok, err)
		}
		if _, err := c.Refresh(ctx, s.Resolved(), s, s.RefreshToken()); !isInvalidGrant(err) {
			t.Errorf("refresh after the revocation = %v", err)
		}
		op.Mu.Lock()
		revoked := len(op.Revoked)
		op.Mu.Unlock()
		if revoked != 1 {
			t.Errorf("the upstream got %d revocations, want 1", revoked)
		}
	})

	t.Run("disabling the provider refuses the next refresh", func(t *testing.T) {
		s, err := c.Login(ctx, auth.LoginRequest{Provider: entry, Email: "agent@acme.test"})
		if err != nil {
			t.Fatal(err)
		}
		off := false
		if err := d.SetProviderFlags(ctx, "acme", "okta", dirserver.ProviderFlags{Enabled: &off}); err != nil {
			t.Fatal(err)
		}
		on := true
		if err := d.SetProviderFlags(ctx, "acme", "okta", dirserver.ProviderFlags{Enabled: &on}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Refresh(ctx, s.Resolved(), s, s.RefreshToken()); !isInvalidGrant(err) {
			t.Errorf("refresh after disable (and enable again) = %v, want invalid_grant", err)
		}
	})
}

func loginRequest(entry idp.Provider) auth.LoginRequest {
	return auth.LoginRequest{Provider: entry, Email: "agent@acme.test"}
}

// TestLineAudience: with the account's line resource set, the access token
// is for the line and only for it; the ID token stays the desktop's.
func TestLineAudience(t *testing.T) {
	_, up := fakeUpstream(t)
	d := brokertest.Start(t, dirstoretest.Backends(t)[0].NewDSN(t), brokertest.Options(nil))
	d.AddBrokered(t, "acme", "acme.test", "okta", up)
	if err := d.SaveAccount(context.Background(), &dirserver.Account{Name: "acme", Domains: []string{"acme.test"}, Line: &sipaddr.Config{Registrar: "sips:pbx.acme.test", Resource: "https://pbx.acme.test"}}); err != nil {
		t.Fatal(err)
	}
	s, err := desktop().Login(context.Background(), loginRequest(d.Entry(t, "agent@acme.test", "okta")))
	if err != nil {
		t.Fatal(err)
	}
	if at := claims(t, s.AccessToken()); !slices.Equal(audience(at), []string{"https://pbx.acme.test"}) || at["client_id"] != broker.DefaultClientID {
		t.Errorf("access token aud %v, client_id %v; want only the line's, issued to dialtone", audience(at), at["client_id"])
	}
	if id := claims(t, s.IDToken()); !slices.Equal(audience(id), []string{broker.DefaultClientID}) {
		t.Errorf("ID token aud %v, want only the desktop's", audience(id))
	}
}

// TestEndedSessionsForgetTheUpstreamToken ends sessions each way a
// session ends early — the agent signs out, a spent refresh token comes
// back, an admin disables the provider — and finds each one's sealed
// upstream refresh token gone from the database at once, while a live
// session keeps its own.
func TestEndedSessionsForgetTheUpstreamToken(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		ctx := context.Background()
		dsn := b.NewDSN(t)
		_, up := fakeUpstream(t)
		d := brokertest.Start(t, dsn, brokertest.Options(nil))
		d.AddBrokered(t, "acme", "acme.test", "okta", up)
		entry := d.Entry(t, "agent@acme.test", "okta")
		c := desktop()
		signedOut, reused := login(t, c, entry), login(t, c, entry)
		login(t, c, entry) // ended by the admin below
		if ok, err := c.Revoke(ctx, signedOut.Resolved(), signedOut.RefreshToken()); !ok || err != nil {
			t.Fatalf("Revoke = %v, %v", ok, err)
		}
		refresh(t, c, reused)
		if _, err := c.Refresh(ctx, reused.Resolved(), reused, reused.RefreshToken()); !isInvalidGrant(err) {
			t.Fatalf("the spent token again = %v, want invalid_grant", err)
		}
		if got := upstreamTokens(t, dsn); got.ended != 2 || got.endedWithToken != 0 || got.live != 1 || got.liveWithToken != 1 {
			t.Fatalf("after a sign-out and a reuse: %+v; want both ended without an upstream token, the live one with its own", got)
		}
		off := false
		if err := d.SetProviderFlags(ctx, "acme", "okta", dirserver.ProviderFlags{Enabled: &off}); err != nil {
			t.Fatal(err)
		}
		if got := upstreamTokens(t, dsn); got.ended != 3 || got.endedWithToken != 0 {
			t.Errorf("after the provider was disabled: %+v; want every session ended without an upstream token", got)
		}
	})
}

// sessionCount counts broker sessions, ended or live, and those that
// still hold a sealed upstream refresh token.
type sessionCount struct{ ended, endedWithToken, live, liveWithToken int }

func upstreamTokens(t *testing.T, dsn string) sessionCount {
	t.Helper()
	db, err := dirstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Read().Query("SELECT ended_at, upstream_sealed FROM broker_sessions")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var c sessionCount
	for rows.Next() {
		var ended int64
		var sealed string
		if err := rows.Scan(&ended, &sealed); err != nil {
			t.Fatal(err)
		}
		switch {
		case ended != 0 && sealed != "":
			c.ended, c.endedWithToken = c.ended+1, c.endedWithToken+1
		case ended != 0:
			c.ended++
		case sealed != "":
			c.live, c.liveWithToken = c.live+1, c.liveWithToken+1
		default:
			c.live++
		}
	}
	return c
}
