package authtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"dialtone/internal/idp"
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

// FakeOP is an OpenID provider under the test's control: it signs its own
// tokens with a key generated in the test and can misbehave on purpose
// through its hooks. It checks what a real provider checks (client_id,
// loopback redirect_uri, PKCE S256) so a passing login is a real one.
type FakeOP struct {
	T        testing.TB
	Server   *httptest.Server
	Issuer   string
	ClientID string
	Key      *rsa.PrivateKey
	KID      string

	Mu      sync.Mutex
	Codes   map[string]fakeGrant
	Refresh map[string]bool // live refresh tokens
	Revoked []string
	Hits    map[string]int
	LastReq url.Values

	// Hooks; nil means well-behaved.
	Disc      func(d map[string]any)                    // edit the discovery document
	Claims    func(c map[string]any)                    // edit the ID token claims
	Sign      func(op *FakeOP, c map[string]any) string // replace the signer
	Userinfo  func(u map[string]any)                    // edit the userinfo response
	Redirect  func(q url.Values)                        // edit the redirect's query
	Token     http.HandlerFunc                          // replace the token endpoint
	JWKS      http.HandlerFunc                          // replace the JWKS endpoint
	Email     string
	Verified  any
	TokenResp func(r map[string]any) // edit the token response

	// Quirks of real providers, for the profile tests.
	Path        string // the configured issuer's path, e.g. "/common/v2.0"
	DiscIssuer  string // the issuer the discovery document states, when not the configured one
	TokenIss    string // the iss tokens carry, when not the discovery issuer
	Secret      string // required at the token endpoint (client_secret_basic or _post)
	RefuseScope string // the authorization endpoint answers invalid_scope for it
}

type fakeGrant struct {
	challenge, redirectURI, nonce string
}

// NewFakeOP starts a FakeOP on 127.0.0.1, stopped when the test ends.
func NewFakeOP(t testing.TB) *FakeOP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	op := &FakeOP{T: t, ClientID: "dialtone-test", Key: key, KID: "k1", Codes: map[string]fakeGrant{}, Refresh: map[string]bool{}, Hits: map[string]int{}, Email: "agent@acme.test", Verified: true}
	mux := http.NewServeMux()
	mux.HandleFunc("/{path...}", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration") && r.URL.Path == op.Path+"/.well-known/openid-configuration" {
			op.ServeDiscovery(w, r)
			return
		}
		http.NotFound(w, r)
	})
	mux.HandleFunc("/authorize", op.ServeAuthorize)
	mux.HandleFunc("/token", op.ServeToken)
	mux.HandleFunc("/userinfo", op.ServeUserinfo)
	mux.HandleFunc("/jwks", op.ServeJWKS)
	mux.HandleFunc("/revoke", op.ServeRevoke)
	op.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op.Mu.Lock()
		op.Hits[r.URL.Path]++
		op.Mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(op.Server.Close)
	op.Issuer = op.Server.URL
	return op
}

// Provider is the provider-list entry an admin makes for this OP.
func (op *FakeOP) Provider() idp.Provider {
	return idp.Provider{ID: "fake", Type: idp.TypeOIDC, Issuer: op.Configured(), ClientID: op.ClientID}
}

// TotalHits counts every request the provider answered.
func (op *FakeOP) TotalHits() int {
	op.Mu.Lock()
	defer op.Mu.Unlock()
	n := 0
	for _, h := range op.Hits {
		n += h
	}
	return n
}

// Count counts the requests for path.
func (op *FakeOP) Count(path string) int {
	op.Mu.Lock()
	defer op.Mu.Unlock()
	return op.Hits[path]
}

// Configured is the issuer an admin enters for this OP.
func (op *FakeOP) Configured() string { return op.Issuer + op.Path }

// Stated is the issuer the discovery document states.
func (op *FakeOP) Stated() string {
	if op.DiscIssuer != "" {
		return op.DiscIssuer
	}
	return op.Configured()
}

// ServeDiscovery serves the discovery document, as the Disc hook edits it.
func (op *FakeOP) ServeDiscovery(w http.ResponseWriter, r *http.Request) {
	d := map[string]any{
		"issuer":                                op.Stated(),
		"authorization_endpoint":                op.Issuer + "/authorize",
		"token_endpoint":                        op.Issuer + "/token",
		"userinfo_endpoint":                     op.Issuer + "/userinfo",
		"jwks_uri":                              op.Issuer + "/jwks",
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"none"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"revocation_endpoint":                   op.Issuer + "/revoke",
	}
	if op.Disc != nil {
		op.Disc(d)
	}
	WriteJSON(w, d)
}

// ServeAuthorize checks an authorization request as a real provider does
// (client_id, a loopback redirect_uri, PKCE S256, response_type=code) and
// redirects back with a fresh code, or with invalid_scope for RefuseScope.
// The Redirect hook edits the redirect's query.
func (op *FakeOP) ServeAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	op.Mu.Lock()
	op.LastReq = q
	op.Mu.Unlock()
	redirectURI, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirectURI.Scheme != "http" || !idp.IsLoopbackHost(redirectURI.Hostname()) {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	if q.Get("client_id") != op.ClientID || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("response_type") != "code" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	if op.RefuseScope != "" && slices.Contains(strings.Fields(q.Get("scope")), op.RefuseScope) {
		back := url.Values{"error": {"invalid_scope"}, "error_description": {"unsupported scope " + op.RefuseScope}, "state": {q.Get("state")}}
		http.Redirect(w, r, redirectURI.String()+"?"+back.Encode(), http.StatusFound)
		return
	}
	code := rand.Text()
	op.Mu.Lock()
	op.Codes[code] = fakeGrant{challenge: q.Get("code_challenge"), redirectURI: q.Get("redirect_uri"), nonce: q.Get("nonce")}
	op.Mu.Unlock()
	back := url.Values{"code": {code}, "state": {q.Get("state")}}
	if op.Redirect != nil {
		op.Redirect(back)
	}
	http.Redirect(w, r, redirectURI.String()+"?"+back.Encode(), http.StatusFound)
}

// ServeToken serves the token endpoint: the Token hook when set, else
// DefaultToken.
func (op *FakeOP) ServeToken(w http.ResponseWriter, r *http.Request) {
	if op.Token != nil {
		op.Token(w, r)
		return
	}
	op.DefaultToken(w, r)
}

// DefaultToken is the well-behaved token endpoint: it authenticates the
// client, redeems a code once against its PKCE verifier and redirect_uri,
// or rotates a refresh token (ServeRefresh).
func (op *FakeOP) DefaultToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if !op.ClientAuthenticated(r) {
		w.WriteHeader(http.StatusUnauthorized)
		WriteJSON(w, map[string]string{"error": "invalid_client", "error_description": "client_secret is missing"})
		return
	}
	if r.PostForm.Get("grant_type") == "refresh_token" {
		op.ServeRefresh(w, r)
		return
	}
	op.Mu.Lock()
	g, ok := op.Codes[r.PostForm.Get("code")]
	delete(op.Codes, r.PostForm.Get("code"))
	op.Mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case !ok || g.redirectURI != r.PostForm.Get("redirect_uri") || (r.PostForm.Get("client_id") != op.ClientID && !op.BasicClient(r)):
		TokenError(w, "invalid_grant", "unknown code")
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		TokenError(w, "invalid_grant", "PKCE verification failed")
		return
	}
	op.WriteTokens(w, op.IDToken(g.nonce))
}

// BasicClient reports whether r names this OP's client in HTTP Basic
// authentication.
func (op *FakeOP) BasicClient(r *http.Request) bool {
	id, _, ok := r.BasicAuth()
	return ok && id == op.ClientID
}

// ClientAuthenticated reports whether r carries the client's Secret, by
// client_secret_basic or client_secret_post; without a Secret every client
// is a public one and passes.
func (op *FakeOP) ClientAuthenticated(r *http.Request) bool {
	if op.Secret == "" {
		return true
	}
	id, secret, ok := r.BasicAuth()
	if ok { // RFC 6749 §2.3.1: both are form-encoded first
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return id == op.ClientID && secret == op.Secret
}

// WriteTokens answers a token request with idToken, a fresh access token
// and a fresh live refresh token, as the TokenResp hook edits the response.
func (op *FakeOP) WriteTokens(w http.ResponseWriter, idToken string) {
	rt := "rt-" + rand.Text()
	op.Mu.Lock()
	op.Refresh[rt] = true
	op.Mu.Unlock()
	resp := map[string]any{
		"access_token":  "at-" + rand.Text(),
		"token_type":    "Bearer",
		"expires_in":    3600,
		"refresh_token": rt,
		"id_token":      idToken,
	}
	if op.TokenResp != nil {
		op.TokenResp(resp)
	}
	WriteJSON(w, resp)
}

// ServeRefresh rotates refresh tokens: the one spent is dead afterwards.
func (op *FakeOP) ServeRefresh(w http.ResponseWriter, r *http.Request) {
	rt := r.PostForm.Get("refresh_token")
	op.Mu.Lock()
	live := op.Refresh[rt]
	delete(op.Refresh, rt)
	op.Mu.Unlock()
	if id, _, ok := r.BasicAuth(); ok && r.PostForm.Get("client_id") == "" {
		r.PostForm.Set("client_id", id)
	}
	if !live || r.PostForm.Get("client_id") != op.ClientID {
		TokenError(w, "invalid_grant", "refresh token is not active")
		return
	}
	op.WriteTokens(w, op.IDToken(""))
}

// ServeRevoke revokes a refresh token (RFC 7009) for the client, public
// (client_id in the form) or confidential (authenticated as at the token
// endpoint).
func (op *FakeOP) ServeRevoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || (r.PostForm.Get("client_id") != op.ClientID && !op.BasicClient(r)) || !op.ClientAuthenticated(r) {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	op.Mu.Lock()
	defer op.Mu.Unlock()
	delete(op.Refresh, r.PostForm.Get("token"))
	op.Revoked = append(op.Revoked, r.PostForm.Get("token"))
}

// RevokeAll ends every session at the provider, as an admin disabling
// the user would.
func (op *FakeOP) RevokeAll() {
	op.Mu.Lock()
	defer op.Mu.Unlock()
	clear(op.Refresh)
}

// IDToken returns a signed ID token for the test user with nonce (none when
// ""), as the Claims hook edits its claims and the Sign hook signs them.
func (op *FakeOP) IDToken(nonce string) string {
	now := time.Now()
	iss := op.Stated()
	if op.TokenIss != "" {
		iss = op.TokenIss
	}
	c := map[string]any{
		"iss": iss, "sub": "user-1", "aud": op.ClientID,
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
		"email": op.Email, "email_verified": op.Verified, "name": "Ada Agent",
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	if op.Claims != nil {
		op.Claims(c)
	}
	if op.Sign != nil {
		return op.Sign(op, c)
	}
	return op.SignRS256(c)
}

// SignRS256 signs the claims c with the OP's key as a compact JWS.
func (op *FakeOP) SignRS256(c map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: op.Key, KeyID: op.KID}}, nil)
	if err != nil {
		op.T.Fatal(err)
	}
	payload, _ := json.Marshal(c)
	jws, err := signer.Sign(payload)
	if err != nil {
		op.T.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		op.T.Fatal(err)
	}
	return s
}

// ServeUserinfo answers a request whose Bearer token looks like one of the
// OP's access tokens ("at-…") with the test user's claims and the request's method, as the Userinfo hook
// edits them.
func (op *FakeOP) ServeUserinfo(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer at-") {
		http.Error(w, "no token", http.StatusUnauthorized)
		return
	}
	u := map[string]any{"sub": "user-1", "email": op.Email, "email_verified": op.Verified, "method": r.Method}
	if op.Userinfo != nil {
		op.Userinfo(u)
	}
	WriteJSON(w, u)
}

// ServeJWKS serves the OP's public key set, or the JWKS hook.
func (op *FakeOP) ServeJWKS(w http.ResponseWriter, r *http.Request) {
	if op.JWKS != nil {
		op.JWKS(w, r)
		return
	}
	WriteJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &op.Key.PublicKey, KeyID: op.KID, Algorithm: "RS256", Use: "sig"}}})
}

// WriteJSON writes v as a JSON response.
func WriteJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// TokenError writes an OAuth 2.0 error response (RFC 6749 §5.2) with
// status 400.
func TokenError(w http.ResponseWriter, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}
