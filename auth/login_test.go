package auth

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func newTestClient(b Browser, timeout time.Duration) *Client {
	return NewClient(Config{Browser: b, Timeout: timeout, HTTPClient: DefaultHTTPClient()})
}

func TestLoginSucceedsAgainstFakeOP(t *testing.T) {
	op := newFakeOP(t)
	b := &followBrowser{}
	s, err := newTestClient(b, 10*time.Second).Login(t.Context(), LoginRequest{Provider: op.provider(), Email: " Agent@ACME.test "})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if s.Email != "agent@acme.test" || s.Subject != "user-1" || s.Issuer != op.issuer || s.Name != "Ada Agent" || !s.HasRefreshToken() {
		t.Errorf("session = %+v, want agent@acme.test / user-1 / %s / Ada Agent with a refresh token", s, op.issuer)
	}
	q := op.lastReq
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
	if got := op.count("/userinfo"); got != 1 {
		t.Errorf("userinfo requests = %d, want 1", got)
	}
}

func TestLoginUserinfoMethod(t *testing.T) {
	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			op := newFakeOP(t)
			var got string
			op.userinfo = func(u map[string]any) { got = u["method"].(string) }
			p := op.provider()
			p.UserinfoMethod = strings.ToLower(method)
			if _, err := newTestClient(&followBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"}); err != nil {
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
		var ce *ConfigError
		return errors.As(err, &ce) && ce.Field == field && strings.Contains(ce.Error(), contains)
	}
}

func isNetwork(err error) bool {
	var ne *NetworkError
	return errors.As(err, &ne)
}

func TestLoginRefusesHostileAnswers(t *testing.T) {
	tests := []struct {
		name  string
		setup func(op *fakeOP, b *followBrowser)
		want  errCheck
	}{
		{"access denied at the provider", func(op *fakeOP, b *followBrowser) {
			op.redirect = func(q url.Values) {
				q.Del("code")
				q.Set("error", "access_denied")
				q.Set("error_description", "user said no")
			}
		}, isProvider("access_denied")},
		{"missing code", func(op *fakeOP, b *followBrowser) { op.redirect = func(q url.Values) { q.Del("code") } }, isProvider("invalid_request")},
		{"tampered signature", func(op *fakeOP, b *followBrowser) {
			op.sign = func(op *fakeOP, c map[string]any) string { return tamper(op.signRS256(c)) }
		}, isVerification("signature")},
		{"alg none", func(op *fakeOP, b *followBrowser) { op.sign = signNone }, isVerification("signature")},
		{"HMAC signed with the public key", func(op *fakeOP, b *followBrowser) { op.sign = signHMACWithPublicKey }, isVerification("signature")},
		{"wrong aud", func(op *fakeOP, b *followBrowser) { op.claims = func(c map[string]any) { c["aud"] = "someone-else" } }, isVerification("aud")},
		{"several audiences without azp", func(op *fakeOP, b *followBrowser) {
			op.claims = func(c map[string]any) { c["aud"] = []string{op.clientID, "other"} }
		}, isVerification("azp")},
		{"azp not this client", func(op *fakeOP, b *followBrowser) { op.claims = func(c map[string]any) { c["azp"] = "other" } }, isVerification("azp")},
		{"wrong iss", func(op *fakeOP, b *followBrowser) {
			op.claims = func(c map[string]any) { c["iss"] = "https://evil.example" }
		}, isVerification("iss")},
		{"expired", func(op *fakeOP, b *followBrowser) {
			op.claims = func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }
		}, isVerification("exp")},
		{"no exp", func(op *fakeOP, b *followBrowser) { op.claims = func(c map[string]any) { delete(c, "exp") } }, isVerification("exp")},
		{"iat far in the future", func(op *fakeOP, b *followBrowser) {
			op.claims = func(c map[string]any) { c["iat"] = time.Now().Add(time.Hour).Unix() }
		}, isVerification("iat")},
		{"nbf beyond the leeway", func(op *fakeOP, b *followBrowser) {
			op.claims = func(c map[string]any) { c["nbf"] = time.Now().Add(10 * time.Minute).Unix() }
		}, isVerification("nbf")},
		{"nonce mismatch", func(op *fakeOP, b *followBrowser) { op.claims = func(c map[string]any) { c["nonce"] = "replayed" } }, isVerification("nonce")},
		{"nonce missing", func(op *fakeOP, b *followBrowser) { op.claims = func(c map[string]any) { delete(c, "nonce") } }, isVerification("nonce")},
		{"no id_token", func(op *fakeOP, b *followBrowser) { op.tokenResp = func(r map[string]any) { delete(r, "id_token") } }, isVerification("id_token")},
		{"email mismatch", func(op *fakeOP, b *followBrowser) { op.email = "boss@acme.test" }, isEmail(EmailMismatch)},
		{"email_verified false", func(op *fakeOP, b *followBrowser) { op.verified = false }, isEmail(EmailUnverified)},
		{"email_verified \"false\"", func(op *fakeOP, b *followBrowser) { op.verified = "false" }, isEmail(EmailUnverified)},
		{"no email at all", func(op *fakeOP, b *followBrowser) {
			op.claims = func(c map[string]any) { delete(c, "email") }
			op.userinfo = func(u map[string]any) { delete(u, "email") }
		}, isEmail(EmailMissing)},
		{"userinfo sub mismatch", func(op *fakeOP, b *followBrowser) { op.userinfo = func(u map[string]any) { u["sub"] = "user-2" } }, isVerification("userinfo sub")},
		{"discovery issuer mismatch", func(op *fakeOP, b *followBrowser) {
			op.disc = func(d map[string]any) { d["issuer"] = "https://real-issuer.example" }
		}, isConfig("issuer", `enter "https://real-issuer.example"`)},
		{"no PKCE S256", func(op *fakeOP, b *followBrowser) {
			op.disc = func(d map[string]any) { d["code_challenge_methods_supported"] = []string{"plain"} }
		}, isConfig("issuer", "S256")},
		{"http endpoint for an https issuer", func(op *fakeOP, b *followBrowser) {
			op.disc = func(d map[string]any) { d["token_endpoint"] = "http://evil.example/token" }
		}, isConfig("issuer", "must use https")},
		{"RFC 9207 iss from another issuer", func(op *fakeOP, b *followBrowser) {
			op.redirect = func(q url.Values) { q.Set("iss", "https://other-idp.example") }
		}, isVerification("iss")},
		{"RFC 9207 iss promised but missing", func(op *fakeOP, b *followBrowser) {
			op.disc = func(d map[string]any) { d["authorization_response_iss_parameter_supported"] = true }
		}, isVerification("iss")},
		{"oversized JWKS", func(op *fakeOP, b *followBrowser) {
			op.jwks = func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(strings.Repeat(" ", 2*MaxBodySize)))
			}
		}, isConfig("issuer", "larger than 1 MiB")},
		{"oversized token response", func(op *fakeOP, b *followBrowser) {
			op.token = func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"a":"` + strings.Repeat("x", 2*MaxBodySize) + `"}`))
			}
		}, isProvider("invalid_response")},
		{"10 MB userinfo", func(op *fakeOP, b *followBrowser) {
			op.userinfo = func(u map[string]any) { u["padding"] = strings.Repeat("x", 10<<20) }
		}, isConfig("issuer", "larger than 1 MiB")},
		{"10 MB discovery document", func(op *fakeOP, b *followBrowser) {
			op.disc = func(d map[string]any) { d["padding"] = strings.Repeat("x", 10<<20) }
		}, isConfig("issuer", "larger than 1 MiB")},
		{"token endpoint says invalid_grant", func(op *fakeOP, b *followBrowser) {
			op.token = func(w http.ResponseWriter, r *http.Request) { tokenErr(w, "invalid_grant", "no") }
		}, isProvider("invalid_grant")},
		{"token endpoint 503", func(op *fakeOP, b *followBrowser) {
			op.token = func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }
		}, isNetwork},
		{"unknown kid", func(op *fakeOP, b *followBrowser) {
			op.sign = func(op *fakeOP, c map[string]any) string {
				op.kid = "rotated-away"
				defer func() { op.kid = "k1" }()
				return op.signRS256(c)
			}
		}, isVerification("signature")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSessionsFixture(t)
			b := &followBrowser{}
			tt.setup(f.op, b)
			sessions := NewSessions(newTestClient(b, 10*time.Second), f.keyring, &MetadataStore{Dir: f.dir})
			s, err := sessions.Login(t.Context(), LoginRequest{Provider: f.op.provider(), Email: "agent@acme.test"})
			if err == nil || !tt.want(err) {
				t.Fatalf("Login = %v, %v; want the case's error", s, err)
			}
			if meta, _ := (&MetadataStore{Dir: f.dir}).Load(); meta.Session != nil || f.storedToken(t) != "" {
				t.Errorf("a refused sign-in stored a session (%+v) or a token", meta.Session)
			}
		})
	}
}

func tamper(jwt string) string {
	parts := strings.Split(jwt, ".")
	sig := []byte(parts[2])
	sig[10] ^= 1
	if sig[10] == '.' || sig[10] == sig[11] {
		sig[10] = 'A'
	}
	parts[2] = string(sig)
	return strings.Join(parts, ".")
}

func signNone(op *fakeOP, c map[string]any) string {
	payload, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"k1"}`)) + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
}

func signHMACWithPublicKey(op *fakeOP, c map[string]any) string {
	pub, err := x509.MarshalPKIXPublicKey(&op.key.PublicKey)
	if err != nil {
		op.t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: pub}, (&jose.SignerOptions{}).WithHeader("kid", op.kid))
	if err != nil {
		op.t.Fatal(err)
	}
	payload, _ := json.Marshal(c)
	jws, err := signer.Sign(payload)
	if err != nil {
		op.t.Fatal(err)
	}
	s, _ := jws.CompactSerialize()
	return s
}

func TestLoginRefetchesJWKSOnceOnRotation(t *testing.T) {
	op := newFakeOP(t)
	op.sign = func(op *fakeOP, c map[string]any) string { op.kid = "k2"; return op.signRS256(c) }
	s, err := newTestClient(&followBrowser{}, 10*time.Second).Login(t.Context(), LoginRequest{Provider: op.provider(), Email: "agent@acme.test"})
	if err != nil {
		t.Fatalf("Login after key rotation: %v", err)
	}
	if s.Subject != "user-1" {
		t.Errorf("subject = %q, want user-1", s.Subject)
	}
	if got := op.count("/jwks"); got != 1 {
		t.Errorf("JWKS fetches = %d, want 1", got)
	}
}

func TestLoginIgnoresStrayRequestsUntilTimeout(t *testing.T) {
	op := newFakeOP(t)
	stray := make(chan []int, 1)
	b := &followBrowser{edit: func(u string) string {
		cb, _ := url.Parse(u)
		stray <- strayStatuses(cb)
		q := cb.Query()
		q.Set("state", "forged")
		cb.RawQuery = q.Encode()
		return cb.String()
	}}
	_, err := newTestClient(b, 2*time.Second).Login(t.Context(), LoginRequest{Provider: op.provider(), Email: "agent@acme.test"})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Login with a forged state = %v, want ErrTimeout (the wait must ignore it)", err)
	}
	if got, want := <-stray, []int{404, 400, 400}; !slices.Equal(got, want) {
		t.Errorf("stray requests answered %v, want %v (favicon, wrong Host, wrong state)", got, want)
	}
	if b.lastStatus() != http.StatusBadRequest {
		t.Errorf("forged-state callback answered %d, want 400", b.lastStatus())
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
	op := newFakeOP(t)
	port := freePort(t)
	p := op.provider()
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
	op := newFakeOP(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p := op.provider()
	p.RedirectPort = ln.Addr().(*net.TCPAddr).Port
	_, err = newTestClient(&followBrowser{}, 5*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
	var pe *PortInUseError
	if !errors.As(err, &pe) || !strings.Contains(Describe(err), strconv.Itoa(p.RedirectPort)) {
		t.Fatalf("Login on a taken port = %v (%q), want a *PortInUseError naming the port", err, Describe(err))
	}
}

func TestLoginUnreachableProvider(t *testing.T) {
	p := Provider{ID: "x", Type: TypeOIDC, Issuer: "http://127.0.0.1:" + strconv.Itoa(freePort(t)), ClientID: "c"}
	_, err := newTestClient(&followBrowser{}, 5*time.Second).Login(t.Context(), LoginRequest{Provider: p, Email: "agent@acme.test"})
	if !isNetwork(err) {
		t.Fatalf("Login against a closed port = %v, want a *NetworkError", err)
	}
}

func TestLoginCallbackReplayAfterSuccess(t *testing.T) {
	op := newFakeOP(t)
	b := &followBrowser{}
	if _, err := newTestClient(b, 10*time.Second).Login(t.Context(), LoginRequest{Provider: op.provider(), Email: "agent@acme.test"}); err != nil {
		t.Fatal(err)
	}
	redirect := op.lastReq.Get("redirect_uri") + "?code=again&state=" + url.QueryEscape(op.lastReq.Get("state"))
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
