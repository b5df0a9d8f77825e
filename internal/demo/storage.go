package demo

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// ClientID is the demo's only OAuth client: Dialtone, as a native public
// client (PKCE, no secret) with loopback redirects on any port.
const ClientID = "dialtone-demo"

// refreshLifetime is how long a refresh token stays valid; every use
// rotates it and starts a new lifetime.
const refreshLifetime = 30 * 24 * time.Hour

// opStorage is the example provider's in-memory storage made to survive a
// restart: the signing key and the refresh tokens are kept in the state
// file. Everything else (sign-in requests, codes, access tokens) lives in
// the embedded storage, in memory, as short-lived things may.
type opStorage struct {
	*storage.Storage
	dialtone *storage.Client // the client with ClientID
	grants   grants          // resources of sign-ins in progress
	key      signingKey
	dir      string
	log      *slog.Logger
	now      func() time.Time

	mu    sync.Mutex // guards state and its file
	state *providerState
}

var _ op.Storage = (*opStorage)(nil)

// BrokerClientID is the demo provider's confidential client for the
// directory's broker (Globex's Brokered provider): a web app with a client
// secret made at each start and the broker's redirect URI.
const BrokerClientID = "dialtone-demo-broker"

// newOPStorage makes the provider's storage; broker is the broker's
// client, registered when not nil.
func newOPStorage(dir string, log *slog.Logger, broker *storage.Client) (*opStorage, error) {
	now := time.Now
	st, key, err := loadState(dir, now())
	if err != nil {
		return nil, err
	}
	sk, err := newSigningKey(key)
	if err != nil {
		return nil, err
	}
	// Loopback redirects match on the path alone: any host, any port.
	dialtone := storage.NativeClient(ClientID, "http://127.0.0.1/callback", "http://localhost/callback")
	clients := map[string]*storage.Client{ClientID: dialtone}
	if broker != nil {
		clients[broker.GetID()] = broker
	}
	return &opStorage{
		Storage: storage.NewStorageWithClients(userStore{}, clients), dialtone: dialtone,
		key: sk, dir: dir, log: log, now: now, state: st,
	}, nil
}

// SigningKey implements op.Storage: the persisted key.
func (s *opStorage) SigningKey(context.Context) (op.SigningKey, error) { return &s.key, nil }

// SignatureAlgorithms implements op.Storage.
func (s *opStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

// KeySet implements op.Storage: the public half of the persisted key.
func (s *opStorage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{s.key}}, nil
}

// CreateAccessAndRefreshTokens implements op.Storage. Without a current
// refresh token it is the authorization code flow with offline_access;
// with one, a refresh grant, which rotates it (RFC 9700 §4.14.2): the old
// token stops working when the new one is issued.
func (s *opStorage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	if current == "" {
		return s.issueRefresh(ctx, req)
	}
	return s.rotateRefresh(ctx, req, current)
}

func (s *opStorage) issueRefresh(ctx context.Context, req op.TokenRequest) (string, string, time.Time, error) {
	ar, ok := req.(op.AuthRequest)
	if !ok {
		return "", "", time.Time{}, oidc.ErrUnsupportedGrantType().WithDescription("the demo issues refresh tokens only for the authorization code flow")
	}
	accessID, exp, err := s.Storage.CreateAccessToken(ctx, plainRequest(req))
	if err != nil {
		return "", "", time.Time{}, err
	}
	rec := refreshRecord{
		UserID: ar.GetSubject(), ClientID: ar.GetClientID(), Scopes: slices.Clone(ar.GetScopes()),
		AMR: slices.Clone(ar.GetAMR()), AuthTime: ar.GetAuthTime(), accessTokenID: accessID,
	}
	token, err := s.swapRefresh("", rec)
	return accessID, token, exp, err
}

func (s *opStorage) rotateRefresh(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	old, ok := s.lookup(current)
	if !ok {
		return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("the refresh token is invalid, expired or already used")
	}
	// The embedded storage takes the client from an *AuthRequest, not from
	// a refresh request.
	accessID, exp, err := s.Storage.CreateAccessToken(ctx, &storage.AuthRequest{ApplicationID: old.ClientID, UserID: old.UserID, Scopes: req.GetScopes()})
	if err != nil {
		return "", "", time.Time{}, err
	}
	rec := old
	rec.accessTokenID = accessID
	token, err := s.swapRefresh(hashToken(current), rec)
	if err != nil {
		return "", "", time.Time{}, err
	}
	s.Storage.RevokeToken(ctx, old.accessTokenID, old.UserID, old.ClientID)
	return accessID, token, exp, nil
}

// swapRefresh makes a new refresh token for rec, replacing the one whose
// hash is oldHash (if not empty), and saves the state before it returns
// the token. When the save fails nothing changes. The old token must
// still be there: of two refreshes with the same token, one wins.
func (s *opStorage) swapRefresh(oldHash string, rec refreshRecord) (string, error) {
	token := newToken()
	rec.ExpiresAt = s.now().Add(refreshLifetime)
	err := s.update(func(m map[string]refreshRecord) error {
		if oldHash != "" {
			if _, ok := m[oldHash]; !ok {
				return oidc.ErrInvalidGrant().WithDescription("the refresh token was already used")
			}
			delete(m, oldHash)
		}
		m[hashToken(token)] = rec
		return nil
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// TokenRequestByRefreshToken implements op.Storage. The new tokens are
// for the client and the resources the refresh grant names (see
// resourceServer).
func (s *opStorage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	rec, ok := s.lookup(token)
	if !ok {
		return nil, op.ErrInvalidRefreshToken
	}
	res, _ := requestedResources(ctx)
	return storage.RefreshTokenRequestFromBusiness(&storage.RefreshToken{
		ID: hashToken(token), UserID: rec.UserID, ApplicationID: rec.ClientID, Audience: append([]string{rec.ClientID}, res...),
		Scopes: slices.Clone(rec.Scopes), AMR: slices.Clone(rec.AMR), AuthTime: rec.AuthTime, Expiration: rec.ExpiresAt,
	}), nil
}

// GetRefreshTokenInfo implements op.Storage, for revocation: the token ID
// it returns is the token's hash, which RevokeToken then receives.
func (s *opStorage) GetRefreshTokenInfo(_ context.Context, clientID, token string) (string, string, error) {
	rec, ok := s.lookup(token)
	if !ok || rec.ClientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return rec.UserID, hashToken(token), nil
}

// RevokeToken implements op.Storage (RFC 7009): a refresh token, named by
// its hash, is removed with its access token; anything else goes to the
// embedded storage, which knows the access tokens.
func (s *opStorage) RevokeToken(ctx context.Context, tokenIDOrToken, userID, clientID string) *oidc.Error {
	var revoked refreshRecord
	err := s.update(func(m map[string]refreshRecord) error {
		rec, ok := m[tokenIDOrToken]
		switch {
		case !ok:
			return errNotRefresh
		case rec.ClientID != clientID:
			return oidc.ErrInvalidClient().WithDescription("the token was not issued to this client")
		}
		revoked = rec
		delete(m, tokenIDOrToken)
		return nil
	})
	var oerr *oidc.Error
	switch {
	case errors.Is(err, errNotRefresh):
		return s.Storage.RevokeToken(ctx, tokenIDOrToken, userID, clientID)
	case errors.As(err, &oerr):
		return oerr
	case err != nil:
		return oidc.ErrServerError().WithParent(err)
	}
	s.Storage.RevokeToken(ctx, revoked.accessTokenID, revoked.UserID, revoked.ClientID)
	return nil
}

var errNotRefresh = errors.New("demo: not a refresh token")

// TerminateSession implements op.Storage: signing out at the provider
// ends the user's refresh and access tokens for the client.
func (s *opStorage) TerminateSession(ctx context.Context, userID, clientID string) error {
	err := s.update(func(m map[string]refreshRecord) error {
		maps.DeleteFunc(m, func(_ string, r refreshRecord) bool { return r.UserID == userID && r.ClientID == clientID })
		return nil
	})
	if err != nil {
		return err
	}
	return s.Storage.TerminateSession(ctx, userID, clientID)
}

// ClientCredentials shadows the example's built-in service client, whose
// secret is published with the example: the demo has no service clients.
func (s *opStorage) ClientCredentials(context.Context, string, string) (op.Client, error) {
	return nil, errors.New("demo: no client may use the client credentials grant")
}

// GetKeyByIDAndClientID shadows the example's JWT-profile service key,
// whose private half is published with the example: the demo accepts no
// client or service keys.
func (s *opStorage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("demo: no keys are registered for JWT profile grants or client assertions")
}

// lookup returns the live record of a refresh token.
func (s *opStorage) lookup(token string) (refreshRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.state.RefreshTokens[hashToken(token)]
	if !ok || !rec.ExpiresAt.After(s.now()) {
		return refreshRecord{}, false
	}
	return rec, true
}

// update changes a copy of the refresh tokens with change, drops expired
// ones, saves, and only then makes the copy current. An error from change
// or from saving leaves everything as it was.
func (s *opStorage) update(change func(map[string]refreshRecord) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := maps.Clone(s.state.RefreshTokens)
	if err := change(m); err != nil {
		return err
	}
	now := s.now()
	maps.DeleteFunc(m, func(_ string, r refreshRecord) bool { return !r.ExpiresAt.After(now) })
	next := *s.state
	next.RefreshTokens = m
	if err := saveState(s.dir, &next); err != nil {
		s.log.Error("demo: could not save the identity provider's state", "err", err)
		return oidc.ErrServerError().WithDescription("the demo provider could not save its state").WithParent(err)
	}
	s.state = &next
	return nil
}

// newToken returns a new refresh token: 256 random bits.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is the key a refresh token is kept under: its SHA-256. The
// token has 256 random bits, so the hash needs no salt.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// signingKey is the provider's RS256 key (op.SigningKey) with a stable key
// ID: its JWK thumbprint (RFC 7638), the same after every restart.
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func newSigningKey(key *rsa.PrivateKey) (signingKey, error) {
	jwk := jose.JSONWebKey{Key: &key.PublicKey}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return signingKey{}, fmt.Errorf("demo: could not compute the signing key's ID: %w", err)
	}
	return signingKey{id: base64.RawURLEncoding.EncodeToString(thumb), key: key}, nil
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is the public half of a signingKey, as op.Key for the JWKS.
type publicKey struct{ k signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.key.PublicKey }
