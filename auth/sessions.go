package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrOffline marks a silent sign-in or refresh that failed because the
// identity provider could not be reached. The stored session is kept; the
// caller retries later (see KeepAlive). Errors matching it also match
// *NetworkError.
var ErrOffline = errors.New("auth: offline, retrying")

// discoveryMaxAge is how old a cached discovery document may be before it
// is refreshed in the background.
const discoveryMaxAge = 24 * time.Hour

// Sessions keeps an agent signed in across launches: it stores the refresh
// token in the Keyring and everything else in the MetadataStore, signs in
// silently on the next launch, refreshes ahead of expiry, and signs out.
//
// Security duties it carries out: the refresh token is written only to the
// keyring (in memory only when the keyring is unavailable, never to a
// file); a rotated refresh token is stored before success is reported; a
// refresh is never done twice at once, in this process (a mutex) or across
// processes (the metadata store's file lock).
type Sessions struct {
	client  *Client
	keyring *Keyring
	store   *MetadataStore

	mu          sync.Mutex // one refresh at a time in this process
	current     *Session   // the live session, with its tokens in memory
	lastRefresh time.Time  // when this process last refreshed (SessionRecord.RefreshedAt)

	// crashPoint, when set (tests only), is called at the moments a crash
	// costs most: "refreshed" (the old refresh token is spent, the new one
	// not yet stored) and "token stored" (the metadata not yet written).
	crashPoint func(stage string)
	// waiting, when set (tests only), is called when this process begins
	// waiting for the cross-process lock.
	waiting func()
}

// NewSessions returns Sessions that sign in with client and keep sessions
// in keyring and store.
func NewSessions(client *Client, keyring *Keyring, store *MetadataStore) *Sessions {
	return &Sessions{client: client, keyring: keyring, store: store}
}

// Login signs in interactively (see Client.Login) and stores the session.
// When the keyring cannot be used the session still works for this run:
// Session.KeyringErr says why it will not survive a restart.
func (m *Sessions) Login(ctx context.Context, req LoginRequest) (*Session, error) {
	s, op, err := m.client.loginOP(ctx, req)
	if err != nil {
		m.rememberEmail(req.Email)
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.current = s
	unlock, err := m.store.Lock(ctx)
	if err != nil {
		// A read-only or broken config folder: the sign-in itself is good,
		// so keep it for this run and say it will not be remembered.
		s.StoreErr = fmt.Errorf("auth: could not lock the session folder: %w", err)
		return s, nil
	}
	defer unlock()
	m.lastRefresh = time.Time{}
	s.KeyringErr, s.StoreErr = m.saveLocked(ctx, s, op, "")
	return s, nil
}

// saveLocked stores s: the refresh token in the keyring (unless it equals
// previous), then the metadata. The caller holds the store lock. It returns
// the keyring and metadata errors, if any, for Session.KeyringErr and
// Session.StoreErr: the session is still valid for this run.
func (m *Sessions) saveLocked(ctx context.Context, s *Session, op *openID, previous string) (kerr, serr error) {
	meta := m.loadQuiet()
	rec := recordOf(s, op.provider, m.client.now(), m.lastRefresh)
	if rt := s.token.RefreshToken; rt != "" && rt != previous {
		kerr = m.keyring.Set(ctx, rec.SecretKey(), rt)
		if m.crashPoint != nil {
			m.crashPoint("token stored")
		}
	}
	if old := meta.Session; old != nil && old.SecretKey() != rec.SecretKey() {
		m.deleteSecret(ctx, old.SecretKey())
	} else if old != nil && !m.lastRefresh.IsZero() {
		rec.SignedInAt = old.SignedInAt // a refresh keeps the time of the sign-in
	}
	meta.Session, meta.LastEmail = rec, s.Email
	m.cacheDiscovery(meta, op)
	if err := m.store.Save(meta); err != nil {
		m.client.log.WarnContext(ctx, "could not save the session metadata", "err", err)
		serr = err
	}
	return kerr, serr
}

// recordOf is the metadata of s. refreshedAt is zero for an interactive
// sign-in: only a refresh is shared with other processes.
func recordOf(s *Session, p Provider, now, refreshedAt time.Time) *SessionRecord {
	return &SessionRecord{
		Email: s.Email, ProviderID: p.ID, Issuer: s.Issuer, ClientID: p.ClientID, Subject: s.Subject, Name: s.Name,
		Provider: p, AccessTokenExpiry: s.ExpiresAt, SignedInAt: now, RefreshedAt: refreshedAt,
	}
}

func (m *Sessions) cacheDiscovery(meta *Metadata, op *openID) {
	if meta.Discovery == nil {
		meta.Discovery = map[string]CachedDiscovery{}
	}
	raw, at := op.keys.snapshot()
	meta.Discovery[op.provider.Issuer] = CachedDiscovery{Document: *op.disc, JWKS: raw, JWKSFetchedAt: at}
}

// loadQuiet loads the metadata, logging (not returning) a damaged file:
// Load has set it aside and returned empty metadata.
func (m *Sessions) loadQuiet() *Metadata {
	meta, err := m.store.Load()
	if err != nil {
		m.client.log.Warn("session metadata", "err", err)
	}
	return meta
}

func (m *Sessions) rememberEmail(email string) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return
	}
	meta := m.loadQuiet()
	meta.LastEmail = e
	_ = m.store.Save(meta)
}

// LastEmail returns the email typed last, to fill in the email screen.
func (m *Sessions) LastEmail() string { return m.loadQuiet().LastEmail }

func (m *Sessions) deleteSecret(ctx context.Context, key string) {
	if err := m.keyring.Delete(ctx, key); err != nil {
		m.client.log.WarnContext(ctx, "could not delete a refresh token from the keyring", "err", err)
	}
}

// Current returns the live session of this process, or nil.
func (m *Sessions) Current() *Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.current
}

// Stored returns the stored session record (who was signed in, with which
// provider), or nil. It is what the starting screen shows while Resume
// runs, and what the dialer shows while reconnecting.
func (m *Sessions) Stored() *SessionRecord { return m.loadQuiet().Session }
