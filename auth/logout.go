package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
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
// provider when the provider has a revocation endpoint, then deletes the
// keyring item and the session record (the last email is kept to fill in
// the email screen). It succeeds locally even when revocation fails;
// LogoutResult says so. With everywhere, it also returns the provider's
// end-session URL (OpenID Connect RP-Initiated Logout 1.0).
func (m *Sessions) Logout(ctx context.Context, everywhere bool) (LogoutResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	unlock, err := m.store.Lock(ctx)
	if err != nil {
		return LogoutResult{}, fmt.Errorf("auth: could not lock the session store: %w", err)
	}
	defer unlock()
	meta := m.loadQuiet()
	rec := meta.Session
	if rec == nil {
		m.current = nil
		return LogoutResult{}, nil
	}
	var res LogoutResult
	op, opErr := m.client.resolveCached(ctx, rec.Provider, meta)
	if rt, err := m.refreshToken(ctx, rec); err == nil && opErr == nil {
		res.Revoked, res.RevokeErr = m.client.revoke(ctx, op, rt)
	} else if opErr != nil {
		res.RevokeErr = opErr
	}
	if everywhere && opErr == nil {
		res.EndSessionURL = endSessionURL(op)
	}
	if err := m.keyring.Delete(ctx, rec.SecretKey()); err != nil {
		return res, fmt.Errorf("auth: could not delete the saved sign-in: %w", err)
	}
	meta.Session, meta.LastEmail = nil, rec.Email
	m.current = nil
	if err := m.store.Save(meta); err != nil {
		return res, fmt.Errorf("auth: could not save the signed-out state: %w", err)
	}
	return res, nil
}

// revoke asks the provider to revoke rt (RFC 7009 §2.1), authenticating
// the client as the token endpoint does. It reports whether the provider
// has a revocation endpoint and accepted the request.
func (c *Client) revoke(ctx context.Context, op *openID, rt string) (bool, error) {
	if op.disc.RevocationEndpoint == "" {
		return false, nil
	}
	form := url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}}
	p := op.provider
	basic := p.ClientSecret != "" && op.disc.supportsAuthMethod("client_secret_basic")
	if !basic {
		form.Set("client_id", p.ClientID)
		if p.ClientSecret != "" {
			form.Set("client_secret", p.ClientSecret)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, op.disc.RevocationEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(p.ClientID), url.QueryEscape(p.ClientSecret))
	}
	_, err = doBounded(c.hc, req, "revoke your session")
	var se *statusError
	if errors.As(err, &se) {
		return false, &ProviderError{Code: "revocation_failed", Description: se.Error()}
	}
	return err == nil, err
}

func endSessionURL(op *openID) string {
	if op.disc.EndSessionEndpoint == "" {
		return ""
	}
	u, err := url.Parse(op.disc.EndSessionEndpoint)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", op.provider.ClientID)
	u.RawQuery = q.Encode()
	return u.String()
}
