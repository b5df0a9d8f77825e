package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"dialtone/auth"
	"dialtone/internal/idp"
	"dialtone/internal/keyring"
	"dialtone/internal/procstart"
	"dialtone/internal/sipaddr"
)

// ErrLoginRequired reports that no usable session is stored: the agent must
// sign in again in the browser. The UI shows the email screen with the last
// email filled in.
var ErrLoginRequired = errors.New("session: sign-in required")

// ErrOffline marks a silent sign-in or refresh that failed because the
// identity provider could not be reached. The stored session is kept; the
// caller retries later (see KeepAlive). Errors matching it also match
// *idp.NetworkError.
var ErrOffline = errors.New("session: offline, retrying")

// Session is a signed-in agent as the Store keeps it: the engine's session
// and what could not be kept of it.
type Session struct {
	*auth.Session

	// KeyringErr, when not nil, says why the session is kept in memory
	// only and will not survive a restart (a *keyring.Error).
	KeyringErr error

	// StoreErr, when not nil, says why the session's metadata could not be
	// saved in the config folder (read-only, full): the next launch asks
	// to sign in again.
	StoreErr error
}

// Store keeps an agent signed in across launches: it stores the refresh
// token in the keyring and everything else in the Folder, signs in
// silently on the next launch, refreshes ahead of expiry, and signs out.
//
// Security duties it carries out: the refresh token is written only to the
// keyring (in memory only when the keyring is unavailable, never to a
// file); a rotated refresh token is stored before success is reported; a
// refresh is never done twice at once, in this process (a mutex) or across
// processes (the Folder's file lock).
type Store struct {
	client *auth.Client
	keys   *keyring.Store
	folder *Folder
	log    *slog.Logger

	born        time.Time       // when this process started (procstart.Time)
	mu          sync.Mutex      // one refresh at a time in this process
	current     *auth.Session   // the live session, with its tokens in memory
	line        *sipaddr.Config // the live session's phone line, vouched for; nil when none
	lastRefresh time.Time       // when this process last refreshed (Record.RefreshedAt)

	// crashPoint, when set (tests only), is called at the moments a crash
	// costs most: "refreshed" (the old refresh token is spent, the new one
	// not yet stored) and "token stored" (the metadata not yet written).
	crashPoint func(stage string)
	// waiting, when set (tests only), is called when this process begins
	// waiting for the cross-process lock.
	waiting func()
}

// NewStore returns a Store that signs in with client and keeps sessions in
// keys (the refresh token) and folder (everything else).
func NewStore(client *auth.Client, keys *keyring.Store, folder *Folder) *Store {
	return &Store{client: client, keys: keys, folder: folder, log: client.Logger(), born: procstart.Time}
}

// LoginRequest is an interactive sign-in and what the store keeps with it.
type LoginRequest struct {
	auth.LoginRequest
	// Line is the account's phone line from the provider list, or nil. It
	// is stored with the session, sealed like the discovery document, and
	// its resource (RFC 8707) is asked for at the sign-in and every
	// refresh, so the access token is one the registrar accepts.
	Line *sipaddr.Config
}

// Login signs in interactively (see auth.Client.Login) and stores the
// session. When the keyring or the folder cannot be used the session still
// works for this run: KeyringErr and StoreErr say why it will not survive a
// restart. A refused sign-in stores nothing but the email typed.
func (m *Store) Login(ctx context.Context, req LoginRequest) (*Session, error) {
	if r := lineResource(req.Line); r != "" {
		req.Resources = append(req.Resources, r)
	}
	s, err := m.client.Login(ctx, req.LoginRequest)
	if err != nil {
		m.rememberEmail(req.Email)
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.current, m.line = s, req.Line
	unlock, err := m.folder.Lock(ctx)
	if err != nil {
		// A read-only or broken config folder: the sign-in itself is good,
		// so keep it for this run and say it will not be remembered.
		return &Session{Session: s, StoreErr: fmt.Errorf("session: could not lock the session folder: %w", err)}, nil
	}
	defer unlock()
	m.lastRefresh = time.Time{}
	return m.saveLocked(ctx, s, "", req.Line), nil
}

// saveLocked stores s: the refresh token with its issuer in the keyring
// (unless the token equals previous), then the metadata, with the issuer's
// discovery document sealed under the token. The caller holds the folder
// lock. Keyring and metadata errors go into the returned Session: it is
// still valid for this run.
func (m *Store) saveLocked(ctx context.Context, s *auth.Session, previous string, line *sipaddr.Config) *Session {
	out := &Session{Session: s}
	meta := m.loadQuiet()
	rec := recordOf(s, m.client.Now(), m.lastRefresh)
	rec.Line = line
	rt := s.RefreshToken()
	if rt == "" {
		rt = previous // the provider did not rotate it
	}
	if rt != "" && rt != previous {
		out.KeyringErr = m.keys.Set(ctx, rec.SecretKey(), storedToken{RefreshToken: rt, Issuer: rec.Provider.Issuer}.encode())
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
	snap := cacheDiscovery(meta, s.Resolved())
	if rt != "" {
		rec.Binding = seal(rt, rec.Provider.Issuer, snap, line)
		if !rec.RefreshedAt.IsZero() {
			rec.RefreshedAtSeal = sealRefresh(rt, rec.Provider.Issuer, rec.Subject, rec.RefreshedAt)
		}
	}
	if err := m.folder.Save(meta); err != nil {
		m.log.WarnContext(ctx, "could not save the session metadata", "err", err)
		out.StoreErr = err
	}
	return out
}

// recordOf is the metadata of s. refreshedAt is zero for an interactive
// sign-in: only a refresh is shared with other processes.
func recordOf(s *auth.Session, now, refreshedAt time.Time) *Record {
	p := s.Resolved().Provider()
	return &Record{
		Email: s.Email, ProviderID: p.ID, Issuer: s.Issuer, ClientID: p.ClientID, Subject: s.Subject, Name: s.Name,
		Provider: p, AccessTokenExpiry: s.ExpiresAt, SignedInAt: now, RefreshedAt: refreshedAt,
	}
}

// cacheDiscovery keeps r's discovery document and keys for the next
// launch's silent sign-in, and returns them.
func cacheDiscovery(meta *Metadata, r *auth.Resolved) *auth.Snapshot {
	if meta.Discovery == nil {
		meta.Discovery = map[string]auth.Snapshot{}
	}
	snap := r.Snapshot()
	meta.Discovery[r.Provider().Issuer] = snap
	return &snap
}

// loadQuiet loads the metadata, logging (not returning) a damaged file:
// Load has set it aside and returned empty metadata.
func (m *Store) loadQuiet() *Metadata {
	meta, err := m.folder.Load()
	if err != nil {
		m.log.Warn("session metadata", "err", err)
	}
	return meta
}

func (m *Store) rememberEmail(email string) {
	e, err := idp.NormalizeEmail(email)
	if err != nil {
		return
	}
	meta := m.loadQuiet()
	meta.LastEmail = e
	_ = m.folder.Save(meta)
}

// LastEmail returns the email typed last, to fill in the email screen.
func (m *Store) LastEmail() string { return m.loadQuiet().LastEmail }

func (m *Store) deleteSecret(ctx context.Context, key string) {
	if err := m.keys.Delete(ctx, key); err != nil {
		m.log.WarnContext(ctx, "could not delete a refresh token from the keyring", "err", err)
	}
}

// Current returns the live session of this process, or nil.
func (m *Store) Current() *auth.Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.current
}

// Stored returns the stored session record (who was signed in, with which
// provider), or nil. It is what the starting screen shows while Resume
// runs, and what the dialer shows while reconnecting.
func (m *Store) Stored() *Record { return m.loadQuiet().Session }

// lineResource is the resource indicator a line asks tokens for, or "".
func lineResource(line *sipaddr.Config) string {
	if line == nil {
		return ""
	}
	return line.Resource
}
