package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// fakeOP is an OpenID provider under the test's control: it signs its own
// tokens with a key generated in the test and can misbehave on purpose
// through its hooks. It checks what a real provider checks (client_id,
// loopback redirect_uri, PKCE S256) so a passing login is a real one.
type fakeOP struct {
	t        testing.TB
	srv      *httptest.Server
	issuer   string
	clientID string
	key      *rsa.PrivateKey
	kid      string

	mu      sync.Mutex
	codes   map[string]fakeGrant
	refresh map[string]bool // live refresh tokens
	revoked []string
	hits    map[string]int
	lastReq url.Values

	// Hooks; nil means well-behaved.
	disc      func(d map[string]any)                    // edit the discovery document
	claims    func(c map[string]any)                    // edit the ID token claims
	sign      func(op *fakeOP, c map[string]any) string // replace the signer
	userinfo  func(u map[string]any)                    // edit the userinfo response
	redirect  func(q url.Values)                        // edit the redirect's query
	token     http.HandlerFunc                          // replace the token endpoint
	jwks      http.HandlerFunc                          // replace the JWKS endpoint
	email     string
	verified  any
	tokenResp func(r map[string]any) // edit the token response

	// Quirks of real providers, for the profile tests.
	path        string // the configured issuer's path, e.g. "/common/v2.0"
	discIssuer  string // the issuer the discovery document states, when not the configured one
	tokenIss    string // the iss tokens carry, when not the discovery issuer
	secret      string // required at the token endpoint (client_secret_basic or _post)
	refuseScope string // the authorization endpoint answers invalid_scope for it
}

type fakeGrant struct {
	challenge, redirectURI, nonce string
}

func newFakeOP(t testing.TB) *fakeOP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	op := &fakeOP{t: t, clientID: "dialtone-test", key: key, kid: "k1", codes: map[string]fakeGrant{}, refresh: map[string]bool{}, hits: map[string]int{}, email: "agent@acme.test", verified: true}
	mux := http.NewServeMux()
	mux.HandleFunc("/{path...}", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration") && r.URL.Path == op.path+"/.well-known/openid-configuration" {
			op.serveDiscovery(w, r)
			return
		}
		http.NotFound(w, r)
	})
	mux.HandleFunc("/authorize", op.serveAuthorize)
	mux.HandleFunc("/token", op.serveToken)
	mux.HandleFunc("/userinfo", op.serveUserinfo)
	mux.HandleFunc("/jwks", op.serveJWKS)
	mux.HandleFunc("/revoke", op.serveRevoke)
	op.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op.mu.Lock()
		op.hits[r.URL.Path]++
		op.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(op.srv.Close)
	op.issuer = op.srv.URL
	return op
}

func (op *fakeOP) provider() Provider {
	return Provider{ID: "fake", Type: TypeOIDC, Issuer: op.configured(), ClientID: op.clientID}
}

// totalHits counts every request the provider answered.
func (op *fakeOP) totalHits() int {
	op.mu.Lock()
	defer op.mu.Unlock()
	n := 0
	for _, h := range op.hits {
		n += h
	}
	return n
}

func (op *fakeOP) count(path string) int {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.hits[path]
}

// configured is the issuer an admin enters for this OP.
func (op *fakeOP) configured() string { return op.issuer + op.path }

// stated is the issuer the discovery document states.
func (op *fakeOP) stated() string {
	if op.discIssuer != "" {
		return op.discIssuer
	}
	return op.configured()
}

func (op *fakeOP) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	d := map[string]any{
		"issuer":                                op.stated(),
		"authorization_endpoint":                op.issuer + "/authorize",
		"token_endpoint":                        op.issuer + "/token",
		"userinfo_endpoint":                     op.issuer + "/userinfo",
		"jwks_uri":                              op.issuer + "/jwks",
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"none"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"revocation_endpoint":                   op.issuer + "/revoke",
	}
	if op.disc != nil {
		op.disc(d)
	}
	writeJSON(w, d)
}

func (op *fakeOP) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	op.mu.Lock()
	op.lastReq = q
	op.mu.Unlock()
	redirectURI, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirectURI.Scheme != "http" || !IsLoopbackHost(redirectURI.Hostname()) {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	if q.Get("client_id") != op.clientID || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("response_type") != "code" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	if op.refuseScope != "" && slices.Contains(strings.Fields(q.Get("scope")), op.refuseScope) {
		back := url.Values{"error": {"invalid_scope"}, "error_description": {"unsupported scope " + op.refuseScope}, "state": {q.Get("state")}}
		http.Redirect(w, r, redirectURI.String()+"?"+back.Encode(), http.StatusFound)
		return
	}
	code := random256()
	op.mu.Lock()
	op.codes[code] = fakeGrant{challenge: q.Get("code_challenge"), redirectURI: q.Get("redirect_uri"), nonce: q.Get("nonce")}
	op.mu.Unlock()
	back := url.Values{"code": {code}, "state": {q.Get("state")}}
	if op.redirect != nil {
		op.redirect(back)
	}
	http.Redirect(w, r, redirectURI.String()+"?"+back.Encode(), http.StatusFound)
}

func (op *fakeOP) serveToken(w http.ResponseWriter, r *http.Request) {
	if op.token != nil {
		op.token(w, r)
		return
	}
	op.defaultToken(w, r)
}

func (op *fakeOP) defaultToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if !op.clientAuthenticated(r) {
		w.WriteHeader(http.StatusUnauthorized)
		writeJSON(w, map[string]string{"error": "invalid_client", "error_description": "client_secret is missing"})
		return
	}
	if r.PostForm.Get("grant_type") == "refresh_token" {
		op.serveRefresh(w, r)
		return
	}
	op.mu.Lock()
	g, ok := op.codes[r.PostForm.Get("code")]
	delete(op.codes, r.PostForm.Get("code"))
	op.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case !ok || g.redirectURI != r.PostForm.Get("redirect_uri") || (r.PostForm.Get("client_id") != op.clientID && !op.basicClient(r)):
		tokenErr(w, "invalid_grant", "unknown code")
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		tokenErr(w, "invalid_grant", "PKCE verification failed")
		return
	}
	op.writeTokens(w, op.idToken(g.nonce))
}

func (op *fakeOP) basicClient(r *http.Request) bool {
	id, _, ok := r.BasicAuth()
	return ok && id == op.clientID
}

func (op *fakeOP) clientAuthenticated(r *http.Request) bool {
	if op.secret == "" {
		return true
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return id == op.clientID && secret == op.secret
}

func (op *fakeOP) writeTokens(w http.ResponseWriter, idToken string) {
	rt := "rt-" + random256()
	op.mu.Lock()
	op.refresh[rt] = true
	op.mu.Unlock()
	resp := map[string]any{
		"access_token":  "at-" + random256(),
		"token_type":    "Bearer",
		"expires_in":    3600,
		"refresh_token": rt,
		"id_token":      idToken,
	}
	if op.tokenResp != nil {
		op.tokenResp(resp)
	}
	writeJSON(w, resp)
}

// serveRefresh rotates refresh tokens: the one spent is dead afterwards.
func (op *fakeOP) serveRefresh(w http.ResponseWriter, r *http.Request) {
	rt := r.PostForm.Get("refresh_token")
	op.mu.Lock()
	live := op.refresh[rt]
	delete(op.refresh, rt)
	op.mu.Unlock()
	if id, _, ok := r.BasicAuth(); ok && r.PostForm.Get("client_id") == "" {
		r.PostForm.Set("client_id", id)
	}
	if !live || r.PostForm.Get("client_id") != op.clientID {
		tokenErr(w, "invalid_grant", "refresh token is not active")
		return
	}
	op.writeTokens(w, op.idToken(""))
}

func (op *fakeOP) serveRevoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_id") != op.clientID {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	op.mu.Lock()
	defer op.mu.Unlock()
	delete(op.refresh, r.PostForm.Get("token"))
	op.revoked = append(op.revoked, r.PostForm.Get("token"))
}

// revokeAll ends every session at the provider, as an admin disabling
// the user would.
func (op *fakeOP) revokeAll() {
	op.mu.Lock()
	defer op.mu.Unlock()
	clear(op.refresh)
}

func (op *fakeOP) idToken(nonce string) string {
	now := time.Now()
	iss := op.stated()
	if op.tokenIss != "" {
		iss = op.tokenIss
	}
	c := map[string]any{
		"iss": iss, "sub": "user-1", "aud": op.clientID,
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
		"email": op.email, "email_verified": op.verified, "name": "Ada Agent",
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	if op.claims != nil {
		op.claims(c)
	}
	if op.sign != nil {
		return op.sign(op, c)
	}
	return op.signRS256(c)
}

func (op *fakeOP) signRS256(c map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: op.key, KeyID: op.kid}}, nil)
	if err != nil {
		op.t.Fatal(err)
	}
	payload, _ := json.Marshal(c)
	jws, err := signer.Sign(payload)
	if err != nil {
		op.t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		op.t.Fatal(err)
	}
	return s
}

func (op *fakeOP) serveUserinfo(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer at-") {
		http.Error(w, "no token", http.StatusUnauthorized)
		return
	}
	u := map[string]any{"sub": "user-1", "email": op.email, "email_verified": op.verified, "method": r.Method}
	if op.userinfo != nil {
		op.userinfo(u)
	}
	writeJSON(w, u)
}

func (op *fakeOP) serveJWKS(w http.ResponseWriter, r *http.Request) {
	if op.jwks != nil {
		op.jwks(w, r)
		return
	}
	writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &op.key.PublicKey, KeyID: op.kid, Algorithm: "RS256", Use: "sig"}}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func tokenErr(w http.ResponseWriter, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// followBrowser is a test browser for fakeOP, whose authorize endpoint
// redirects straight back: it follows the redirects to the loopback
// callback in the background, like a browser with an IdP session.
type followBrowser struct {
	mu     sync.Mutex
	urls   []string
	status int
	body   string
	edit   func(u string) string // change the callback URL before it is requested
}

func (b *followBrowser) Open(ctx context.Context, u string) error {
	b.mu.Lock()
	b.urls = append(b.urls, u)
	b.mu.Unlock()
	go b.walk(u)
	return nil
}

func (b *followBrowser) walk(u string) {
	hc := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if b.edit != nil && req.URL.Path == callbackPath {
			edited, err := url.Parse(b.edit(req.URL.String()))
			if err == nil {
				req.URL = edited
				req.Host = edited.Host
			}
		}
		return nil
	}}
	resp, err := hc.Get(u)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	b.mu.Lock()
	b.status, b.body = resp.StatusCode, sb.String()
	b.mu.Unlock()
}

func (b *followBrowser) lastStatus() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status
}
