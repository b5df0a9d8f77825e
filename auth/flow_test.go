package auth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dialtone/auth/authtest"
	"dialtone/internal/idp"
)

// serverBrowser walks an authorization URL like FollowBrowser but stops at
// the server's callback (any /idpresponse path) and returns its query.
func serverBrowser(t *testing.T, authURL string) url.Values {
	t.Helper()
	var got url.Values
	hc := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/idpresponse" {
			got = req.URL.Query()
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(authURL)
	if err != nil {
		t.Fatalf("GET the authorization URL: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if got == nil {
		t.Fatalf("the provider did not redirect to the server's callback (status %d)", resp.StatusCode)
	}
	return got
}

func TestRedeemConfidentialClient(t *testing.T) {
	for _, method := range []string{"client_secret_basic", "client_secret_post"} {
		t.Run(method, func(t *testing.T) {
			op := authtest.NewFakeOP(t)
			op.Secret = "s3cret-of-the-web-app"
			var sawBasic bool
			op.Token = func(w http.ResponseWriter, r *http.Request) {
				_, _, sawBasic = r.BasicAuth()
				op.DefaultToken(w, r)
			}
			op.Disc = func(d map[string]any) { d["token_endpoint_auth_methods_supported"] = []string{method} }
			p := op.Provider()
			p.ClientSecret = op.Secret
			c := newTestClient(nil, 10*time.Second)
			r, err := c.Resolve(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.ClientAuthMethod(); got != method {
				t.Errorf("ClientAuthMethod = %q, want %q", got, method)
			}
			f, err := NewCodeFlow("http://127.0.0.1:9/idpresponse", " Agent@Acme.test")
			if err != nil {
				t.Fatal(err)
			}
			q := serverBrowser(t, c.AuthCodeURL(r, f))
			if got := op.LastReq.Get("login_hint"); got != "agent@acme.test" {
				t.Errorf("login_hint = %q", got)
			}
			s, err := c.Redeem(t.Context(), r, f, q)
			if err != nil {
				t.Fatalf("Redeem: %v", err)
			}
			if sawBasic != (method == "client_secret_basic") {
				t.Errorf("Basic authentication used = %v with %s", sawBasic, method)
			}
			if s.Email != "agent@acme.test" || s.Subject != "user-1" || !s.HasRefreshToken() || s.Claims()["name"] != "Ada Agent" {
				t.Errorf("session = %+v (claims %v)", s, s.Claims())
			}
		})
	}
}

func TestRedeemRefusesWhatLoginRefuses(t *testing.T) {
	tests := []struct {
		name  string
		setup func(op *authtest.FakeOP)
		query func(q url.Values)
		want  errCheck
	}{
		{"another flow's state", nil, func(q url.Values) { q.Set("state", "forged") }, isVerification("state")},
		{"email mismatch", func(op *authtest.FakeOP) { op.Email = "boss@acme.test" }, nil, isEmail(EmailMismatch)},
		{"unverified email", func(op *authtest.FakeOP) { op.Verified = false }, nil, isEmail(EmailUnverified)},
		{"wrong iss", func(op *authtest.FakeOP) { op.Claims = func(c map[string]any) { c["iss"] = "https://evil.example" } }, nil, isVerification("iss")},
		{"bad signature", func(op *authtest.FakeOP) {
			op.Sign = func(op *authtest.FakeOP, c map[string]any) string { return tamper(op.SignRS256(c)) }
		}, nil, isVerification("signature")},
		{"access denied", nil, func(q url.Values) { q.Del("code"); q.Set("error", "access_denied") }, isProvider("access_denied")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			op := authtest.NewFakeOP(t)
			if tc.setup != nil {
				tc.setup(op)
			}
			c := newTestClient(nil, 10*time.Second)
			r, err := c.Resolve(t.Context(), op.Provider())
			if err != nil {
				t.Fatal(err)
			}
			f, _ := NewCodeFlow("http://127.0.0.1:9/idpresponse", "agent@acme.test")
			q := serverBrowser(t, c.AuthCodeURL(r, f))
			if tc.query != nil {
				tc.query(q)
			}
			_, err = c.Redeem(t.Context(), r, f, q)
			if !tc.want(err) {
				t.Fatalf("Redeem = %v", err)
			}
		})
	}
}

func TestRelayedErrorsReadAsTheOriginal(t *testing.T) {
	tests := []struct {
		name string
		err  error
		same func(got error) bool
	}{
		{"verification", &VerificationError{Check: "signature", Err: errors.New("bad")}, isVerification("signature")},
		{"email mismatch", &EmailError{Problem: EmailMismatch, Typed: "agent@acme.test", Got: "boss@acme.test", Claim: "email"}, func(got error) bool {
			var ee *EmailError
			return errors.As(got, &ee) && ee.Problem == EmailMismatch && ee.Got == "boss@acme.test" && ee.Typed == "agent@acme.test"
		}},
		{"email unverified", &EmailError{Problem: EmailUnverified, Typed: "agent@acme.test", Got: "agent@acme.test", Claim: "email"}, isEmail(EmailUnverified)},
		{"email missing", &EmailError{Problem: EmailMissing, Typed: "agent@acme.test", Claim: "email or preferred_username"}, isEmail(EmailMissing)},
		{"config", &idp.ConfigError{Field: "issuer", Problem: "no S256"}, isConfig("issuer", "no S256")},
		{"provider", &ProviderError{Code: "access_denied", Description: "no"}, isProvider("access_denied")},
		{"network", &idp.NetworkError{Op: "x", URL: "https://idp.test", Err: errors.New("refused")}, isProvider("temporarily_unavailable")},
		{"other", errors.New("boom"), isProvider("server_error")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := ErrorRedirectParams(tc.err)
			q.Set("state", "S")
			_, err, ok := parseCallback(q, callbackCheck{state: "S"})
			err = withTypedEmail(err, "agent@acme.test")
			if !ok || !tc.same(err) {
				t.Fatalf("ErrorRedirectParams(%v) = %v read back as %v", tc.err, q, err)
			}
		})
	}
}

func TestRelayedErrorsAreChecked(t *testing.T) {
	for _, raw := range []string{
		"error=access_denied&dialtone_error=email_mismatch&dialtone_email=not-an-email",
		"error=access_denied&dialtone_error=verification&dialtone_detail=%3Cscript%3E",
		"error=access_denied&dialtone_error=verification",
		"error=access_denied&dialtone_error=something_new&dialtone_detail=x",
	} {
		q, _ := url.ParseQuery(raw + "&state=S")
		_, err, _ := parseCallback(q, callbackCheck{state: "S"})
		if !isProvider("access_denied")(err) {
			t.Errorf("%s read as %v, want the plain access_denied", raw, err)
		}
	}
}

// TestLoginShowsARelayedRefusal: a provider (a broker) that refuses with
// the relay parameters gives the desktop the error of the check, with the
// address the agent typed.
func TestLoginShowsARelayedRefusal(t *testing.T) {
	op := authtest.NewFakeOP(t)
	op.Redirect = func(q url.Values) {
		q.Del("code")
		for k, v := range ErrorRedirectParams(&EmailError{Problem: EmailMismatch, Got: "boss@acme.test", Claim: "email"}) {
			q[k] = v
		}
	}
	_, err := newTestClient(&authtest.FollowBrowser{}, 10*time.Second).Login(context.Background(), LoginRequest{Provider: op.Provider(), Email: "agent@acme.test"})
	var ee *EmailError
	if !errors.As(err, &ee) || ee.Typed != "agent@acme.test" || ee.Got != "boss@acme.test" || !strings.Contains(err.Error(), "you typed agent@acme.test") {
		t.Fatalf("Login = %v, want the email mismatch naming both addresses", err)
	}
}
