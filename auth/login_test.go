package auth

import (
	"dialtone/auth/authtest"
	"dialtone/internal/idp"

	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func newTestClient(b Browser, timeout time.Duration) *Client {
	return NewClient(Config{Browser: b, Timeout: timeout, HTTPClient: idp.NewHTTPClient(0)})
}

func TestLoginSucceedsAgainstFakeOP(t *testing.T) {
	op := authtest.NewFakeOP(t)
	b := &authtest.FollowBrowser{}
	s, err := newTestClient(b, 10*time.Second).Login(t.Context(), LoginRequest{Provider: op.Provider(), Email: " Agent@ACME.test "})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if s.Email != "agent@acme.test" || s.Subject != "user-1" || s.Issuer != op.Issuer || s.Name != "Ada Agent" || !s.HasRefreshToken() {
		t.Errorf("session = %+v, want agent@acme.test / user-1 / %s / Ada Agent with a refresh token", s, op.Issuer)
	}
	q := op.LastReq
	checks := map[string]bool{
		"code_challenge_method=S256": q.Get("code_challenge_method") == "S256",
		"login_hint":                 q.Get("login_hint") == "agent@acme.test",
		"256-bit state":              len(q.Get("state")) >= 43,
		"256-bit nonce":              len(q.Get("nonce")) >= 43,
		"loopback redirect":          strings.HasPrefix(q.Get("redirect_uri"), "http://127.0.0.1:") && strings.HasSuffix(q.Get("redirect_uri"), "/callback"),
		"scopes":                     q.Get("scope") == "openid email profile offline_access",
	}
	for name, ok := range checks {
		if !ok {
			t.Errorf("authorization request: %s not met in %v", name, q)
		}
	}
	if got := op.Count("/userinfo"); got != 1 {
		t.Errorf("userinfo requests = %d, want 1", got)
	}
}

func TestLoginUserinfoMethod(t *testing.T) {
	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			op := authtest.NewFakeOP(t)
			var got string
			op.Userinfo = func(u map[string]any) { got = u["method"].(string) }
			p := op.Provider()
			p.UserinfoMethod = strings.ToLower(method)
			if _, err := newTestClient(&authtest.FollowBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"}); err != nil {
				t.Fatalf("Login: %v", err)
			}
			if got != method {
				t.Errorf("userinfo method = %q, want %q", got, method)
			}
		})
	}
}

// errCheck tells whether an error is the one a case expects.
type errCheck func(error) bool

func isVerification(check string) errCheck {
	return func(err error) bool {
		var ve *VerificationError
		return errors.As(err, &ve) && ve.Check == check
	}
}

func isProvider(code string) errCheck {
	return func(err error) bool {
		var pe *ProviderError
		return errors.As(err, &pe) && pe.Code == code
	}
}

func isEmail(p EmailProblem) errCheck {
	return func(err error) bool {
		var ee *EmailError
		return errors.As(err, &ee) && ee.Problem == p
	}
}

func isConfig(field, contains string) errCheck {
	return func(err error) bool {
		var ce *idp.ConfigError
		return errors.As(err, &ce) && ce.Field == field && strings.Contains(ce.Error(), contains)
	}
}

func isNetwork(err error) bool {
	var ne *idp.NetworkError
	return errors.As(err, &ne)
}

func TestLoginRefusesHostileAnswers(t *testing.T) {
	tests := []struct {
		name  string
		setup func(op *authtest.FakeOP, b *authtest.FollowBrowser)
		want  errCheck
	}{
		{"access denied at the provider", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Redirect = func(q url.Values) {
				q.Del("code")
				q.Set("error", "access_denied")
				q.Set("error_description", "user said no")
			}
		}, isProvider("access_denied")},
		{"missing code", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Redirect = func(q url.Values) { q.Del("code") }
		}, isProvider("invalid_request")},
		{"tampered signature", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Sign = func(op *authtest.FakeOP, c map[string]any) string { return tamper(op.SignRS256(c)) }
		}, isVerification("signature")},
		{"alg none", func(op *authtest.FakeOP, b *authtest.FollowBrowser) { op.Sign = signNone }, isVerification("signature")},
		{"HMAC signed with the public key", func(op *authtest.FakeOP, b *authtest.FollowBrowser) { op.Sign = signHMACWithPublicKey }, isVerification("signature")},
		{"wrong aud", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Claims = func(c map[string]any) { c["aud"] = "someone-else" }
		}, isVerification("aud")},
		{"several audiences without azp", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Claims = func(c map[string]any) { c["aud"] = []string{op.ClientID, "other"} }
		}, isVerification("azp")},
		{"azp not this client", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Claims = func(c map[string]any) { c["azp"] = "other" }
		}, isVerification("azp")},
		{"wrong iss", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Claims = func(c map[string]any) { c["iss"] = "https://evil.example" }
		}, isVerification("iss")},
		{"expired", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Claims = func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }
		}, isVerification("exp")},
		{"no exp", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Claims = func(c map[string]any) { delete(c, "exp") }
		}, isVerification("exp")},
		{"iat far in the future", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Claims = func(c map[string]any) { c["iat"] = time.Now().Add(time.Hour).Unix() }
		}, isVerification("iat")},
		{"nbf beyond the leeway", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Claims = func(c map[string]any) { c["nbf"] = time.Now().Add(10 * time.Minute).Unix() }
		}, isVerification("nbf")},
		{"nonce mismatch", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Claims = func(c map[string]any) { c["nonce"] = "replayed" }
		}, isVerification("nonce")},
		{"nonce missing", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Claims = func(c map[string]any) { delete(c, "nonce") }
		}, isVerification("nonce")},
		{"no id_token", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.TokenResp = func(r map[string]any) { delete(r, "id_token") }
		}, isVerification("id_token")},
		{"email mismatch", func(op *authtest.FakeOP, b *authtest.FollowBrowser) { op.Email = "boss@acme.test" }, isEmail(EmailMismatch)},
		{"email_verified false", func(op *authtest.FakeOP, b *authtest.FollowBrowser) { op.Verified = false }, isEmail(EmailUnverified)},
		{"email_verified \"false\"", func(op *authtest.FakeOP, b *authtest.FollowBrowser) { op.Verified = "false" }, isEmail(EmailUnverified)},
		{"no email at all", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Claims = func(c map[string]any) { delete(c, "email") }
			op.Userinfo = func(u map[string]any) { delete(u, "email") }
		}, isEmail(EmailMissing)},
		{"userinfo sub mismatch", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Userinfo = func(u map[string]any) { u["sub"] = "user-2" }
		}, isVerification("userinfo sub")},
		{"discovery issuer mismatch", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Disc = func(d map[string]any) { d["issuer"] = "https://real-issuer.example" }
		}, isConfig("issuer", `enter "https://real-issuer.example"`)},
		{"no PKCE S256", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Disc = func(d map[string]any) { d["code_challenge_methods_supported"] = []string{"plain"} }
		}, isConfig("issuer", "S256")},
		{"http endpoint for an https issuer", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Disc = func(d map[string]any) { d["token_endpoint"] = "http://evil.example/token" }
		}, isConfig("issuer", "must use https")},
		{"RFC 9207 iss from another issuer", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Redirect = func(q url.Values) { q.Set("iss", "https://other-idp.example") }
		}, isVerification("iss")},
		{"RFC 9207 iss promised but missing", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Disc = func(d map[string]any) { d["authorization_response_iss_parameter_supported"] = true }
		}, isVerification("iss")},
		{"oversized JWKS", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.JWKS = func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(strings.Repeat(" ", 2*idp.MaxBodySize)))
			}
		}, isConfig("issuer", "larger than 1 MiB")},
		{"oversized token response", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Token = func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"a":"` + strings.Repeat("x", 2*idp.MaxBodySize) + `"}`))
			}
		}, isProvider("invalid_response")},
		{"10 MB userinfo", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Userinfo = func(u map[string]any) { u["padding"] = strings.Repeat("x", 10<<20) }
		}, isConfig("issuer", "larger than 1 MiB")},
		{"10 MB discovery document", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Disc = func(d map[string]any) { d["padding"] = strings.Repeat("x", 10<<20) }
		}, isConfig("issuer", "larger than 1 MiB")},
		{"token endpoint says invalid_grant", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Token = func(w http.ResponseWriter, r *http.Request) { authtest.TokenError(w, "invalid_grant", "no") }
		}, isProvider("invalid_grant")},
		{"token endpoint 503", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Token = func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }
		}, isNetwork},
		{"token endpoint 429 from a proxy", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Token = func(w http.ResponseWriter, r *http.Request) { http.Error(w, "slow down", http.StatusTooManyRequests) }
		}, isNetwork},
		{"JWKS 429 from a proxy", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.JWKS = func(w http.ResponseWriter, r *http.Request) { http.Error(w, "slow down", http.StatusTooManyRequests) }
		}, isNetwork},
		{"unknown kid", func(op *authtest.FakeOP, b *authtest.FollowBrowser) {
			op.Sign = func(op *authtest.FakeOP, c map[string]any) string {
				op.KID = "rotated-away"
				defer func() { op.KID = "k1" }()
				return op.SignRS256(c)
			}
		}, isVerification("signature")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := authtest.NewFakeOP(t)
			b := &authtest.FollowBrowser{}
			tt.setup(op, b)
			s, err := newTestClient(b, 10*time.Second).Login(t.Context(), LoginRequest{Provider: op.Provider(), Email: "agent@acme.test"})
			if err == nil || !tt.want(err) {
				t.Fatalf("Login = %v, %v; want the case's error", s, err)
			}
		})
	}
}

// The signers of the hostile cases are shared with the broker's tests.
var (
	tamper                = authtest.Tamper
	signNone              = authtest.SignNone
	signHMACWithPublicKey = authtest.SignHMACWithPublicKey
)

func TestLoginRefetchesJWKSOnceOnRotation(t *testing.T) {
	op := authtest.NewFakeOP(t)
	op.Sign = func(op *authtest.FakeOP, c map[string]any) string { op.KID = "k2"; return op.SignRS256(c) }
	s, err := newTestClient(&authtest.FollowBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: op.Provider(), Email: "agent@acme.test"})
	if err != nil {
		t.Fatalf("Login after key rotation: %v", err)
	}
	if s.Subject != "user-1" {
		t.Errorf("subject = %q, want user-1", s.Subject)
	}
	if got := op.Count("/jwks"); got != 1 {
		t.Errorf("JWKS fetches = %d, want 1", got)
	}
}

func TestLoginIgnoresStrayRequestsUntilTimeout(t *testing.T) {
	op := authtest.NewFakeOP(t)
	stray := make(chan []int, 1)
	b := &authtest.FollowBrowser{Edit: func(u string) string {
		cb, _ := url.Parse(u)
		stray <- strayStatuses(cb)
		q := cb.Query()
		q.Set("state", "forged")
		cb.RawQuery = q.Encode()
		return cb.String()
	}}
	_, err := newTestClient(b, 2*time.Second).Login(t.Context(), LoginRequest{Provider: op.Provider(), Email: "agent@acme.test"})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Login with a forged state = %v, want ErrTimeout (the wait must ignore it)", err)
	}
	if got, want := <-stray, []int{404, 400, 400}; !slices.Equal(got, want) {
		t.Errorf("stray requests answered %v, want %v (favicon, wrong Host, wrong state)", got, want)
	}
	if b.LastStatus() != http.StatusBadRequest {
		t.Errorf("forged-state callback answered %d, want 400", b.LastStatus())
	}
}

// strayStatuses sends what a scanner or a confused browser might send to
// the loopback listener while a sign-in waits.
func strayStatuses(cb *url.URL) []int {
	var codes []int
	favicon := *cb
	favicon.Path, favicon.RawQuery = "/favicon.ico", ""
	rebind, _ := http.NewRequest(http.MethodGet, cb.String(), nil)
	rebind.Host = "evil.example:" + cb.Port()
	noState := *cb
	noState.RawQuery = "code=x"
	for _, req := range []*http.Request{mustGet(favicon.String()), rebind, mustGet(noState.String())} {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			codes = append(codes, -1)
			continue
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	return codes
}

func mustGet(u string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, u, nil)
	return r
}

func TestLoginCancelFreesThePort(t *testing.T) {
	op := authtest.NewFakeOP(t)
	port := freePort(t)
	p := op.Provider()
	p.RedirectPort = port
	ctx, cancel := context.WithCancel(t.Context())
	b := &cancelBrowser{cancel: cancel}
	_, err := newTestClient(b, time.Minute).Login(ctx, LoginRequest{Provider: p, Email: "agent@acme.test"})
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("Login after cancel = %v, want ErrCancelled", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("port %d still taken after cancel: %v", port, err)
	}
	ln.Close()
}

// cancelBrowser cancels the sign-in as soon as the browser is asked to
// open, as an agent pressing Cancel would.
type cancelBrowser struct{ cancel context.CancelFunc }

func (b *cancelBrowser) Open(ctx context.Context, u string) error { b.cancel(); return nil }

func TestLoginFixedPortInUse(t *testing.T) {
	op := authtest.NewFakeOP(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p := op.Provider()
	p.RedirectPort = ln.Addr().(*net.TCPAddr).Port
	_, err = newTestClient(&authtest.FollowBrowser{}, 5*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
	var pe *PortInUseError
	if !errors.As(err, &pe) || !strings.Contains(pe.Addr, strconv.Itoa(p.RedirectPort)) {
		t.Fatalf("Login on a taken port = %v, want a *PortInUseError naming the port", err)
	}
}

func TestLoginUnreachableProvider(t *testing.T) {
	p := idp.Provider{ID: "x", Type: idp.TypeOIDC, Issuer: "http://127.0.0.1:" + strconv.Itoa(freePort(t)), ClientID: "c"}
	_, err := newTestClient(&authtest.FollowBrowser{}, 5*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
	if !isNetwork(err) {
		t.Fatalf("Login against a closed port = %v, want a *idp.NetworkError", err)
	}
}

func TestLoginCallbackReplayAfterSuccess(t *testing.T) {
	op := authtest.NewFakeOP(t)
	b := &authtest.FollowBrowser{}
	if _, err := newTestClient(b, 10*time.Second).Login(t.Context(), LoginRequest{Provider: op.Provider(), Email: "agent@acme.test"}); err != nil {
		t.Fatal(err)
	}
	redirect := op.LastReq.Get("redirect_uri") + "?code=again&state=" + url.QueryEscape(op.LastReq.Get("state"))
	resp, err := http.Get(redirect)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("replayed callback answered %s, want the listener closed", resp.Status)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
