package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"dialtone/auth"
	"dialtone/internal/idp"
	"dialtone/internal/keyring"
	"dialtone/internal/sipaddr"
)

// Resume signs the stored session in silently: refresh grant, checks, and
// the rotated refresh token stored before success is reported. With a warm
// cache of the provider's discovery document and keys it makes exactly
// one request to the provider, the token request.
//
// It returns ErrLoginRequired (wrapping the cause) when there is no stored
// session or the provider refused the refresh token (which is then
// deleted), an error matching ErrOffline and *idp.NetworkError when the
// provider could not be reached (the token is kept), and a *keyring.Error
// when the keyring cannot be read.
func (m *Store) Resume(ctx context.Context) (*Session, error) {
	return m.renew(ctx, "no stored session", true)
}

// Refresh renews the live session's tokens ahead of expiry (KeepAlive
// calls it). It has Resume's errors.
func (m *Store) Refresh(ctx context.Context) (*Session, error) {
	return m.renew(ctx, "signed out in another window", true)
}

// justRefreshedWindow bounds how old another process's refresh may be for
// this one to trust it.
const justRefreshedWindow = 30 * time.Second

// justRefreshedSkew is how far in the future a refresh may seem to be and
// still be trusted: processes on one computer share its clock, so only a
// small adjustment of it. A later time was written by no refresh of this
// clock (an edited file, or a clock stepped back since).
const justRefreshedSkew = 5 * time.Second

// justRefreshed returns the stored session when another Dialtone process
// refreshed it after this one started (its Store was made) and within
// justRefreshedWindow: several instances started at once (a launch storm),
// or two renewing at expiry. The refresh token the record stands for was
// just proven good, and spending it again would be one more grant for
// nothing — and, at a provider that detects reuse, a risk to the whole
// family. When this process reached the lock does not matter, so a storm
// makes exactly one grant; a process started after that refresh (a
// restart) makes its own. The returned session has no access token; the
// next refresh fetches one.
//
// The file is not trusted with this: RefreshedAt counts only when its seal
// matches under the refresh token the keyring holds now (so only the
// process that stored that token can have written it), and only when it
// is neither older than justRefreshedWindow nor later than now (beyond
// justRefreshedSkew). Otherwise the token is spent, and a revoked session
// is found out.
func (m *Store) justRefreshed(ctx context.Context, meta *Metadata, rec *Record) *Session {
	at := rec.RefreshedAt
	if !at.After(m.born) || at.Equal(m.lastRefresh) || !recent(m.client.Now(), at) {
		return nil
	}
	st, err := m.refreshToken(ctx, rec)
	if err != nil || !refreshSealed(st, rec) {
		return nil
	}
	m.line = nil
	if _, sealed := meta.trusted(st, rec); sealed {
		m.line = rec.Line
	}
	s := rec.session()
	m.current = s
	return &Session{Session: s}
}

// recent reports whether a refresh at at is one another process made just
// before now: at most justRefreshedWindow ago, and not in the future by
// more than justRefreshedSkew.
func recent(now, at time.Time) bool {
	age := now.Sub(at)
	return age <= justRefreshedWindow && age >= -justRefreshedSkew
}

// lockFolder takes the cross-process lock.
func (m *Store) lockFolder(ctx context.Context) (unlock func() error, err error) {
	if m.waiting != nil {
		m.waiting()
	}
	unlock, err = m.folder.Lock(ctx)
	if err != nil {
		return nil, fmt.Errorf("session: could not lock the session store: %w", err)
	}
	return unlock, nil
}

// renew is Resume and Refresh: under both locks, re-read the folder, trust
// a refresh another process just made (when trustOthers), else spend the
// stored refresh token. noSession says why when nothing is stored.
func (m *Store) renew(ctx context.Context, noSession string, trustOthers bool) (*Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	unlock, err := m.lockFolder(ctx)
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
	if trustOthers {
		if s := m.justRefreshed(ctx, meta, rec); s != nil {
			return s, nil
		}
	}
	return m.refreshLocked(ctx, meta, rec)
}

// refreshLocked spends the stored refresh token. The caller holds m.mu and
// the folder lock, and has just re-read the metadata, so the token read
// here is the newest any process has stored.
func (m *Store) refreshLocked(ctx context.Context, meta *Metadata, rec *Record) (*Session, error) {
	st, err := m.refreshToken(ctx, rec)
	if err != nil {
		return nil, err
	}
	rt := st.RefreshToken
	snap, sealed := meta.trusted(st, rec)
	if !sealed {
		rec.Line = nil // not vouched for: the agent's app asks the directory again
	}
	r, err := m.resolve(ctx, rec, st, snap)
	if err != nil {
		return nil, m.classifyRefresh(ctx, meta, rec, err)
	}
	s, err := m.client.Refresh(ctx, r, rec.session(), rt, resources(rec.Line)...)
	if err != nil {
		m.log.DebugContext(ctx, "refresh failed", "err", err)
		return nil, m.classifyRefresh(ctx, meta, rec, err)
	}
	if m.crashPoint != nil {
		m.crashPoint("refreshed")
	}
	m.current, m.line = s, rec.Line
	m.lastRefresh = m.client.Now()
	out := m.saveLocked(ctx, s, rt, rec.Line)
	if r.Stale() {
		go m.refreshDiscovery(context.WithoutCancel(ctx), r.Provider())
	}
	return out, nil
}

// resolve prepares the provider a stored token goes to: the issuer the
// keyring stored with the token (never the file's), the record's client
// (part of the token's keyring key), and snap, the cached discovery
// document if its seal vouched for it.
func (m *Store) resolve(ctx context.Context, rec *Record, st storedToken, snap *auth.Snapshot) (*auth.Resolved, error) {
	p := rec.Provider
	p.Issuer, p.ClientID = st.Issuer, rec.ClientID
	return m.client.ResolveCached(ctx, p, snap)
}

// resources are the resource indicators a refresh asks for: the line's.
func resources(line *sipaddr.Config) []string {
	if r := lineResource(line); r != "" {
		return []string{r}
	}
	return nil
}

// refreshToken reads the stored refresh token and its issuer, or the ones
// in memory when the keyring is unavailable and this process signed in.
func (m *Store) refreshToken(ctx context.Context, rec *Record) (storedToken, error) {
	v, err := m.keys.Get(ctx, rec.SecretKey())
	switch {
	case err == nil:
		st, derr := decodeStored(v)
		if derr != nil {
			return storedToken{}, fmt.Errorf("%w: %w", ErrLoginRequired, derr)
		}
		return st, nil
	case errors.Is(err, keyring.ErrNoSecret):
		return storedToken{}, fmt.Errorf("%w: the saved sign-in is missing from the keyring", ErrLoginRequired)
	case m.current != nil && m.current.HasRefreshToken() && m.current.Resolved() != nil:
		return storedToken{RefreshToken: m.current.RefreshToken(), Issuer: m.current.Resolved().Provider().Issuer}, nil
	}
	return storedToken{}, fmt.Errorf("%w: %w", ErrLoginRequired, err)
}

// classifyRefresh decides what a failed refresh means. A refusal by the
// provider ends the session: the token and record are deleted (the last
// email is kept) and ErrLoginRequired is returned. A network failure keeps
// everything and returns an ErrOffline error.
func (m *Store) classifyRefresh(ctx context.Context, meta *Metadata, rec *Record, err error) error {
	var ne *idp.NetworkError
	if errors.As(err, &ne) || ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ErrOffline, err)
	}
	var (
		kerr *keyring.Error
		ce   *idp.ConfigError
		pe   *auth.ProviderError
	)
	switch {
	case errors.As(err, &kerr), errors.As(err, &ce):
		return err // the session may be fine; the keyring or the configuration is not
	case errors.As(err, &pe) && (pe.Code == "temporarily_unavailable" || pe.Code == "server_error"):
		return fmt.Errorf("%w: %w", ErrOffline, err)
	}
	m.deleteSecret(ctx, rec.SecretKey())
	meta.Session, meta.LastEmail = nil, rec.Email
	if serr := m.folder.Save(meta); serr != nil {
		m.log.WarnContext(ctx, "could not save the session metadata", "err", serr)
	}
	m.current = nil
	return fmt.Errorf("%w: %w", ErrLoginRequired, err)
}

// refreshDiscovery refetches a provider's discovery document and keys
// after a silent sign-in used a stale cache.
func (m *Store) refreshDiscovery(ctx context.Context, p idp.Provider) {
	ctx, cancel := context.WithTimeout(ctx, idp.DefaultHTTPTimeout)
	defer cancel()
	r, err := m.client.Resolve(ctx, p)
	if err == nil {
		err = r.FetchKeys(ctx)
	}
	if err != nil {
		m.log.DebugContext(ctx, "could not refresh the discovery cache", "err", err)
		return
	}
	unlock, err := m.folder.Lock(ctx)
	if err != nil {
		return
	}
	defer unlock()
	meta := m.loadQuiet()
	rec := meta.Session
	if rec == nil {
		return
	}
	st, err := m.refreshToken(ctx, rec)
	if err != nil || st.Issuer != p.Issuer {
		return // signed out or changed meanwhile: the document would not be sealed
	}
	rec.Binding = seal(st.RefreshToken, st.Issuer, cacheDiscovery(meta, r), rec.Line)
	_ = m.folder.Save(meta)
}

// session is the stored session without tokens, its expiry the stored one.
func (r *Record) session() *auth.Session {
	return &auth.Session{Email: r.Email, Subject: r.Subject, Issuer: r.Issuer, ProviderID: r.ProviderID, Name: r.Name, ExpiresAt: r.AccessTokenExpiry}
}

// snapshot returns the cached discovery document of issuer, or nil.
func (m *Metadata) snapshot(issuer string) *auth.Snapshot {
	snap, ok := m.Discovery[issuer]
	if !ok {
		return nil
	}
	return &snap
}
