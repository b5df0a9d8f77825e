package auth

import (
	"dialtone/internal/idp"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// keySet is the provider's JSON Web Key Set (jwks_uri), cached in memory
// and optionally seeded from the session metadata. It implements
// oidc.KeySet. A token whose key is not in the cache triggers exactly one
// refetch per verification (OpenID Connect Core §10.1.1, key rotation);
// a token that still matches no key is refused.
type keySet struct {
	uri string
	hc  *http.Client
	now func() time.Time

	mu        sync.Mutex
	keys      []jose.JSONWebKey
	raw       []byte
	fetchedAt time.Time
}

func newKeySet(hc *http.Client, uri string, now func() time.Time) *keySet {
	return &keySet{uri: uri, hc: hc, now: now}
}

// seed loads a JWKS cached from an earlier run. A cache that does not parse
// is ignored: the next verification fetches a fresh copy.
func (k *keySet) seed(raw []byte, fetchedAt time.Time) {
	keys, err := parseJWKS(raw)
	if err != nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys, k.raw, k.fetchedAt = keys, raw, fetchedAt
}

// snapshot returns the raw JWKS last fetched and when, for caching.
func (k *keySet) snapshot() ([]byte, time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.raw, k.fetchedAt
}

// VerifySignature checks the JWS signature of jwt and returns its payload.
// Only asymmetric algorithms are accepted, so "none" and HMAC tokens (alg
// confusion with the public key) are refused before any key is tried.
func (k *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	jws, err := jose.ParseSigned(jwt, joseAlgs(idp.AsymmetricAlgs))
	if err != nil {
		return nil, fmt.Errorf("malformed or unsupported token: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("token must carry exactly one signature")
	}
	if payload, ok := verifyWithKeys(jws, k.cached()); ok {
		return payload, nil
	}
	keys, err := k.fetch(ctx)
	if err != nil {
		return nil, err
	}
	if payload, ok := verifyWithKeys(jws, keys); ok {
		return payload, nil
	}
	return nil, fmt.Errorf("no key of the provider (kid %q) verifies the signature", jws.Signatures[0].Header.KeyID)
}

// ensure fetches the keys when none are cached, so that a provider whose
// keys cannot be fetched fails with a *idp.NetworkError or *idp.ConfigError rather
// than a signature error.
func (k *keySet) ensure(ctx context.Context) error {
	if len(k.cached()) > 0 {
		return nil
	}
	_, err := k.fetch(ctx)
	return err
}

func (k *keySet) cached() []jose.JSONWebKey {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.keys
}

// fetch downloads the JWKS (bounded by idp.MaxBodySize) and replaces the cache.
func (k *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.uri, nil)
	if err != nil {
		return nil, &idp.ConfigError{Field: "issuer", Problem: "the discovery document's jwks_uri is not usable", Err: err}
	}
	req.Header.Set("Accept", "application/json")
	raw, err := idp.Do(k.hc, req, "fetch the provider's signing keys")
	var se *idp.StatusError
	if errors.As(err, &se) {
		return nil, &idp.ConfigError{Field: "issuer", Problem: se.Error()}
	}
	if err != nil {
		return nil, err
	}
	keys, err := parseJWKS(raw)
	if err != nil {
		return nil, &idp.ConfigError{Field: "issuer", Problem: "the provider's signing keys (jwks_uri) are not a valid JWKS", Err: err}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys, k.raw, k.fetchedAt = keys, raw, k.now()
	return keys, nil
}

func parseJWKS(raw []byte) ([]jose.JSONWebKey, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, err
	}
	var keys []jose.JSONWebKey
	for _, key := range set.Keys {
		if key.IsPublic() && (key.Use == "" || key.Use == "sig") {
			keys = append(keys, key)
		}
	}
	return keys, nil
}

// verifyWithKeys tries the keys whose kid matches the token's (all keys
// when the token names none) and whose alg, when the key states one, is the
// token's.
func verifyWithKeys(jws *jose.JSONWebSignature, keys []jose.JSONWebKey) ([]byte, bool) {
	header := jws.Signatures[0].Header
	for i := range keys {
		key := &keys[i]
		if header.KeyID != "" && key.KeyID != header.KeyID {
			continue
		}
		if key.Algorithm != "" && key.Algorithm != header.Algorithm {
			continue
		}
		if payload, err := jws.Verify(key); err == nil {
			return payload, true
		}
	}
	return nil, false
}

func joseAlgs(names []string) []jose.SignatureAlgorithm {
	algs := make([]jose.SignatureAlgorithm, len(names))
	for i, n := range names {
		algs[i] = jose.SignatureAlgorithm(n)
	}
	return algs
}
