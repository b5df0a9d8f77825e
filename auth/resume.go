package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// Resume signs the stored session in silently: refresh grant, checks, and
// the rotated refresh token stored before success is reported. With a warm
// cache of the provider's discovery document and keys it makes exactly
// one request to the provider, the token request.
//
// It returns ErrLoginRequired (wrapping the cause) when there is no stored
// session or the provider refused the refresh token (which is then
// deleted), an error matching ErrOffline and *NetworkError when the
// provider could not be reached (the token is kept), and a *KeyringError
// when the keyring cannot be read.
func (m *Sessions) Resume(ctx context.Context) (*Session, error) {
	return m.renew(ctx, "no stored session")
}

// justRefreshed returns the stored session when another Dialtone process
// refreshed it while this one waited for the lock (two instances started
// at once, or both renewing at expiry): the refresh token it holds was
// just proven good, and spending it again would be a second grant for
// nothing (and, at a provider with reuse detection, a risk to the whole
// family). started is when this process began waiting. The returned
// session has no access token; the next refresh fetches one.
func (m *Sessions) justRefreshed(rec *SessionRecord, started time.Time) *Session {
	if !rec.RefreshedAt.After(started) || rec.RefreshedAt.Equal(m.lastRefresh) {
		return nil
	}
	s := rec.session(nil)
	m.current = s
	return s
}

// lockStore takes the cross-process lock and returns when this process
// began waiting for it.
func (m *Sessions) lockStore(ctx context.Context) (unlock func() error, started time.Time, err error) {
	started = m.client.now()
	if m.waiting != nil {
		m.waiting()
	}
	unlock, err = m.store.Lock(ctx)
	if err != nil {
		return nil, started, fmt.Errorf("auth: could not lock the session store: %w", err)
	}
	return unlock, started, nil
}

// Refresh renews the live session's tokens ahead of expiry (KeepAlive
// calls it). It has Resume's errors.
func (m *Sessions) Refresh(ctx context.Context) (*Session, error) {
	return m.renew(ctx, "signed out in another window")
}

// renew is Resume and Refresh: under both locks, re-read the store, trust
// a refresh another process made while this one waited, else spend the
// stored refresh token. noSession says why when nothing is stored.
func (m *Sessions) renew(ctx context.Context, noSession string) (*Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	unlock, started, err := m.lockStore(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	meta := m.loadQuiet()
	rec := meta.Session
	if rec == nil {
		m.current = nil
		return nil, fmt.Errorf("%w: %s", ErrLoginRequired, noSession)
	}
	if s := m.justRefreshed(rec, started); s != nil {
		return s, nil
	}
	s, err := m.refreshLocked(ctx, meta, rec)
	if err != nil {
		return nil, err
	}
	m.current = s
	return s, nil
}

// refreshLocked spends the stored refresh token. The caller holds m.mu and
// the store lock, and has just re-read the metadata, so the token read here
// is the newest any process has stored.
func (m *Sessions) refreshLocked(ctx context.Context, meta *Metadata, rec *SessionRecord) (*Session, error) {
	rt, err := m.refreshToken(ctx, rec)
	if err != nil {
		return nil, err
	}
	op, err := m.client.resolveCached(ctx, rec.Provider, meta)
	if err != nil {
		return nil, m.classifyRefresh(ctx, meta, rec, err)
	}
	tok, err := m.client.refreshGrant(ctx, op, rt)
	if err != nil {
		m.client.log.DebugContext(ctx, "refresh failed", "err", err)
		return nil, m.classifyRefresh(ctx, meta, rec, err)
	}
	m.client.log.DebugContext(ctx, "session refreshed", "expiry", tok.Expiry, "rotated", tok.RefreshToken != rt)
	s, err := m.client.checkRefreshed(ctx, op, rec, tok)
	if err != nil {
		return nil, m.classifyRefresh(ctx, meta, rec, err)
	}
	if m.crashPoint != nil {
		m.crashPoint("refreshed")
	}
	m.lastRefresh = m.client.now()
	s.KeyringErr, s.StoreErr = m.saveLocked(ctx, s, op, rt)
	if op.stale {
		go m.refreshDiscovery(context.WithoutCancel(ctx), rec.Provider)
	}
	return s, nil
}

// refreshToken reads the stored refresh token, or the one in memory when
// the keyring is unavailable and this process signed in.
func (m *Sessions) refreshToken(ctx context.Context, rec *SessionRecord) (string, error) {
	rt, err := m.keyring.Get(ctx, rec.SecretKey())
	switch {
	case err == nil:
		return rt, nil
	case errors.Is(err, ErrNoSecret):
		return "", fmt.Errorf("%w: the saved sign-in is missing from the keyring", ErrLoginRequired)
	case m.current != nil && m.current.token != nil && m.current.token.RefreshToken != "":
		return m.current.token.RefreshToken, nil
	}
	return "", fmt.Errorf("%w: %w", ErrLoginRequired, err)
}

// classifyRefresh decides what a failed refresh means. A refusal by the
// provider ends the session: the token and record are deleted (the last
// email is kept) and ErrLoginRequired is returned. A network failure keeps
// everything and returns an ErrOffline error.
func (m *Sessions) classifyRefresh(ctx context.Context, meta *Metadata, rec *SessionRecord, err error) error {
	var ne *NetworkError
	if errors.As(err, &ne) || ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ErrOffline, err)
	}
	var (
		kerr *KeyringError
		ce   *ConfigError
		pe   *ProviderError
	)
	switch {
	case errors.As(err, &kerr), errors.As(err, &ce):
		return err // the session may be fine; the keyring or the configuration is not
	case errors.As(err, &pe) && (pe.Code == "temporarily_unavailable" || pe.Code == "server_error"):
		return fmt.Errorf("%w: %w", ErrOffline, err)
	}
	m.deleteSecret(ctx, rec.SecretKey())
	meta.Session, meta.LastEmail = nil, rec.Email
	if serr := m.store.Save(meta); serr != nil {
		m.client.log.WarnContext(ctx, "could not save the session metadata", "err", serr)
	}
	m.current = nil
	return fmt.Errorf("%w: %w", ErrLoginRequired, err)
}

// refreshDiscovery refetches a provider's discovery document and keys
// after a silent sign-in used a stale cache.
func (m *Sessions) refreshDiscovery(ctx context.Context, p Provider) {
	ctx, cancel := context.WithTimeout(ctx, DefaultHTTPTimeout)
	defer cancel()
	op, err := m.client.resolve(ctx, p)
	if err == nil {
		err = op.keys.ensure(ctx)
	}
	if err != nil {
		m.client.log.DebugContext(ctx, "could not refresh the discovery cache", "err", err)
		return
	}
	unlock, err := m.store.Lock(ctx)
	if err != nil {
		return
	}
	defer unlock()
	meta := m.loadQuiet()
	m.cacheDiscovery(meta, op)
	_ = m.store.Save(meta)
}

// refreshGrant spends rt at the token endpoint (RFC 6749 §6).
func (c *Client) refreshGrant(ctx context.Context, op *openID, rt string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.hc)
	tok, err := op.oauth2Config("").TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
	if err != nil {
		return nil, tokenError(op.disc.TokenEndpoint, "renew your session", err)
	}
	return tok, nil
}

// checkRefreshed verifies the ID token of a refresh response when there is
// one (OpenID Connect Core §12.2: no nonce, same iss, sub and aud) and
// builds the session. A response without an ID token is accepted.
func (c *Client) checkRefreshed(ctx context.Context, op *openID, rec *SessionRecord, tok *oauth2.Token) (*Session, error) {
	s := rec.session(tok)
	raw := idTokenOf(tok)
	if raw == "" {
		return s, nil
	}
	claims, err := c.verifyIDToken(ctx, op, raw, "")
	if err != nil {
		return nil, err
	}
	if claims.Subject != rec.Subject {
		return nil, &VerificationError{Check: "sub", Err: errors.New("the renewed ID token is for another user")}
	}
	if s.ExpiresAt.IsZero() {
		s.ExpiresAt = claims.Expiry
	}
	return s, nil
}

// session is the stored session with tok, or with no tokens (its expiry
// then the stored one) when tok is nil.
func (r *SessionRecord) session(tok *oauth2.Token) *Session {
	s := &Session{Email: r.Email, Subject: r.Subject, Issuer: r.Issuer, ProviderID: r.ProviderID, Name: r.Name, ExpiresAt: r.AccessTokenExpiry, token: tok}
	if tok != nil {
		s.ExpiresAt = tok.Expiry
	}
	return s
}
