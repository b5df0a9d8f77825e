package broker

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"dialtone/internal/dirstore"
)

// Signing keys: RS256 (OpenID Connect Core §15.1 makes it the one every
// client supports), 2048 bits, made by whichever replica first needs one
// and kept in broker_keys with the private half sealed. A key is published
// (JWKS) from the moment it is made and signs only from signs_from,
// keyPublishAhead later, so every replica's JWKS has it before any token
// signed with it exists. After the next key takes over it stays published
// for keyKeepAfter, longer than any token it signed lives.
const (
	keyPublishAhead = 5 * time.Minute
	keyKeepAfter    = 24 * time.Hour
	keyCacheTTL     = 30 * time.Second // < keyPublishAhead
	keyBits         = 2048
	keyLock         = 0x62726f6b6b657973 // "brokkeys": PostgreSQL advisory lock while making a key
)

// storedKey is a row of broker_keys, with its private key opened.
type storedKey struct {
	kid       string
	priv      *rsa.PrivateKey
	createdAt time.Time
	signsFrom time.Time
}

// keyCache holds the keys each replica read last, for keyCacheTTL.
type keyCache struct {
	mu     sync.Mutex
	at     time.Time
	keys   []storedKey                // by signs_from
	opened map[string]*rsa.PrivateKey // private keys never change: opened once
}

func newKeyCache() *keyCache { return &keyCache{opened: map[string]*rsa.PrivateKey{}} }

// signingKey implements op.SigningKey.
type signingKey struct{ k storedKey }

func (s signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (s signingKey) Key() any                                    { return s.k.priv }
func (s signingKey) ID() string                                  { return s.k.kid }

// publicKey implements op.Key.
type publicKey struct{ k storedKey }

func (p publicKey) ID() string                         { return p.k.kid }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.priv.PublicKey }

// signingKey returns the key that signs now, making the next one when it
// is due.
func (b *Broker) signingKey(ctx context.Context) (storedKey, error) {
	keys, err := b.currentKeys(ctx)
	if err != nil {
		return storedKey{}, err
	}
	now := b.now()
	for i := len(keys) - 1; i >= 0; i-- {
		if !keys[i].signsFrom.After(now) {
			return keys[i], nil
		}
	}
	return storedKey{}, fmt.Errorf("broker: no signing key signs yet")
}

// publishedKeys returns the keys the JWKS shows: every key made, except
// those replaced more than keyKeepAfter ago.
func (b *Broker) publishedKeys(ctx context.Context) ([]storedKey, error) {
	keys, err := b.currentKeys(ctx)
	if err != nil {
		return nil, err
	}
	now := b.now()
	var out []storedKey
	for i, k := range keys {
		if i+1 < len(keys) && now.Sub(keys[i+1].signsFrom) > keyKeepAfter {
			continue
		}
		out = append(out, k)
	}
	return out, nil
}

// currentKeys returns the keys, from the cache when it is fresh, and makes
// a key when none signs now or the next one is due.
func (b *Broker) currentKeys(ctx context.Context) ([]storedKey, error) {
	now := b.now()
	c := b.keys
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.keys) > 0 && now.Sub(c.at) < keyCacheTTL && now.Sub(c.at) >= 0 && !b.keyDue(c.keys, now) {
		return c.keys, nil
	}
	keys, err := b.loadKeys(ctx)
	if err != nil {
		return nil, err
	}
	if b.keyDue(keys, now) {
		if err := b.makeKey(ctx); err != nil {
			return nil, err
		}
		if keys, err = b.loadKeys(ctx); err != nil {
			return nil, err
		}
	}
	c.keys, c.at = keys, now
	return keys, nil
}

// keyDue reports that a key must be made: there is none, or the newest has
// signed (or will sign) for KeyRotation - keyPublishAhead.
func (b *Broker) keyDue(keys []storedKey, now time.Time) bool {
	if len(keys) == 0 {
		return true
	}
	newest := keys[len(keys)-1]
	return !now.Before(newest.signsFrom.Add(b.opts.KeyRotation - keyPublishAhead))
}

// loadKeys reads every key, opening the private halves it has not opened
// yet.
func (b *Broker) loadKeys(ctx context.Context) ([]storedKey, error) {
	rows, err := b.db.Read().QueryContext(ctx, "SELECT kid, private_sealed, created_at, signs_from FROM broker_keys ORDER BY signs_from, kid")
	if err != nil {
		return nil, fmt.Errorf("broker: could not read the signing keys: %w", err)
	}
	defer rows.Close()
	var keys []storedKey
	for rows.Next() {
		var k storedKey
		var sealedKey string
		var created, signs int64
		if err := rows.Scan(&k.kid, &sealedKey, &created, &signs); err != nil {
			return nil, err
		}
		k.createdAt, k.signsFrom = time.UnixMilli(created), time.UnixMilli(signs)
		if k.priv, err = b.openKey(k.kid, sealedKey); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

func (b *Broker) openKey(kid, sealedKey string) (*rsa.PrivateKey, error) {
	if priv, ok := b.keys.opened[kid]; ok {
		return priv, nil
	}
	der, err := b.opts.Key.Open(sealedKey, "signing-key "+kid)
	if err != nil {
		return nil, fmt.Errorf("broker: signing key %s: %w (is this the directory's key?)", kid, err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	priv, ok := parsed.(*rsa.PrivateKey)
	if err != nil || !ok {
		return nil, fmt.Errorf("broker: signing key %s is not an RSA key: %v", kid, err)
	}
	b.keys.opened[kid] = priv
	return priv, nil
}

// makeKey makes the next key under a lock, unless another replica made it
// meanwhile, and forgets keys no longer published.
func (b *Broker) makeKey(ctx context.Context) error {
	priv, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return fmt.Errorf("broker: could not make a signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	return b.db.Tx(ctx, func(tx *sql.Tx) error {
		if b.db.Kind() == dirstore.Postgres {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(keyLock)); err != nil {
				return err
			}
		}
		newest, count, err := newestKey(ctx, tx)
		if err != nil {
			return err
		}
		now := b.now()
		if count > 0 && !b.keyDue([]storedKey{{signsFrom: newest}}, now) {
			return nil // another replica made it
		}
		signs := now // the first key signs at once: no token exists yet
		if count > 0 {
			signs = maxTime(newest.Add(b.opts.KeyRotation), now.Add(keyPublishAhead))
		}
		kid := randomID(12)
		pub, err := json.Marshal(jose.JSONWebKey{Key: &priv.PublicKey, KeyID: kid, Algorithm: string(jose.RS256), Use: "sig"})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO broker_keys(kid, alg, private_sealed, public_jwk, created_at, signs_from) VALUES($1, $2, $3, $4, $5, $6)",
			kid, "RS256", b.opts.Key.Seal(der, "signing-key "+kid), string(pub), now.UnixMilli(), signs.UnixMilli()); err != nil {
			return fmt.Errorf("broker: could not store a signing key: %w", err)
		}
		return forgetOldKeys(ctx, tx, now)
	})
}

func newestKey(ctx context.Context, tx *sql.Tx) (time.Time, int, error) {
	var newest sql.NullInt64
	var count int
	err := tx.QueryRowContext(ctx, "SELECT MAX(signs_from), count(*) FROM broker_keys").Scan(&newest, &count)
	return time.UnixMilli(newest.Int64), count, err
}

// forgetOldKeys deletes the keys replaced more than keyKeepAfter ago.
func forgetOldKeys(ctx context.Context, tx *sql.Tx, now time.Time) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM broker_keys WHERE EXISTS
		(SELECT 1 FROM broker_keys next WHERE next.signs_from > broker_keys.signs_from AND next.signs_from < $1)`,
		now.Add(-keyKeepAfter).UnixMilli())
	return err
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// SigningKey implements op.Storage.
func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	k, err := s.b.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	return signingKey{k}, nil
}

// SignatureAlgorithms implements op.Storage.
func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

// KeySet implements op.Storage: the published keys.
func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	keys, err := s.b.publishedKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, 0, len(keys))
	for _, k := range slices.Backward(keys) {
		out = append(out, publicKey{k})
	}
	return out, nil
}
