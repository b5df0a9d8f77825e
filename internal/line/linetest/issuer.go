package linetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issuer is an OpenID provider reduced to what a registrar checks: a
// discovery document and a JWKS on 127.0.0.1, and ES256 access tokens
// signed with a key made for the test.
type Issuer struct {
	URL string // the issuer identifier, "http://127.0.0.1:port"
	key *ecdsa.PrivateKey
	kid string
}

// NewIssuer starts an issuer; the test's cleanup stops it.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("could not make a signing key: %v", err)
	}
	iss := &Issuer{key: key, kid: "test-key"}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(iss.serve))
	iss.URL = "http://" + srv.Listener.Addr().String() // before the handler can run
	srv.Start()
	t.Cleanup(srv.Close)
	return iss
}

func (iss *Issuer) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		writeJSON(w, map[string]any{
			"issuer": iss.URL, "jwks_uri": iss.URL + "/jwks",
			"authorization_endpoint": iss.URL + "/auth", "token_endpoint": iss.URL + "/token",
			"response_types_supported": []string{"code"}, "id_token_signing_alg_values_supported": []string{"ES256"},
		})
	case "/jwks":
		writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &iss.key.PublicKey, KeyID: iss.kid, Algorithm: "ES256", Use: "sig"}}})
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Token describes an access token to mint. Zero Issuer means the issuer's
// own URL; zero Expiry means an hour after Now (zero Now: time.Now).
type Token struct {
	Issuer   string
	Audience string
	Email    string
	Now      time.Time
	Expiry   time.Time
	ID       string // jti, to tell tokens apart
}

// Mint signs tok with the issuer's key.
func (iss *Issuer) Mint(t testing.TB, tok Token) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: iss.key, KeyID: iss.kid}},
		(&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		t.Fatalf("could not make a signer: %v", err)
	}
	claims := tok.claims(iss.URL)
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatalf("could not sign a token: %v", err)
	}
	return raw
}

func (tok Token) claims(defaultIssuer string) map[string]any {
	now := tok.Now
	if now.IsZero() {
		now = time.Now()
	}
	exp := tok.Expiry
	if exp.IsZero() {
		exp = now.Add(time.Hour)
	}
	issuer := tok.Issuer
	if issuer == "" {
		issuer = defaultIssuer
	}
	return map[string]any{"iss": issuer, "aud": tok.Audience, "sub": tok.Email, "email": tok.Email,
		"iat": now.Unix(), "exp": exp.Unix(), "jti": tok.ID}
}
