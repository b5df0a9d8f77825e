package authtest

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"dialtone/internal/idp"
)

// Hostile is one way a FakeOP misbehaves: Setup makes a fresh FakeOP do
// it. The same cases run against the desktop signing in directly
// (auth's TestLoginRefusesHostileAnswers has them with the error each must
// give) and against the directory's broker signing in upstream on the
// desktop's behalf, which must refuse with the same error.
type Hostile struct {
	Name  string
	Setup func(op *FakeOP)
}

// HostileUpstreams are the misbehaviours of an identity provider's answers
// to a sign-in: signatures, claims, email, userinfo, redirect, token
// endpoint and discovery.
var HostileUpstreams = []Hostile{
	{"access denied at the provider", func(op *FakeOP) {
		op.Redirect = func(q url.Values) {
			q.Del("code")
			q.Set("error", "access_denied")
			q.Set("error_description", "user said no")
		}
	}},
	{"tampered signature", func(op *FakeOP) {
		op.Sign = func(op *FakeOP, c map[string]any) string { return Tamper(op.SignRS256(c)) }
	}},
	{"alg none", func(op *FakeOP) { op.Sign = SignNone }},
	{"HMAC signed with the public key", func(op *FakeOP) { op.Sign = SignHMACWithPublicKey }},
	{"wrong iss", func(op *FakeOP) { op.Claims = func(c map[string]any) { c["iss"] = "https://evil.example" } }},
	{"wrong aud", func(op *FakeOP) { op.Claims = func(c map[string]any) { c["aud"] = "someone-else" } }},
	{"azp not this client", func(op *FakeOP) { op.Claims = func(c map[string]any) { c["azp"] = "other" } }},
	{"expired", func(op *FakeOP) { op.Claims = func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() } }},
	{"nonce mismatch", func(op *FakeOP) { op.Claims = func(c map[string]any) { c["nonce"] = "replayed" } }},
	{"no id_token", func(op *FakeOP) { op.TokenResp = func(r map[string]any) { delete(r, "id_token") } }},
	{"email mismatch", func(op *FakeOP) { op.Email = "boss@acme.test" }},
	{"email_verified false", func(op *FakeOP) { op.Verified = false }},
	{"no email at all", func(op *FakeOP) {
		op.Claims = func(c map[string]any) { delete(c, "email") }
		op.Userinfo = func(u map[string]any) { delete(u, "email") }
	}},
	{"userinfo sub mismatch", func(op *FakeOP) { op.Userinfo = func(u map[string]any) { u["sub"] = "user-2" } }},
	{"RFC 9207 iss from another issuer", func(op *FakeOP) { op.Redirect = func(q url.Values) { q.Set("iss", "https://other-idp.example") } }},
	{"discovery issuer mismatch", func(op *FakeOP) { op.Disc = func(d map[string]any) { d["issuer"] = "https://real-issuer.example" } }},
	{"no PKCE S256", func(op *FakeOP) {
		op.Disc = func(d map[string]any) { d["code_challenge_methods_supported"] = []string{"plain"} }
	}},
	{"10 MB userinfo", func(op *FakeOP) { op.Userinfo = func(u map[string]any) { u["padding"] = strings.Repeat("x", 10<<20) } }},
	{"oversized JWKS", func(op *FakeOP) {
		op.JWKS = func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(strings.Repeat(" ", 2*idp.MaxBodySize)))
		}
	}},
	{"token endpoint says invalid_grant", func(op *FakeOP) {
		op.Token = func(w http.ResponseWriter, r *http.Request) { TokenError(w, "invalid_grant", "no") }
	}},
	{"token endpoint 503", func(op *FakeOP) {
		op.Token = func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }
	}},
}

// Tamper flips a bit of a JWT's signature.
func Tamper(jwt string) string {
	parts := strings.Split(jwt, ".")
	sig := []byte(parts[2])
	sig[10] ^= 1
	if sig[10] == '.' || sig[10] == sig[11] {
		sig[10] = 'A'
	}
	parts[2] = string(sig)
	return strings.Join(parts, ".")
}

// SignNone "signs" c with alg none.
func SignNone(op *FakeOP, c map[string]any) string {
	payload, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"k1"}`)) + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
}

// SignHMACWithPublicKey signs c with HS256 keyed with op's public key: the
// algorithm confusion attack.
func SignHMACWithPublicKey(op *FakeOP, c map[string]any) string {
	pub, err := x509.MarshalPKIXPublicKey(&op.Key.PublicKey)
	if err != nil {
		op.T.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: pub}, (&jose.SignerOptions{}).WithHeader("kid", op.KID))
	if err != nil {
		op.T.Fatal(err)
	}
	payload, _ := json.Marshal(c)
	jws, err := signer.Sign(payload)
	if err != nil {
		op.T.Fatal(err)
	}
	s, _ := jws.CompactSerialize()
	return s
}
