package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"dialtone/internal/sipaddr"
)

// Line returns the phone line of the live session, as the provider list gave
// it at sign-in and the session's seal vouches for it, and the issuer the
// agent signed in with (the authorization server a registrar's challenge
// must name). The line is nil when the account has none, when no session
// is live, or when the stored one could not be vouched for: then ask the
// directory.
func (m *Store) Line() (line *sipaddr.Config, issuer string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.current == nil || m.line == nil {
		return nil, ""
	}
	return m.line, m.current.Issuer
}

// AccessToken returns the live session's access token when it stays valid
// for at least minValid, and else renews the session first (one refresh
// grant, for the line's resource). It is what the phone line presents to
// its registrar: callers must not log it. It returns an error matching
// ErrLoginRequired when the session has ended.
func (m *Store) AccessToken(ctx context.Context, minValid time.Duration) (string, error) {
	if tok := m.validToken(minValid); tok != "" {
		return tok, nil
	}
	return m.RenewAccessToken(ctx)
}

// RenewAccessToken renews the session and returns the new access token,
// even when the current one looks valid: the registrar has just refused
// it. Unlike Refresh it never settles for another process's refresh, which
// leaves this one without an access token.
func (m *Store) RenewAccessToken(ctx context.Context) (string, error) {
	s, err := m.renew(ctx, "signed out in another window", false)
	if err != nil {
		return "", err
	}
	if s.AccessToken() == "" {
		return "", errors.New("session: the identity provider issued no access token")
	}
	return s.AccessToken(), nil
}

// validToken is the live access token if it stays valid for minValid.
func (m *Store) validToken(minValid time.Duration) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.current
	if s == nil || s.AccessToken() == "" {
		return ""
	}
	if !s.ExpiresAt.IsZero() && s.ExpiresAt.Before(m.client.Now().Add(minValid)) {
		return ""
	}
	return s.AccessToken()
}

// AdoptLine makes line the live session's phone line and keeps it with the
// stored session, sealed: for the line the directory names now when the
// stored session does not have it (it was signed in before the admin set it
// up or changed it, or its stored line could not be vouched for). A nil line
// means the account has none any more. The next refresh asks for the line's
// resource.
func (m *Store) AdoptLine(ctx context.Context, line *sipaddr.Config) error {
	if line != nil {
		if err := line.Validate(); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	unlock, err := m.lockFolder(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	meta := m.loadQuiet()
	rec := meta.Session
	if rec == nil || m.current == nil {
		return fmt.Errorf("%w: no live session to keep the line with", ErrLoginRequired)
	}
	st, err := m.refreshToken(ctx, rec)
	if err != nil {
		return err
	}
	snap, sealed := meta.trusted(st, rec)
	if !sealed {
		return errors.New("session: the stored session changed on disk; sign in again to keep the line with it")
	}
	rec.Line = line
	rec.Binding = seal(st.RefreshToken, st.Issuer, snap, line)
	m.line = line
	return m.folder.Save(meta)
}
