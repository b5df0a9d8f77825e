package session

import (
	"context"
	"fmt"
)

// LogoutResult says what Logout did beyond forgetting the session locally.
type LogoutResult struct {
	// Revoked reports that the provider revoked the refresh token
	// (RFC 7009). RevokeErr says why not, when it tried and failed.
	Revoked   bool
	RevokeErr error
	// EndSessionURL, when Everywhere was asked and the provider supports
	// RP-initiated logout, is the address to open in the browser to end
	// the provider's browser session too.
	EndSessionURL string
}

// Logout ends the stored session: it revokes the refresh token at the
// provider when the provider has a revocation endpoint, deletes the keyring
// item, and forgets the session record (the last email is kept to fill in
// the email screen). It succeeds locally even when revocation fails;
// LogoutResult says so. With everywhere, it also returns the provider's
// end-session URL (OpenID Connect RP-Initiated Logout 1.0).
//
// The record is forgotten even when the keyring cannot be reached, so this
// computer is signed out either way; the error (a *keyring.Error) then says
// that a saved refresh token may still be in the keyring.
func (m *Store) Logout(ctx context.Context, everywhere bool) (LogoutResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	unlock, err := m.folder.Lock(ctx)
	if err != nil {
		return LogoutResult{}, fmt.Errorf("session: could not lock the session store: %w", err)
	}
	defer unlock()
	meta := m.loadQuiet()
	rec := meta.Session
	if rec == nil {
		m.current = nil
		return LogoutResult{}, nil
	}
	res := m.revoke(ctx, meta, rec, everywhere)
	kerr := m.keys.Delete(ctx, rec.SecretKey())
	meta.Session, meta.LastEmail = nil, rec.Email
	m.current = nil
	if err := m.folder.Save(meta); err != nil {
		return res, fmt.Errorf("session: could not save the signed-out state: %w", err)
	}
	if kerr != nil {
		return res, fmt.Errorf("session: signed out, but could not delete the saved sign-in: %w", kerr)
	}
	return res, nil
}

// revoke tells the provider, when it can, and finds its end-session URL.
func (m *Store) revoke(ctx context.Context, meta *Metadata, rec *Record, everywhere bool) LogoutResult {
	var res LogoutResult
	st, err := m.refreshToken(ctx, rec)
	if err != nil {
		res.RevokeErr = err
		return res
	}
	snap, _ := meta.trusted(st, rec)
	r, err := m.resolve(ctx, rec, st, snap)
	if err != nil {
		res.RevokeErr = err
		return res
	}
	res.Revoked, res.RevokeErr = m.client.Revoke(ctx, r, st.RefreshToken)
	if everywhere {
		res.EndSessionURL = r.EndSessionURL()
	}
	return res
}
